/** The generated differential in netloom's default mode against plain ovs-ofctl (generated-differential.ts). */
import { describeGenerated } from './generated-differential.js';

describeGenerated('plain', 1000);
