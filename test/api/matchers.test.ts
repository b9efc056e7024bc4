/**
 * netloom's matchers: through vitest (`netloom/vitest`), with the exact message of each failure
 * (and of each `.not` failure), and runner-neutral through netloomMatchers with node:assert.
 */
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRunSummary, lessonPath, loadTopology, loadTopologyFile, netloomMatchers, ProbeError, runTopology, VerifyError } from '../../src/index.js';

const vxlan = loadTopologyFile(lessonPath('vxlan'));
const acl = loadTopologyFile(lessonPath('acl'));
const twoSubnets = loadTopologyFile(lessonPath('two-subnets'));

/** The message a failed assertion throws with. */
const failure = async (assertion: Promise<unknown> | (() => unknown)): Promise<string> => {
  try {
    await (typeof assertion === 'function' ? assertion() : assertion);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the assertion passed');
};

const VXLAN_PATH = `  1. h1 (out eth0)  ethernet/ipv4/icmp/payload
  2. s1 (in p1, out eth1)  ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload
       0. priority 0; NORMAL; forwarding to learned port
       VXLAN encap to 192.168.2.1, VNI 5000
       10.10.0.1 → 192.168.1.1, 10.10.0.2 → 192.168.2.1 (p1 → eth1)
  3. r1 (in eth0, out eth1)  ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload
       route 192.168.2.0/24 directly connected out eth1, TTL 64 → 63
  4. s2 (in eth1, out p1)  ethernet/ipv4/icmp/payload
       vx0: VXLAN from 192.168.1.1, VNI 5000
       0. priority 0; NORMAL; forwarding to learned port
       192.168.1.1 → 10.10.0.1, 192.168.2.1 → 10.10.0.2 (eth1 → p1)
  5. h2 (in eth0)  ethernet/ipv4/icmp/payload
       ICMP echo request from 10.10.0.1: replying
  DELIVERED at h2`;

const ACL_5001_PATH = `  1. h1 (out eth0)  ethernet/ipv4/udp/payload
  2. s1 (in p1)  ethernet/ipv4/udp/payload
       0. udp,tp_dst=5001, priority 300; drop
       dropped (FLOW_DROP): the flow tables sent it nowhere
  DROPPED at s1 (FLOW_DROP): the flow tables sent it nowhere`;

const NO_ROUTE_PATH = `1. h1 (out eth0)  ethernet/ipv4/icmp/payload
2. r1 (in eth0)  ethernet/ipv4/icmp/payload
     dropped (NO_ROUTE): no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10
NO_ROUTE at r1: no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10`;

describe('toDeliver', () => {
  it('passes when the probe is delivered, and shows the path it took when it is not', async () => {
    await expect(vxlan).toDeliver({ from: 'h1', to: 'h2', at: 1e9 });
    await expect(acl).toDeliver({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5000 });
    expect(await failure(expect(acl).toDeliver({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }))).toBe(`expected udp h1 → h2 port 5001 to be delivered\nfound:\n${ACL_5001_PATH}`);
  });

  it('negated, fails with the path that was delivered', async () => {
    await expect(acl).not.toDeliver({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 });
    expect(await failure(expect(vxlan).not.toDeliver({ from: 'h1', to: 'h2', at: 1e9 }))).toBe(`expected icmp h1 → h2 sent at 1 s not to be delivered\nfound:\n${VXLAN_PATH}`);
  });
});

describe('toDrop', () => {
  it('passes where the probe stops, for its reason; a stop other than a drop (NO_ROUTE) counts', async () => {
    await expect(acl).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, { at: 's1', reason: 'FLOW_DROP' });
    await expect(acl).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 });
    await expect(twoSubnets).toDrop({ from: 'h1', to: '10.0.99.1' }, { at: 'r1', reason: 'NO_ROUTE' });
    await expect(vxlan).not.toDrop({ from: 'h1', to: 'h2', at: 1e9 });
  });

  it('fails at another node or for another reason, or when delivered, with the path', async () => {
    expect(await failure(expect(acl).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, { at: 's2' }))).toBe(`expected udp h1 → h2 port 5001 to be dropped at s2\nfound:\n${ACL_5001_PATH}`);
    expect(await failure(expect(acl).toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, { reason: 'NO_ROUTE' }))).toBe(`expected udp h1 → h2 port 5001 to be dropped (NO_ROUTE)\nfound:\n${ACL_5001_PATH}`);
    expect(await failure(expect(vxlan).toDrop({ from: 'h1', to: 'h2', at: 1e9 }))).toBe(`expected icmp h1 → h2 sent at 1 s to be dropped\nfound:\n${VXLAN_PATH}`);
    expect(await failure(expect(acl).not.toDrop({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, { at: 's1', reason: 'FLOW_DROP' }))).toBe(
      `expected udp h1 → h2 port 5001 not to be dropped at s1 (FLOW_DROP)\nfound:\n${ACL_5001_PATH}`,
    );
  });
});

describe('toTraverse', () => {
  it('passes when the hops are exactly these nodes', async () => {
    await expect(vxlan).toTraverse({ from: 'h1', to: 'h2', at: 1e9 }, ['h1', 's1', 'r1', 's2', 'h2']);
    await expect(vxlan).not.toTraverse({ from: 'h1', to: 'h2', at: 1e9 }, ['h1', 's1', 's2', 'h2']);
  });

  it('fails with the nodes expected beside the hops that happened, then the path', async () => {
    expect(await failure(expect(vxlan).toTraverse({ from: 'h1', to: 'h2', at: 1e9 }, ['h1', 's1', 's2', 'h2']))).toBe(`expected icmp h1 → h2 sent at 1 s to cross h1 → s1 → s2 → h2
     expected  found
  1  h1        h1 (out eth0)
  2  s1        s1 (in p1, out eth1)
✗ 3  s2        r1 (in eth0, out eth1)
✗ 4  h2        s2 (in eth1, out p1)
✗ 5  -         h2 (in eth0)
found:
${VXLAN_PATH}`);
    expect(await failure(expect(acl).toTraverse({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 }, ['h1', 's1', 'h2']))).toBe(`expected udp h1 → h2 port 5001 to cross h1 → s1 → h2
     expected  found
  1  h1        h1 (out eth0)
  2  s1        s1 (in p1)
✗ 3  h2        -
found:
${ACL_5001_PATH}`);
    expect(await failure(expect(vxlan).not.toTraverse({ from: 'h1', to: 'h2', at: 1e9 }, ['h1', 's1', 'r1', 's2', 'h2']))).toBe(`expected icmp h1 → h2 sent at 1 s not to cross h1 → s1 → r1 → s2 → h2\nfound:\n${VXLAN_PATH}`);
  });
});

describe('toBeIsolated', () => {
  const timeless = (message: string) => message.replace(/in [\d.]+ ms/, 'in N ms');

  it('passes when netloom verify proves the tenants isolated, and negated says what it checked', async () => {
    const tenants = loadTopologyFile(lessonPath('tenants-two-switches'));
    await expect(tenants).toBeIsolated('blue', 'red');
    await expect(tenants).toBeIsolated();
    expect(timeless(await failure(expect(tenants).not.toBeIsolated('blue', 'red')))).toBe(
      'expected blue, red not to be isolated\ntenants-two-switches at 2.156 s: isolated\n  checked 2 tenants (blue, red), 2 switches, 4 tables, 38 rules, 4 edge ports, 12 header sets, 28 table lookups, in N ms',
    );
  });

  it('fails with the report of netloom verify: each leak, its witness, its path and its replay', async () => {
    const leaky = loadTopologyFile(join(import.meta.dirname, '..', 'tenants', 'fixtures', 'verify-leak.yaml'));
    const lines = timeless(await failure(expect(leaky).toBeIsolated('blue'))).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'expected blue to be isolated',
      'verify-leak at 1.106 s: NOT isolated, 2 leaks',
      '  checked 1 tenants (blue), 2 switches, 3 tables, 10 rules, 1 edge ports, 3 header sets, 5 table lookups, in N ms',
      '',
      "leak 1 (host): blue's packet reaches a host of no tenant b2:eth0 (out of x:b2)",
      '  responsible: x cookie=0x0, duration=1.106s, table=0, n_packets=6, n_bytes=476, priority=0 actions=NORMAL',
    ]);
    expect(lines.filter((l) => l.startsWith('    x ') || l.includes('replayed'))).toEqual([
      '    x in s1: cookie=0x0, duration=1.106s, table=0, n_packets=6, n_bytes=476, priority=0 actions=NORMAL',
      '    x out b2 -> b2:eth0',
      '  replayed in a fresh run at the same time: reached b2:eth0: confirmed',
      '    x in s1: cookie=0x0, duration=1.106s, table=0, n_packets=6, n_bytes=476, priority=0 actions=NORMAL',
      '    x out r9 -> r9:eth0',
      '  replayed in a fresh run at the same time: reached b2:eth0: not confirmed (an over-approximation below may have made this leak)',
    ]);
  });
});

describe('toPassExpectations', () => {
  it('passes when every expectation of the run holds', async () => {
    expect(await runTopology(twoSubnets)).toPassExpectations();
  });

  it('fails with every expectation, and the hops of a failed path under it', async () => {
    const text = readFileSync(lessonPath('two-subnets'), 'utf8').replace('via: [r1], disposition: NO_ROUTE', 'via: [r1], disposition: DELIVERED');
    const summary = await runTopology(loadTopology(text, 'two-subnets.yaml'));
    expect(await failure(() => expect(summary).toPassExpectations())).toBe(`expected the expectations of two-subnets to pass
expectations
  ok   ping h1 to h2: at least 5 delivered  (5 of 5 delivered)
  ok   ttl 2: at most 0 delivered  (0 of 3 delivered)
  ok   at least 3 dropped at r2 for TTL_EXCEEDED  (3 dropped)
  ok   icmp h1 → h2 via r1, r2: DELIVERED  (h1 → r1 → r2 → h2: DELIVERED)
  FAIL icmp h1 → 10.0.99.1 via r1: DELIVERED  (h1 → r1: NO_ROUTE (NO_ROUTE))
${NO_ROUTE_PATH.split('\n').map((line) => `      ${line}`).join('\n')}

4 of 5 expectations passed`);
  });

  it('formatRunSummary is what netloom run prints: the run, traffic, drops, then the same expectations block', async () => {
    const text = readFileSync(lessonPath('two-subnets'), 'utf8').replace('via: [r1], disposition: NO_ROUTE', 'via: [r1], disposition: DELIVERED');
    const summary = await runTopology(loadTopology(text, 'two-subnets.yaml'));
    const { message } = netloomMatchers.toPassExpectations(summary);
    expect(formatRunSummary(summary)).toBe(`two-subnets (seed 1): 12.008 s of virtual time, 59 events, 48 packet-hops

traffic
  ping h1 to h2  sent 5  delivered 5  lost 0  rtt min/avg/max/mdev 12.047/14.451/24.067/4.808 ms
  ttl 2          sent 3  delivered 0  lost 3
    3 × time exceeded from 10.0.12.2

drops
  r2  TTL_EXCEEDED  3

${message.slice(message.indexOf('\n') + 1)}`);
  });
});

describe('mistakes in a test are errors, never failures (not even under .not)', () => {
  it('an unknown host is the ProbeError tracePath gives; an unknown tenant the VerifyError netloom verify gives', async () => {
    await expect(expect(vxlan).not.toDeliver({ from: 'h9', to: 'h2' })).rejects.toThrow(new ProbeError('from', 'unknown host "h9"; did you mean "h1"? (hosts with an IPv4 address are h1, h2)', ['h1', 'h2']));
    await expect(expect(loadTopologyFile(lessonPath('tenants-two-switches'))).not.toBeIsolated('blue', 'rde')).rejects.toThrow(new VerifyError('unknown tenant "rde"; did you mean "red"? (tenants are blue, red)'));
  });

  it('a subject that is not a topology or a run summary is a TypeError naming the matcher', async () => {
    await expect(expect('vxlan.yaml').not.toDeliver({ from: 'h1', to: 'h2' })).rejects.toThrow(new TypeError('toDeliver: expected a topology (loadTopologyFile, loadTopology or topology(…).build()), got string "vxlan.yaml"'));
    await expect(expect({ name: 'x' }).toBeIsolated()).rejects.toThrow(new TypeError('toBeIsolated: expected a topology (loadTopologyFile, loadTopology or topology(…).build()), got an object with keys name'));
    await expect(expect(vxlan).toDeliver('h1 → h2' as never)).rejects.toThrow(new TypeError('toDeliver: expected a probe ({ from, to, … }), got string "h1 → h2"'));
    await expect(expect(vxlan).not.toTraverse({ from: 'h1', to: 'h2' }, 'h1 s1 h2' as never)).rejects.toThrow(new TypeError('toTraverse: expected the nodes as an array ([\'h1\', \'s1\', \'h2\']), got string "h1 s1 h2"'));
    expect(() => expect(vxlan).not.toPassExpectations()).toThrow(new TypeError('toPassExpectations: expected a run summary (await runTopology(…)), got an object with keys name, seed, nodes, links, traffic, expect'));
  });
});

describe('typed through netloom/vitest', () => {
  it('a probe needs from and to, a drop reason is a known one, toPassExpectations takes nothing', () => {
    // Never called: the compiler's errors are the test (npm test type-checks first).
    const mistakes = () => {
      // @ts-expect-error: to is missing
      void expect(vxlan).toDeliver({ from: 'h1' });
      // @ts-expect-error: no such drop reason
      void expect(vxlan).toDrop({ from: 'h1', to: 'h2' }, { reason: 'FLOW_DORP' });
      // @ts-expect-error: no arguments
      expect(vxlan).toPassExpectations(true);
    };
    expect(typeof mistakes).toBe('function');
  });
});

describe('netloomMatchers, for any runner', () => {
  it('returns pass and the message, for node:assert or any other runner to use', async () => {
    const delivered = await netloomMatchers.toDeliver(acl, { from: 'h1', to: 'h2', proto: 'udp', dstPort: 5000 });
    assert.ok(delivered.pass, delivered.message);
    const blocked = await netloomMatchers.toDeliver(acl, { from: 'h1', to: 'h2', proto: 'udp', dstPort: 5001 });
    expect(blocked).toEqual({ pass: false, message: `expected udp h1 → h2 port 5001 to be delivered\nfound:\n${ACL_5001_PATH}` });
    expect(() => assert.ok(blocked.pass, blocked.message)).toThrow(blocked.message);
  });
});
