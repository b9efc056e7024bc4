/** `npm run bench`: every benchmark, each reported as ratios to a baseline measured in the same run. */
import { main as codec } from './codec.bench.js';
import { main as capture } from './capture.bench.js';
import { main as sim } from './sim.bench.js';
import { main as switchBench } from './switch.bench.js';
import { main as conntrack } from './conntrack.bench.js';
import { main as multipath } from './multipath.bench.js';
import { main as openflow } from './openflow.bench.js';
import { main as tenants } from './tenants.bench.js';
import { main as verify } from './verify.bench.js';
import { main as feed } from './feed.bench.js';

console.log(`netloom benchmarks — node ${process.version}, ${process.env['BENCH_SECONDS'] ?? '1'} s per timed case (BENCH_SECONDS to change)`);
await codec();
await capture();
await sim();
await switchBench();
await conntrack();
await multipath();
await openflow();
await tenants();
await verify();
await feed();
