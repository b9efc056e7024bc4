/** `npm run bench`: every benchmark, each reported as ratios to a baseline measured in the same run. */
import { main as codec } from './codec.bench.js';

console.log(`netloom benchmarks — node ${process.version}, ${process.env['BENCH_SECONDS'] ?? '1'} s per case (BENCH_SECONDS to change)`);
await codec();
