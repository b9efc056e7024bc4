/** The generated differential with `protocols: 'OpenFlow13'` against ovs-ofctl -O OpenFlow15 (generated-differential.ts). */
import { describeGenerated } from './generated-differential.js';

describeGenerated('OpenFlow15', 500_000);
