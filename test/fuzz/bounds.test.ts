/**
 * Time and memory that grow with the input as they should, measured as ratios between a size
 * and four or eight times that size in the same run (never against a wall-clock limit): linear
 * work gives about 4×, the quadratic work these tests were written against gave 16× and more.
 * Times are the best of five, so a busy machine does not make a linear run look quadratic.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/topology/load.js';
import { encode } from '../../src/wire/encode.js';
import { explain } from '../../src/wire/explain.js';
import { writePcap } from '../../src/capture/pcap.js';
import type { LayerSpec } from '../../src/wire/layers.js';
import { CLI } from '../cli.js';


/** The best of five timings of `f`, ms. */
function best(f: () => unknown): number {
  let fastest = Infinity;
  for (let k = 0; k < 5; k++) {
    const start = performance.now();
    f();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

/** A topology whose nodes map has `n` keys (every node lacks its interfaces: n problems to place, too). */
const manyKeys = (n: number) => `nodes:\n${Array.from({ length: n }, (_, k) => `  h${k}: { kind: host }`).join('\n')}\n`;

/** A packet `depth` VXLAN tunnels deep. */
function nested(depth: number): Uint8Array {
  const specs: LayerSpec[] = [];
  for (let k = 0; k < depth; k++) specs.push({ layer: 'ethernet' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 4789 }, { layer: 'vxlan', vni: k });
  specs.push({ layer: 'ethernet' }, { layer: 'payload', data: new Uint8Array(10) });
  return encode(specs);
}

describe('bounded time and memory, as ratios', () => {
  it('loading a topology is linear in the keys of one map (and in the problems found)', () => {
    const load = (n: number) => () => expect(() => loadTopology(manyKeys(n), 'keys.yaml')).toThrow(/… and \d+ more$/);
    const ratio = best(load(8000)) / best(load(2000));
    expect(ratio, `8,000 keys took ${ratio.toFixed(1)}× the time of 2,000`).toBeLessThan(8);
  });

  it('explain is linear in the nesting depth: its text and its time', () => {
    const [small, large] = [nested(200), nested(800)];
    expect(explain(large).length / explain(small).length).toBeLessThan(4.5);
    const ratio = best(() => explain(large)) / best(() => explain(small));
    // Allocation makes the collector's share grow a little with size: about 5× here; the quadratic explain was 16× and more.
    expect(ratio, `800 deep took ${ratio.toFixed(1)}× the time of 200 deep`).toBeLessThan(10);
  });

  it('decode holds one packet at a time: its memory does not grow with the capture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-bounds-'));
    const frame = encode([{ layer: 'ethernet' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'payload', data: new Uint8Array(8000) }]);
    // Peak resident memory of `decode --json` over `n` jumbo frames (64 MB of JSON for 4,000 of them).
    const peak = (n: number) => {
      const file = join(dir, `${n}.pcap`);
      writeFileSync(file, writePcap(Array.from({ length: n }, (_, i) => ({ timestampNs: i, data: frame }))));
      const report = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss "+process.resourceUsage().maxRSS+"\\n"))';
      const r = spawnSync(process.execPath, ['--import', report, CLI, 'decode', '--json', '--pcap', file], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      expect(r.status, r.stderr).toBe(0);
      return Number(/maxrss (\d+)/.exec(r.stderr)![1]);
    };
    // Flat is 1.0–1.4 (the collector runs when it likes); holding the capture and the output, as decode did, was over 2.5.
    const ratio = peak(4000) / peak(500);
    expect(ratio, `8× the packets took ${ratio.toFixed(2)}× the memory`).toBeLessThan(1.6);
  });
});
