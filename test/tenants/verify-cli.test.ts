/** `netloom verify` at the command line: exit 0 isolated, 1 a leak (each with its witness replayed), 2 bad input. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '../..');
const verify = (...args: string[]) => spawnSync(process.execPath, [CLI, 'verify', ...args], { cwd: root, encoding: 'utf8' });

describe('netloom verify', () => {
  it('says isolated and what it checked, exit 0', () => {
    const r = verify('topologies/tenants-two-switches.yaml', '--at', '2s');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout.replace(/in [\d.]+ ms/, 'in N ms')).toBe(
      'tenants-two-switches at 2.000 s: isolated\n  checked 2 tenants (blue, red), 2 switches, 4 tables, 38 rules, 4 edge ports, 12 header sets, 28 table lookups, in N ms\n',
    );
  });

  it('shows each leak with its rule, witness, path and replay, exit 1', () => {
    const r = verify('test/tenants/fixtures/verify-leak.yaml');
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('verify-leak at 1.106 s: NOT isolated, 2 leaks');
    expect(lines.slice(3, 8)).toEqual([
      "leak 1 (host): blue's packet reaches a host of no tenant b2:eth0 (out of x:b2)",
      '  responsible: x cookie=0x0, duration=1.106s, table=0, n_packets=6, n_bytes=476, priority=0 actions=NORMAL',
      '  witness, sent by b1:eth0 (s1:b1): ethernet(dst=02:4e:4c:1a:be:21,src=02:4e:4c:de:f8:94)/arp(op=1,senderMac=02:4e:4c:de:f8:94,senderIp=10.0.0.1,targetMac=00:00:00:00:00:00,targetIp=10.0.0.2)',
      '    024e4c1abe21024e4cdef89408060001080006040001024e4cdef8940a0000010000000000000a000002',
      "    netloom craft 'ethernet(dst=02:4e:4c:1a:be:21,src=02:4e:4c:de:f8:94)/arp(op=1,senderMac=02:4e:4c:de:f8:94,senderIp=10.0.0.1,targetMac=00:00:00:00:00:00,targetIp=10.0.0.2)' --hex",
    ]);
    expect(lines.filter((l) => l.includes('replayed'))).toEqual([
      '  replayed in a fresh run at the same time: reached b2:eth0: confirmed',
      '  replayed in a fresh run at the same time: reached b2:eth0: not confirmed (an over-approximation below may have made this leak)',
    ]);
    expect(lines.slice(-3)).toEqual(['over-approximated (sound: can only add leaks)', '  NORMAL (x cookie=0x0, duration=1.106s, table=0, n_packets=6, n_bytes=476, priority=0 actions=NORMAL) is taken as flooding every port', '']);
  });

  it('prints one JSON object with --json: bytes as hex, each replay beside its leak', () => {
    const r = verify('test/tenants/fixtures/verify-leak.yaml', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { topology: string; isolated: boolean; leaks: { kind: string; to: string; witness: { bytes: string }; replay: { reached: string[] } }[] };
    expect([report.topology, report.isolated]).toEqual(['verify-leak', false]);
    expect(report.leaks.map((l) => [l.kind, l.to, l.witness.bytes.length, l.replay.reached])).toEqual([['host', 'b2:eth0', 84, ['b2:eth0']], ['host', 'r9:eth0', 84, ['b2:eth0']]]);
  });

  it('refuses an unknown tenant, a file without tenants and a bad --at, exit 2, one line each', () => {
    const cases = [
      [['topologies/tenants-two-switches.yaml', '--tenants', 'blue,green'], 'netloom: NETLOOM_VERIFY: unknown tenant "green" (tenants are blue, red)\n'],
      [['topologies/lan.yaml'], 'netloom: NETLOOM_VERIFY: lan declares no tenants: there is no isolation to verify\n'],
      [['topologies/tenants-two-switches.yaml', '--at', 'soon'], 'netloom: NETLOOM_USAGE: --at "soon": "soon" is not a duration; write a number and a unit: ns, us, ms or s (e.g. 2.5ms)\n'],
    ] as const;
    for (const [args, stderr] of cases) {
      const r = verify(...args);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', stderr]);
    }
  });
});
