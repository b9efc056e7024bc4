/**
 * A capture of a whole emulated run opens cleanly in tshark: no malformed packet, no expert
 * warning (checksums checked), every port an interface, forwarding decisions as comments.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { runTopology } from '../../src/topology/run.js';
import { twoRouters } from '../sim/fixtures.js';

const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!haveTshark) console.warn('skipping the run-capture interop test: tshark is missing. Install it with: apt-get install tshark');

describe.skipIf(!haveTshark)('a run captured to pcapng, read by tshark', () => {
  it('opens with no malformed packet or expert warning, and shows ports and decisions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    try {
      const file = join(dir, 'run.pcapng');
      const topology = twoRouters({
        traffic: [
          { kind: 'ping', name: 'ping', from: 'h1', to: 'h2', count: 3, interval: 1e9, start: 0, size: 56, ttl: 64, df: false, timeout: 1e9 },
          { kind: 'ping', name: 'ttl', from: 'h1', to: 'h2', count: 1, interval: 1e9, start: 4e9, size: 56, ttl: 2, df: false, timeout: 1e9 },
          { kind: 'ping', name: 'big', from: 'h1', to: 'h2', count: 1, interval: 1e9, start: 6e9, size: 2000, ttl: 64, df: false, timeout: 1e9 },
          { kind: 'udp', name: 'udp', from: 'h1', to: 'h2', srcPort: 40000, dstPort: 9000, size: 100, rate: 10, count: 5, start: 8e9, df: false },
        ],
      });
      const summary = await runTopology(topology, { capture: openCapture(file) });
      expect(summary.traffic.map((t) => t.delivered)).toEqual([3, 0, 1, 5]);
      const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.defragment:FALSE'];
      const expert = spawnSync('tshark', ['-r', file, ...checks, '-Y', '_ws.malformed || _ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8' });
      expect(expert.status, expert.stderr).toBe(0);
      expect(expert.stdout).toBe('');
      const fields = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.packet_flags_direction', '-e', 'frame.comment'], { encoding: 'utf8' });
      const rows = fields.stdout.trim().split('\n').map((l) => l.split('|'));
      expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(['h1:eth0', 'r1:eth0', 'r1:eth1', 'r2:eth0', 'r2:eth1', 'h2:eth0']));
      expect(rows.some((r) => r[2]?.startsWith('route 10.0.2.0/24 via 10.0.12.2 out eth1'))).toBe(true);
      expect(rows.some((r) => r[2]?.startsWith('dropped: TTL_EXCEEDED'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
