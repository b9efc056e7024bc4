/**
 * The platform's arithmetic: the structure-preserving address mapping (a bijection per tenant,
 * disjoint between tenants, prefixes kept), tenant rules compiled to physical ones (exact text),
 * what is refused and with which OpenFlow error, and frames rewritten with valid checksums.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_TENANT_GROUP, WHOLE_FLOWSPACE, compileRule, inSpace, physicalActions, physicalGroupId, platformFlows, rewriteFrame, tenantGroupOf, tenantOf, toPhysical, toVirtual, type PortMap, type TenantSpace } from '../../src/tenants/compile.js';
import { formatActions } from '../../src/switch/ofctl.js';
import { parseFlow, parseSelector } from '../../src/switch/ofctl.js';
import { prefixMask } from '../../src/hosts/addressing.js';
import { decode, encode, internetChecksum, OpenFlowError } from '../../src/index.js';

const blue: TenantSpace = { id: 1, prefix: 0x0a000000, length: 24 };
const ports: PortMap = { toPhysical: new Map([[1, 3], [2, 4], [3, 9]]), edges: new Set([3, 4]) };

const space = fc.record({ id: fc.integer({ min: 1, max: 255 }), length: fc.integer({ min: 8, max: 32 }), seed: fc.integer({ min: 0, max: 0xffffffff }) })
  .map(({ id, length, seed }): TenantSpace => ({ id, length, prefix: (seed & prefixMask(length)) >>> 0 }));
const hostIn = (s: TenantSpace) => fc.integer({ min: 0, max: 0xffffffff }).map((h) => (s.prefix | (h & ~prefixMask(s.length))) >>> 0);

describe('address mapping', () => {
  it('is a bijection on each tenant space, and names its tenant', () => {
    fc.assert(fc.property(space.chain((s) => fc.tuple(fc.constant(s), hostIn(s))), ([s, v]) => {
      const p = toPhysical(s, v);
      expect(toVirtual(s, p)).toBe(v);
      expect(tenantOf(p)).toBe(s.id);
      expect(inSpace(s, v)).toBe(true);
    }));
  });

  it('never gives two tenants the same physical address, whatever addresses they share', () => {
    fc.assert(fc.property(space, space, fc.integer({ min: 0, max: 0xffffffff }), (a, b, host) => {
      fc.pre(a.id !== b.id);
      const va = (a.prefix | (host & ~prefixMask(a.length))) >>> 0;
      const vb = (b.prefix | (host & ~prefixMask(b.length))) >>> 0;
      expect(toPhysical(a, va)).not.toBe(toPhysical(b, vb));
    }));
  });

  it('keeps prefixes: a tenant prefix x/M is the physical prefix of the same length M', () => {
    fc.assert(fc.property(space.chain((s) => fc.tuple(fc.constant(s), hostIn(s), fc.integer({ min: s.length, max: 32 }), hostIn(s))), ([s, x, m, v]) => {
      const mask = prefixMask(m);
      const inTenantPrefix = ((v & mask) >>> 0) === ((x & mask) >>> 0);
      const inPhysicalPrefix = ((toPhysical(s, v) & mask) >>> 0) === ((toPhysical(s, x) & mask) >>> 0);
      expect(inPhysicalPrefix).toBe(inTenantPrefix);
    }));
  });
});

describe('compiling a tenant rule', () => {
  const rule = (flow: string) => parseFlow(flow);

  it('adds the tenant tag, maps ports and prefixes, and rewrites back around edge outputs only', () => {
    const [p] = compileRule(blue, ports, rule('priority=100,ip,in_port=1,nw_dst=10.0.0.0/25,actions=output:3,output:2'), 0x0100000000000007n, WHOLE_FLOWSPACE);
    expect([p!.table, p!.priority, p!.cookie, p!.flags]).toEqual([1, 100, 0x0100000000000007n, 1]);
    expect(p!.matchText).toBe('ip,metadata=0x1/0xff,in_port=3,nw_dst=1.0.0.0/25');
    expect(p!.actionsText).toBe(
      'output:9,load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:4,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23]',
    );
  });

  it('splits a rule that reaches an edge into IPv4 and ARP, whose addresses sit in other fields', () => {
    const out = compileRule(blue, ports, rule('table=2,priority=1,dl_dst=02:00:00:00:00:02,actions=FLOOD'), 5n, WHOLE_FLOWSPACE);
    expect(out.map((r) => `${r.table} ${r.matchText}`)).toEqual(['3 ip,metadata=0x1/0xff,dl_dst=02:00:00:00:00:02', '3 arp,metadata=0x1/0xff,dl_dst=02:00:00:00:00:02']);
    expect(out[1]!.actionsText).toContain('load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:3');
  });

  it('keeps the tenant metadata above the tag and shifts tables by one', () => {
    const [p] = compileRule(blue, ports, rule('priority=5,metadata=0x3/0xf,actions=write_metadata:0x10/0xff,goto_table:4'), 9n, WHOLE_FLOWSPACE);
    expect(p!.matchText).toBe('metadata=0x301/0xfff');
    expect(p!.actionsText).toBe('write_metadata:0x1000/0xff00,goto_table:5');
  });

  const refusals: [string, string, number, number][] = [
    ['NORMAL, which would cross tenants', 'priority=1,actions=NORMAL', 2, 4],
    ['a port that is not the virtual switch\'s', 'priority=1,actions=output:7', 2, 4],
    ['a destination outside its space', 'priority=1,ip,nw_dst=10.0.1.0/24,actions=drop', 4, 11],
    ['a rewrite into another space', 'priority=1,ip,actions=set_field:10.9.9.9->ip_dst,output:1', 2, 6],
    ['the platform\'s metadata bits', 'priority=1,actions=write_metadata:0xff00000000000000/0xff00000000000000', 2, 6],
    ['an unknown in_port', 'priority=1,in_port=9,actions=drop', 4, 7],
    ["a VLAN tag, which could pass for a big switch's on the core", 'priority=1,actions=mod_vlan_vid:3,output:1', 2, 6],
    ['a VLAN tag written with set_field', 'priority=1,actions=set_field:0x1005->vlan_tci,output:1', 2, 6],
  ];
  it("sends a big switch's packet for a port on another of its switches across the core in that port's VLAN, and skips rules for ports elsewhere", () => {
    const big: PortMap = { toPhysical: new Map([[1, 3]]), edges: new Set([3]), remote: new Map([[2, { vid: 7, via: 5 }]]) };
    const [p] = compileRule(blue, big, rule('priority=9,in_port=1,actions=output:2'), 1n, WHOLE_FLOWSPACE);
    expect(p!.actionsText).toBe('push_vlan:0x8100,mod_vlan_vid:7,output:5,pop_vlan');
    expect(compileRule(blue, big, rule('priority=9,in_port=2,actions=output:1'), 1n, WHOLE_FLOWSPACE)).toEqual([]);
    expect(compileRule(blue, big, rule('priority=9,ip,actions=FLOOD'), 1n, WHOLE_FLOWSPACE)[0]!.actionsText).toBe(
      'load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:3,load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23],push_vlan:0x8100,mod_vlan_vid:7,output:5,pop_vlan',
    );
  });
  it('refuses a rule outside its writable flowspace (FLOW_MOD_FAILED/EPERM), and takes one that overlaps it', () => {
    const web = [parseSelector('tcp,tp_dst=80').rule.match];
    expect(() => compileRule(blue, ports, rule('priority=1,udp,actions=drop'), 1n, web)).toThrow(expect.objectContaining({ ofp: { type: 5, code: 4 } }));
    expect(() => compileRule(blue, ports, rule('priority=1,udp,actions=drop'), 1n, [])).toThrow(expect.objectContaining({ ofp: { type: 5, code: 4 } }));
    expect(compileRule(blue, ports, rule('priority=1,ip,nw_dst=10.0.0.2,actions=drop'), 1n, web).map((r) => r.matchText)).toEqual(['ip,metadata=0x1/0xff,nw_dst=1.0.0.2']);
  });

  it.each(refusals)('refuses %s', (_what, flow, type, code) => {
    try {
      compileRule(blue, ports, rule(flow), 1n, WHOLE_FLOWSPACE);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OpenFlowError);
      expect((e as OpenFlowError).ofp).toEqual({ type, code });
    }
  });
});

describe('the platform table', () => {
  it('takes only untagged IPv4 and ARP inside the tenant space at its edge ports, rewritten and tagged', () => {
    expect(platformFlows([{ space: blue, edges: [3], write: WHOLE_FLOWSPACE }])).toEqual([
      'table=0,priority=200,ip,in_port=3,vlan_tci=0x0000/0x1000,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24,actions=load:0x1->NXM_OF_IP_SRC[24..31],load:0->NXM_OF_IP_SRC[8..23],load:0x1->NXM_OF_IP_DST[24..31],load:0->NXM_OF_IP_DST[8..23],write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=200,arp,in_port=3,vlan_tci=0x0000/0x1000,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.0/24,actions=load:0x1->NXM_OF_ARP_SPA[24..31],load:0->NXM_OF_ARP_SPA[8..23],load:0x1->NXM_OF_ARP_TPA[24..31],load:0->NXM_OF_ARP_TPA[8..23],write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=100,in_port=3,actions=drop',
      'table=0,priority=50,ip,nw_dst=1.0.0.0/8,actions=write_metadata:0x1/0xff,goto_table:1',
      'table=0,priority=50,arp,arp_tpa=1.0.0.0/8,actions=write_metadata:0x1/0xff,goto_table:1',
    ]);
    for (const flow of platformFlows([{ space: blue, edges: [3], write: WHOLE_FLOWSPACE }])) expect(() => parseFlow(flow)).not.toThrow();
  });

  it('takes only what lies in the tenant\'s write regions when its flowspace is narrower', () => {
    const write = ['tcp,tp_dst=80', 'arp'].map((m) => parseSelector(m).rule.match);
    expect(platformFlows([{ space: blue, edges: [3], write }]).slice(0, 3).map((f) => f.slice(0, f.indexOf(',actions=')))).toEqual([
      'table=0,priority=200,tcp,in_port=3,vlan_tci=0x0000/0x1000,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24,tp_dst=80',
      'table=0,priority=200,arp,in_port=3,vlan_tci=0x0000/0x1000,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.0/24',
      'table=0,priority=100,in_port=3',
    ]);
  });
});

describe('rewriting frames', () => {
  it('rewrites IPv4 addresses with valid IPv4 and UDP checksums, and ARP addresses', () => {
    const udp = encode([{ layer: 'ethernet' }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'payload', data: new Uint8Array([1, 2, 3]) }]);
    const out = rewriteFrame(udp, (a) => toPhysical(blue, a))!;
    const [, ip, u] = decode(out);
    expect(ip).toMatchObject({ layer: 'ipv4', src: '1.0.0.1', dst: '1.0.0.2' });
    expect(internetChecksum(out.subarray(14, 34))).toBe(0);
    expect(toVirtualFrame(out)).toEqual(udp);
    expect(u).toMatchObject({ layer: 'udp', checksum: (decode(encode([{ layer: 'ethernet' }, { layer: 'ipv4', src: '1.0.0.1', dst: '1.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'payload', data: new Uint8Array([1, 2, 3]) }]))[2] as { checksum: number }).checksum });
    const arp = encode([{ layer: 'ethernet', dst: 'ff:ff:ff:ff:ff:ff' }, { layer: 'arp', op: 1, senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.1', targetIp: '10.0.0.2' }]);
    expect(decode(rewriteFrame(arp, (a) => toPhysical(blue, a))!)[1]).toMatchObject({ senderIp: '1.0.0.1', targetIp: '1.0.0.2' });
  });
});

function toVirtualFrame(bytes: Uint8Array): Uint8Array {
  return rewriteFrame(bytes, (a) => toVirtual(blue, a))!;
}

describe('group ids', () => {
  it("maps each tenant's group ids to physical ids no other tenant has, one per protocol, and back", () => {
    const protocol = fc.constantFrom('ip' as const, 'arp' as const);
    const id = fc.tuple(fc.integer({ min: 1, max: 255 }), fc.oneof(fc.integer({ min: 0, max: MAX_TENANT_GROUP }), fc.constant(MAX_TENANT_GROUP)), protocol);
    fc.assert(fc.property(id, id, ([t, g, p], [u, h, q]) => {
      const physical = physicalGroupId(t, g, p);
      expect(physical).toBeLessThanOrEqual(0xffffff00);
      expect(tenantGroupOf(physical)).toEqual({ tenant: t, group: g });
      if (t !== u || g !== h || p !== q) expect(physicalGroupId(u, h, q)).not.toBe(physical);
    }));
    expect([physicalGroupId(1, 1, 'ip'), physicalGroupId(1, 1, 'arp'), physicalGroupId(255, MAX_TENANT_GROUP, 'arp')]).toEqual([0x1000002, 0x1000003, 0xffffff00 - 1]);
  });
});

describe('action sets', () => {
  it('compiles only the output an action set runs, so an earlier edge output leaves no rewrite behind for a core one', () => {
    const set = parseFlow('actions=output:2,output:3').actions;
    expect(formatActions(physicalActions(blue, ports, set, 'ip', true))).toBe('output:9');
    expect(formatActions(physicalActions(blue, ports, parseFlow('actions=output:3,output:2').actions, 'ip', true))).toBe('load:0xa0000->NXM_OF_IP_SRC[8..31],load:0xa0000->NXM_OF_IP_DST[8..31],output:4');
  });

  it('refuses a flood of several ports in an action set: a set has one output', () => {
    expect(() => physicalActions(blue, ports, parseFlow('actions=flood').actions, 'ip', true)).toThrow(expect.objectContaining({ ofp: { type: 2, code: 4 } }));
    const one: PortMap = { toPhysical: new Map([[1, 3]]), edges: new Set([3]) };
    expect(formatActions(physicalActions(blue, one, parseFlow('actions=flood').actions, 'arp', true))).toBe('load:0xa0000->NXM_OF_ARP_SPA[8..31],load:0xa0000->NXM_OF_ARP_TPA[8..31],output:3');
  });
});
