import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopologyFile } from '../../src/topology/load.js';
import { runTopology, wallClockPeers } from '../../src/topology/run.js';
import { readCapture } from '../../src/capture/read.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');
const netloom = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const examples = readdirSync(join(root, 'topologies')).filter((f) => f.endsWith('.yaml'));

describe('example topologies', () => {
  it('has the lessons the README promises', async () => {
    expect(examples.sort()).toEqual(expect.arrayContaining(['lan.yaml', 'link-failure.yaml', 'mtu.yaml', 'two-subnets.yaml']));
  });

  // Lessons with a peer outside the process (tenants-external: os-ken) run in test/interop.
  it.each(examples.filter((f) => wallClockPeers(loadTopologyFile(join(root, 'topologies', f))).length === 0))('%s passes its own expectations', async (file) => {
    const summary = await runTopology(loadTopologyFile(join(root, 'topologies', file)));
    expect(summary).toPassExpectations();
    expect(summary.expectations.length).toBeGreaterThan(2);
  });
});

describe('netloom run and trace', () => {
  it('prints the summary and exits 0 when every expectation holds', async () => {
    const r = netloom(['run', 'topologies/two-subnets.yaml']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ttl 2          sent 3  delivered 0  lost 3');
    expect(r.stdout).toContain('    3 × time exceeded from 10.0.12.2');
    expect(r.stdout).toContain('  r2  TTL_EXCEEDED  3');
    expect(r.stdout).toContain('5 of 5 expectations passed');
  });

  it("shows control characters from a file escaped, never raw on the terminal", () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    const file = join(dir, 'evil.yaml');
    writeFileSync(file, readFileSync(join(root, 'topologies/lan.yaml'), 'utf8').replace(/traffic:\n/, 'traffic:\n  - ping: { name: "clear\\e[2J then \\u202Eevil", from: h1, to: h2, count: 1 }\n'));
    const r = netloom(['run', file]);
    expect(r.stdout).toContain('clear\\x1b[2J then \\u202eevil');
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
  });

  it('exits 1 when an expectation fails, saying what was found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    const file = join(dir, 'fails.yaml');
    writeFileSync(file, readFileSync(join(root, 'topologies/two-subnets.yaml'), 'utf8').replace('delivered: { traffic: ttl 2, max: 0 }', 'delivered: { traffic: ttl 2, min: 1 }'));
    const r = netloom(['run', file, '--json']);
    expect(r.status).toBe(1);
    const summary = JSON.parse(r.stdout) as { passed: boolean; expectations: { passed: boolean; actual: string }[] };
    expect(summary.passed).toBe(false);
    expect(summary.expectations[1]).toEqual({ expectation: 'ttl 2: at least 1 delivered', passed: false, actual: '0 of 3 delivered' });
  });

  it('gives byte-identical captures for the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    const a = join(dir, 'a.pcapng');
    const b = join(dir, 'b.pcapng');
    expect(netloom(['run', 'topologies/lan.yaml', '--pcap', a, '--seed', '9']).status).toBe(0);
    expect(netloom(['run', 'topologies/lan.yaml', '--pcap', b, '--seed', '9']).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('captures the ports --capture names, from the --epoch given (default 2025-01-01T00:00:00Z)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    const names = (file: string) => readCapture(readFileSync(file)).interfaces.map((i) => i.name);
    expect(netloom(['run', 'topologies/esp.yaml', '--pcap', join(dir, 'lesson.pcapng')]).status).toBe(0);
    // The lesson's own capture: points, one per segment.
    expect(names(join(dir, 'lesson.pcapng'))).toEqual(['h1:eth0', 'h2:eth0', 's1:eth1']);
    expect(netloom(['run', 'topologies/esp.yaml', '--pcap', join(dir, 'all.pcapng'), '--capture', '*']).status).toBe(0);
    expect(names(join(dir, 'all.pcapng'))).toEqual(['h1:eth0', 'h2:eth0', 's1:eth1', 's1:p1', 's2:eth1', 's2:p1', 'r1:eth0', 'r1:eth1']);
    expect(netloom(['run', 'topologies/controller-learning.yaml', '--pcap', join(dir, 's1.pcapng'), '--capture', 's1:*, h1:eth0', '--epoch', '2026-12-04T09:00:00Z']).status).toBe(0);
    const s1 = readCapture(readFileSync(join(dir, 's1.pcapng')));
    expect(s1.interfaces.map((i) => i.name)).toEqual(['h1:eth0', 's1:h1', 's1:s2', 's1:openflow']);
    expect(s1.packets[0]!.timestampNs / 1_000_000_000n).toBe(1_796_374_800n);
    const lan = readCapture(readFileSync(join(dir, 'lesson.pcapng')));
    expect(lan.packets[0]!.timestampNs / 1_000_000_000n).toBe(1_735_689_600n);
  });

  it('writes every trace event as JSON Lines with --events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-run-'));
    const file = join(dir, 'events.jsonl');
    expect(netloom(['run', 'topologies/two-subnets.yaml', '--events', file]).status).toBe(0);
    const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; dir: string; node: string; reason?: string; bytes?: string });
    expect(events.length).toBeGreaterThan(100);
    expect(events.every((e, i) => i === 0 || e.t >= events[i - 1]!.t)).toBe(true);
    expect(events.filter((e) => e.dir === 'drop' && e.reason === 'TTL_EXCEEDED').map((e) => e.node)).toEqual(['r2', 'r2', 'r2']);
    expect(events.find((e) => e.dir === 'tx')?.bytes).toMatch(/^[0-9a-f]+$/);
    const again = netloom(['run', 'topologies/two-subnets.yaml', '--events', file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`netloom: NETLOOM_USAGE: ${file} exists; pass --force to overwrite it\n`);
  });

  it('checks the probe before creating the capture: a bad --from leaves no file behind', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-trace-')), 'trace.pcapng');
    const r = netloom(['trace', 'topologies/lan.yaml', '--from', 'h9', '--to', 'h2', '--pcap', file]);
    expect([r.status, r.stderr]).toEqual([2, 'netloom: NETLOOM_PROBE: from: unknown host "h9"; did you mean "h1"? (hosts with an IPv4 address are h1, h2, h3)\n']);
    expect(existsSync(file)).toBe(false);
  });

  it('traces hop by hop, and exits 1 when the packet is not delivered', async () => {
    const r = netloom(['trace', 'topologies/two-subnets.yaml', '--from', 'h1', '--to', '10.0.99.1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      [
        '1. h1 (out eth0)  ethernet/ipv4/icmp/payload',
        '2. r1 (in eth0)  ethernet/ipv4/icmp/payload',
        '     dropped (NO_ROUTE): no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10',
        'NO_ROUTE at r1: no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10',
        '',
      ].join('\n'),
    );
  });

  it("traces the MTU lesson: --size with --df stops at the 1400-byte link, without DF it is fragmented and delivered", async () => {
    const df = netloom(['trace', 'topologies/mtu.yaml', '--from', 'h1', '--to', 'h2', '--size', '1472', '--df']);
    expect(df.status).toBe(1);
    expect(df.stdout.trim().split('\n').slice(-2)).toEqual(['     dropped (MTU_EXCEEDED): MTU 1400 < 1500 and DF is set', 'MTU_EXCEEDED at r1: MTU 1400 < 1500 and DF is set']);
    const fragmented = netloom(['trace', 'topologies/mtu.yaml', '--from', 'h1', '--to', 'h2', '--size', '1472']);
    expect(fragmented.status).toBe(0);
    expect(fragmented.stdout.trim().split('\n').at(-1)).toBe('DELIVERED at h2');
    const run = netloom(['run', 'topologies/mtu.yaml']);
    expect(run.stdout).toContain('    3 × fragmentation needed, next-hop MTU 1400 from 10.0.1.1');
  });

  it.each([
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--size', '70000'], 'netloom: NETLOOM_PROBE: size: 70000 is not a payload size (0 to 65507 bytes)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--size', 'big'], 'netloom: NETLOOM_USAGE: --size "big" is not a number of bytes'],
    [['run', 'topologies/lan.yaml', '--until', 'soon'], 'netloom: NETLOOM_USAGE: --until "soon"'],
    [['run', 'topologies/lan.yaml', '--seed', '-1'], 'netloom: NETLOOM_USAGE: --seed "-1" is not a whole number'],
    [['trace', 'topologies/lan.yaml', '--from', 's1', '--to', 'h2'], 'netloom: NETLOOM_PROBE: from: s1 is a switch; a probe starts at a host (hosts with an IPv4 address are h1, h2, h3)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h4', '--to', 'h2'], 'netloom: NETLOOM_PROBE: from: unknown host "h4"; did you mean "h1"? (hosts with an IPv4 address are h1, h2, h3)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--proto', 'sctp'], 'netloom: NETLOOM_PROBE: proto: "sctp" is not icmp or udp\n'],
    [['trace', 'topologies/lan.yaml', '--to', 'h2'], "netloom: NETLOOM_USAGE: required option '--from <host>' not specified"],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 's1'], 'netloom: NETLOOM_PROBE: to: s1 is a switch with no IPv4 address (nodes with an IPv4 address are h1, h2, h3; or give an IPv4 address)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', '10.0.0.256'], 'netloom: NETLOOM_PROBE: to: "10.0.0.256" is neither a node nor an IPv4 address (nodes with an IPv4 address are h1, h2, h3; or give an IPv4 address)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--proto', 'udp', '--dport', '0'], 'netloom: NETLOOM_PROBE: dstPort: 0 is not a port number (1 to 65535)\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--proto', 'udp', '--dport', 'http'], 'netloom: NETLOOM_USAGE: --dport "http" is not a port number\n'],
    [['run', 'topologies/lan.yaml', '--pcap', 'package.json/captures/'], 'netloom: NETLOOM_CAPTURE_WRITE: cannot create the directory package.json/captures/: ENOTDIR'],
    [['run', 'topologies/lan.yaml', '--pcap', 'x.pcapng', '--capture', 's1:p9'], 'netloom: NETLOOM_USAGE: --capture: unknown port "p9" on s1; did you mean "p1"? (s1 has p1, p2, p3, openflow; or s1:* for all)\n'],
    [['run', 'topologies/lan.yaml', '--pcap', 'x.pcapng', '--capture', 'h1'], 'netloom: NETLOOM_USAGE: --capture: "h1" is not NODE:PORT, NODE:* or *\n'],
    [['trace', 'topologies/lan.yaml', '--from', 'h1', '--to', 'h2', '--pcap', 'x.pcapng', '--capture', 'r1:*'], 'netloom: NETLOOM_USAGE: --capture: unknown node "r1"; did you mean "h1"? (nodes are h1, h2, h3, s1)\n'],
    [['run', 'topologies/lan.yaml', '--capture', 's1:*'], 'netloom: NETLOOM_USAGE: --capture goes with --pcap or --feed\n'],
    [['run', 'topologies/lan.yaml', '--pcap', 'x.pcapng', '--epoch', '2025-13-01'], 'netloom: NETLOOM_USAGE: --epoch "2025-13-01" is not whole seconds since 1970 or a date like 2025-01-01 or 2025-01-01T09:30:00Z (from 1970 to 2106)\n'],
    [['craft', 'ethernet()', '--pcap', 'x.pcap', '--epoch', '4294967296'], 'netloom: NETLOOM_USAGE: --epoch "4294967296" is not whole seconds'],
    [['frobnicate'], "netloom: NETLOOM_USAGE: unknown command 'frobnicate'"],
  ])('a user mistake (%j) exits 2 with one clear line', (args, message) => {
    const r = netloom(args);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
