/**
 * multipath, bundle and bundle_load: flow text read and printed as ovs-ofctl does, refused with
 * its words, and the links and members Open vSwitch 3.1 chooses. Every expected value here was
 * taken from ovs-vswitchd (`ofproto/trace`, `ovs-ofctl parse-flow`); test/interop/multipath-ovs.test.ts
 * compares choices with it over seeded random packets and actions.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, formatActions, parseFlow } from '../../src/switch/ofctl.js';
import { multipathLink } from '../../src/switch/multipath.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';
import { encode } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const TCP = encode([
  { layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
  { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', ttl: 0 },
  { layer: 'tcp', srcPort: 1234, dstPort: 80, flags: 0 },
]);

describe('flow text, as ovs-ofctl reads and prints it', () => {
  it.each([
    ['multipath(symmetric_l4,50,modulo_n,4,0,NXM_NX_REG0[])', 'multipath(symmetric_l4,50,modulo_n,4,0,NXM_NX_REG0[])'],
    ['multipath(eth_src, 50, hrw, 12, 0, NXM_NX_REG0[0..3])', 'multipath(eth_src,50,hrw,12,0,NXM_NX_REG0[0..3])'],
    // atoi: the basis keeps 16 bits, an argument that is no number is 0.
    ['multipath(symmetric_l3l4+udp,70000,iter_hash,3,abc,reg1[4..7])', 'multipath(symmetric_l3l4+udp,4464,iter_hash,3,0,NXM_NX_REG1[4..7])'],
    ['MULTIPATH(NW_SRC,1,HASH_THRESHOLD,2,0,reg0[0])', 'multipath(nw_src,1,hash_threshold,2,0,NXM_NX_REG0[0])'],
    ['bundle(eth_src,0,hrw,ofport,members:4,8)', 'bundle(eth_src,0,hrw,ofport,members:4,8)'],
    ['bundle(symmetric_l4,60,active_backup,ofport,slaves:1,2,3)', 'bundle(symmetric_l4,60,active_backup,ofport,members:1,2,3)'],
    ['bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG0[],members:4,8)', 'bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG0[],members:4,8)'],
    ['bundle(eth_src,0,hrw,ofport,members:LOCAL)', 'bundle(eth_src,0,hrw,ofport,members:LOCAL)'],
    ['bundle(eth_src,0,hrw,ofport,members:)', 'bundle(eth_src,0,hrw,ofport,members:)'],
    ['bundle(nw_dst,3,hrw,ofport,members:[1,2])', 'bundle(nw_dst,3,hrw,ofport,members:1,2)'],
  ])('%s prints as %s, in both modes', (text, printed) => {
    for (const protocols of ['OpenFlow10', 'OpenFlow13'] as const) expect(parseFlow(`actions=${text}`, { protocols }).actionsText).toBe(printed);
  });

  it.each([
    ['multipath(nw_src,1,modulo_n,17,0,reg0[0..3])', 42, 'nw_src,1,modulo_n,17,0,reg0[0..3]: 4-bit destination field has 16 possible values, less than specified n_links 17'],
    ['multipath(nw_src,1,modulo_n,0,0,reg0[])', 37, 'nw_src,1,modulo_n,0,0,reg0[]: n_links 0 is not in valid range 1 to 65536'],
    ['multipath(nw_src,1,modulo_n,2,0)', 19, 'nw_src,1,modulo_n,2,0: not enough arguments to multipath action'],
    ['multipath(ip_src,1,modulo_n,2,0,reg0[])', 19, "ip_src,1,modulo_n,2,0,reg0[]: unknown fields `ip_src'"],
    ['multipath(nw_src,1,random,2,0,reg0[])', 28, "nw_src,1,random,2,0,reg0[]: unknown algorithm `random'"],
    ['multipath(nw_src,1,modulo_n,2,0,tcp_src[])', 41, 'setting tcp_src needs tcp (or tcp6) in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))'],
    ['multipath(nw_src,1,modulo_n,2,0,NXM_OF_ETH_TYPE[])', 41, 'destination field dl_type is not writable (OVS refuses: OFPBAC_BAD_SET_ARGUMENT)'],
    ['write_actions(multipath(nw_src,1,modulo_n,2,0,reg0[]))', 23, 'multipath is not allowed in an action set (OVS refuses: OFPBAC_BAD_TYPE, disallowed action in action set)'],
    ['bundle(eth_src,0,hrw,ofport,members:controller)', 45, 'bundle: a CONTROLLER member: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT) (OVS: unsupported controller member)'],
    ['bundle(eth_src,0,hrw,ofport,members:70000)', 45, '70000: bad port number'],
    ['bundle(eth_src,0,hrw,ofport,members:65280)', 45, 'bundle: member 65280: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)'],
    ['bundle(eth_src,0,hrw,ofport,members:in_port)', 45, 'bundle: member in_port: a reserved port as a member is not supported yet (LOCAL is)'],
    ['bundle(eth_src,0,hrw,ofport,1,2)', 37, "eth_src,0,hrw,ofport,1,2: missing member delimiter, expected `members', got `1,2'"],
    ['bundle(eth_src,0,hrw,ofport)', 16, 'eth_src,0,hrw,ofport: not enough arguments to bundle action'],
    ['bundle(eth_src,0,hrw,ofport,ports:1,2)', 37, "eth_src,0,hrw,ofport,ports:1,2: missing member delimiter, expected `members', got `ports'"],
    ['bundle(eth_src,0,hrw,port,members:1,2)', 30, "eth_src,0,hrw,port,members:1,2: unknown member_type `port'"],
    ['bundle_load(eth_src,0,hrw,ofport,NXM_OF_IP_SRC[],members:1)', 42, 'setting NXM_OF_IP_SRC needs ip in the match (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))'],
  ])('refuses %s at column %i: %s', (text, column, reason) => {
    const flow = `actions=${text}`;
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });

  it('reads back what it prints, for any multipath or bundle (property)', () => {
    const subfield = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 16 })).map(([r, s, n]) => `NXM_NX_REG${r}[${s}..${s + n - 1}]`);
    const action = fc.oneof(
      fc.tuple(fc.constantFrom(...HASH_FIELDS), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...MULTIPATH_ALGORITHMS), fc.integer({ min: 1, max: 2 }), fc.nat(), subfield)
        .map(([f, b, a, n, arg, dst]) => `multipath(${f},${b},${a},${n},${arg},${dst})`),
      fc.tuple(fc.constantFrom(...HASH_FIELDS), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...BUNDLE_ALGORITHMS), fc.array(fc.integer({ min: 1, max: 0xfeff })))
        .map(([f, b, a, m]) => `bundle(${f},${b},${a},ofport,members:${m.join(',')})`),
    );
    fc.assert(fc.property(action, (text) => {
      const printed = parseFlow(`actions=${text}`).actionsText;
      expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
      expect(parseFlow(`actions=${printed}`).actions).toEqual(parseFlow(`actions=${text}`).actions);
    }));
  });
});

describe('the links and members OVS chooses', () => {
  it('traces each choice as ofproto/trace does, with the values ovs-vswitchd chose for the same packet', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('in_port=1,actions=multipath(symmetric_l4,50,hrw,12,0,NXM_NX_REG0[0..3]),multipath(eth_src,1,modulo_n,65536,0,NXM_NX_REG1[]),bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG2[0..15],members:2,3,4),bundle(symmetric_l4,0,hrw,ofport,members:2,3,4),bundle(eth_src,0,hrw,ofport,members:7,8)');
    const result = b.process(1, TCP, 0, true);
    expect(result.trace).toEqual([
      ' 0. in_port=1, priority 32768',
      '    multipath(symmetric_l4,50,hrw,12,0,NXM_NX_REG0[0..3])',
      '     -> NXM_NX_REG0[0..3] is now 0x6',
      '    multipath(eth_src,1,modulo_n,65536,0,NXM_NX_REG1[])',
      '     -> NXM_NX_REG1[] is now 0xb621',
      '    bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG2[0..15],members:2,3,4)',
      '     -> NXM_NX_REG2[0..15] is now 0x4',
      '    bundle(symmetric_l4,0,hrw,ofport,members:2,3,4)',
      '    bundle(eth_src,0,hrw,ofport,members:7,8)',
    ]);
    // Members 7 and 8 do not exist: that bundle outputs nowhere.
    expect(result.outputs.map((o) => o.port)).toEqual([4]);
  });

  it('bundle skips members that are down; active_backup takes the first live one; none live loads 0xffff', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('in_port=1,actions=bundle(symmetric_l4,0,hrw,ofport,members:2,3,4),bundle_load(eth_src,0,active_backup,ofport,NXM_NX_REG0[0..15],members:2,3),bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG1[0..15],members:2),output:NXM_NX_REG0[0..15]');
    const down = new Set([4, 2]);
    b.pipeline.portLive = (p) => !down.has(p);
    const result = b.process(1, TCP, 0, true);
    expect(result.trace.filter((l) => l.includes('is now'))).toEqual(['     -> NXM_NX_REG0[0..15] is now 0x3', '     -> NXM_NX_REG1[0..15] is now 0xffff']);
    // hrw's choice, 4, is down: the live member with the next best hash is 3.
    expect(result.outputs.map((o) => o.port)).toEqual([3, 3]);
  });

  it('turns a hash into a link as multipath_algorithm does', () => {
    expect([1, 2, 3, 65536].map((n) => multipathLink(0xffffffff, 'modulo_n', n, 0))).toEqual([0, 1, 0, 65535]);
    expect([1, 2, 3, 65536].map((n) => multipathLink(0xffffffff, 'hash_threshold', n, 0))).toEqual([0, 1, 2, 65535]);
    expect([1, 2, 3].map((n) => multipathLink(0x7fffffff, 'hash_threshold', n, 0))).toEqual([0, 0, 1]);
    // hrw of over 64 links is iter_hash with no modulo of its own; iter_hash rounds an unusable modulo up to a power of 2.
    expect(multipathLink(12345, 'hrw', 100, 0)).toBe(multipathLink(12345, 'iter_hash', 100, 0));
    expect(multipathLink(12345, 'iter_hash', 100, 50)).toBe(multipathLink(12345, 'iter_hash', 100, 128));
    expect(multipathLink(12345, 'iter_hash', 100, 300)).toBe(multipathLink(12345, 'iter_hash', 100, 128));
    expect(formatActions(parseFlow('actions=multipath(nw_src,0,hrw,1,0,reg0[0])').actions)).toBe('multipath(nw_src,0,hrw,1,0,NXM_NX_REG0[0])');
  });
});
