/**
 * `flows dump` output reads back in and gives the same table: generated tables, dumped, added to
 * a new bridge and dumped again, in both of netloom's modes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';
import { Bridge } from '../../src/switch/bridge.js';
import type { Protocols } from '../../src/switch/ofctl.js';
import { GENERATED, HAND_WRITTEN } from '../interop/flow-corpus.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const port = fc.integer({ min: 1, max: 4 });
const byte = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(byte, byte, byte, byte).map((b) => b.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const mac = fc.tuple(byte, byte, byte, byte, byte, byte).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));

const match = fc.oneof(
  fc.constant(''),
  port.map((p) => `in_port=${p}`),
  mac.map((m) => `dl_dst=${m}`),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })).map(([a, n]) => `ip,nw_dst=${a}/${n}`),
  fc.integer({ min: 0, max: 65535 }).map((p) => `tcp,tp_dst=${p}`),
  fc.integer({ min: 0, max: 65535 }).map((p) => `udp6,tp_src=${p}`),
  fc.integer({ min: 0, max: 4095 }).map((v) => `dl_vlan=${v}`),
  fc.integer({ min: 0, max: 0xffff }).map((v) => `reg3=${v},metadata=0x${v.toString(16)}/0xff00`),
  fc.nat().map((id) => `conj_id=${id}`),
  fc.integer({ min: 1, max: 2 }).map((op) => `arp,arp_op=${op}`),
  // Connection tracking: ct_state as flags (masked or whole), ct_zone, ct_mark, ct_label, and the original tuple.
  fc.tuple(byte, byte).map(([v, m]) => `ct_state=0x${(v & m).toString(16)}/0x${m.toString(16)},ip`),
  byte.map((v) => `ct_state=0x${v.toString(16)}`),
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })).map(([z, m, l]) => `ct_zone=${z},ct_mark=0x${m.toString(16)},ct_label=0x${l.toString(16)}`),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 65535 })).map(([a, p]) => `ct_state=+est+trk,ct_nw_dst=${a},ct_nw_proto=6,ct_tp_dst=${p},ip`),
  // tcp_flags (any value and mask), ip_frag, ICMP and ICMPv6 type and code, pkt_mark, xreg and xxreg.
  fc.tuple(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xfff }), fc.constantFrom('tcp', 'tcp6')).map(([v, m, p]) => `${p},tcp_flags=0x${(v & m).toString(16)}/0x${m.toString(16)}`),
  fc.tuple(fc.constantFrom('ip', 'ipv6', 'udp'), fc.constantFrom('no', 'yes', 'first', 'later', 'not_later')).map(([p, f]) => `${p},ip_frag=${f}`),
  fc.tuple(fc.constantFrom('icmp', 'icmp6'), byte, byte).map(([p, t, c]) => `${p},icmp_type=${t},icmp_code=${c}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff })).map(([v, m]) => `pkt_mark=0x${(v & m).toString(16)}/0x${m.toString(16)}`),
  // The outer IPv6 addresses of a tunnel packet: whole, or under a prefix.
  fc.tuple(ipv6, fc.integer({ min: 1, max: 128 }), ipv6).map(([s, n, d]) => `tun_ipv6_src=${s}/${n},tun_ipv6_dst=${d}`),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([i, v]) => `xreg${i}=0x${v.toString(16)}`),
  // tun_flags; ND's reserved word and first option type.
  fc.constantFrom('tun_flags=+oam', 'tun_flags=-oam', 'tun_flags=0/0'),
  fc.tuple(fc.constantFrom('mpls', 'mplsm'), fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 0, max: 7 }), byte, fc.integer({ min: 0, max: 1 })).map(([p, l, tc, ttl, bos]) => `${p},mpls_label=${l},mpls_tc=${tc},mpls_ttl=${ttl},mpls_bos=${bos}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 0xffff }), byte, fc.integer({ min: 1, max: 0xff })).map(([i, im, g, gm]) => `tun_gbp_id=${i & im}/0x${im.toString(16)},tun_gbp_flags=${g & gm}/${gm}`),
  fc.tuple(fc.constantFrom(135, 136), fc.integer({ min: 0, max: 0xffffffff }), byte).map(([t, r, o]) => `icmp6,icmp_type=${t},nd_reserved=${r},nd_options_type=${o}`),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })).map(([i, v]) => `xxreg${i}=0x${v.toString(16)}`),
);
const action = fc.oneof(
  port.map((p) => `output:${p}`),
  fc.constantFrom('NORMAL', 'FLOOD', 'IN_PORT', 'CONTROLLER:128', 'strip_vlan', 'dec_ttl', 'push_vlan:0x8100'),
  fc.integer({ min: 0, max: 4095 }).map((v) => `mod_vlan_vid:${v}`),
  ipv4.map((a) => `mod_nw_src:${a}`),
  ipv6.map((a) => `set_field:${a}->tun_ipv6_dst`),
  fc.constantFrom('set_field:oam->tun_flags', 'set_field:0->tun_flags', 'load:0x1->NXM_NX_TUN_FLAGS[]'),
  fc.tuple(fc.constantFrom(0x8847, 0x8848), fc.integer({ min: 0, max: 0xfffff }), byte).map(([t, l, ttl]) => `push_mpls:0x${t.toString(16)},set_mpls_label(${l}),set_mpls_ttl(${ttl}),dec_mpls_ttl,pop_mpls:0x${t.toString(16)}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), byte).map(([i, g]) => `set_field:${i}->tun_gbp_id,set_field:${g}->tun_gbp_flags`),
  mac.map((m) => `mod_dl_src:${m}`),
  fc.integer({ min: 0, max: 65535 }).map((p) => `mod_tp_dst:${p}`),
  fc.integer({ min: 0, max: 0xff }).map((v) => `load:${v}->NXM_NX_REG0[0..7]`),
  fc.integer({ min: 1, max: 9 }).map((t) => `resubmit(,${t})`),
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 254 }), fc.boolean()).map(([z, t, force]) => `ct(commit,${force ? 'force,' : ''}zone=${z},table=${t})`),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 65535 }), fc.constantFrom('src', 'dst')).map(([a, p, kind]) => `ct(commit,nat(${kind}=${a}:${p}),exec(set_field:0x${p.toString(16)}->ct_mark,load:1->NXM_NX_CT_LABEL[3]))`),
  fc.constantFrom('ct(table=1,nat)', 'ct_clear', 'ct(commit,zone=NXM_NX_REG0[0..15])'),
  fc.constant('exit'),
  fc.tuple(port, fc.integer({ min: 0, max: 0xff })).map(([p, v]) => `clone(load:${v}->NXM_NX_REG0[0..7],output:${p})`),
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([i, h]) => `fin_timeout(idle_timeout=${i},hard_timeout=${h})`),
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 31 })).map(([n, bit]) => `check_pkt_larger(${n})->NXM_NX_REG4[${bit}]`),
  fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.nat(), fc.nat(), fc.option(port), fc.constantFrom('', ',ingress', ',egress'))
    .map(([p, c, d, sp, dir]) => `sample(probability=${p},collector_set_id=${c},obs_domain_id=${d},obs_point_id=${c ^ d}${sp === null ? '' : `,sampling_port=${sp}`}${dir})`),
  fc.uint8Array({ maxLength: 20 }).map((b) => `note:${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('.')}`),
  fc.tuple(fc.constantFrom(...HASH_FIELDS), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...MULTIPATH_ALGORITHMS), fc.integer({ min: 1, max: 256 }), fc.nat())
    .map(([f, b, a, n, arg]) => `multipath(${f},${b},${a},${n},${arg},NXM_NX_REG1[0..7])`),
  fc.tuple(fc.constantFrom(...HASH_FIELDS), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...BUNDLE_ALGORITHMS), fc.array(port, { maxLength: 4 }), fc.boolean())
    .map(([f, b, a, m, load]) => (load ? `bundle_load(${f},${b},${a},ofport,NXM_NX_REG2[0..15],members:${m.join(',')})` : `bundle(${f},${b},${a},ofport,members:${m.join(',')})`)),
);
const flow = fc
  .record({
    table: fc.integer({ min: 0, max: 9 }),
    priority: fc.integer({ min: 0, max: 65535 }),
    cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    idle: fc.integer({ min: 0, max: 65535 }),
    importance: fc.integer({ min: 0, max: 65535 }),
    match,
    // A conjunctive flow's actions are conjunctions only.
    actions: fc.oneof(
      fc.array(action, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 2, max: 64 })).chain(([id, n]) => fc.integer({ min: 1, max: n }).map((k) => `conjunction(${id},${k}/${n})`)), { minLength: 1, maxLength: 3 }),
    ),
  })
  .map((f) => `table=${f.table},priority=${f.priority},cookie=0x${f.cookie.toString(16)},idle_timeout=${f.idle},importance=${f.importance}${f.match ? `,${f.match}` : ''},actions=${f.actions.join(',')}`);

/** The flows of `texts` that `protocols` accepts, on a new bridge. */
function bridgeOf(texts: readonly string[], protocols: Protocols): Bridge {
  const b = new Bridge('br0', ports, { protocols });
  for (const t of texts) {
    try {
      b.addFlow(t);
    } catch (e) {
      if ((e as { code?: string }).code !== 'NETLOOM_FLOW_SYNTAX') throw e;
    }
  }
  return b;
}

describe('flows dump reads back in', () => {
  it.each(['OpenFlow10', 'OpenFlow13'] as const)('gives the same table (%s)', (protocols) => {
    fc.assert(
      fc.property(fc.array(flow, { maxLength: 30 }), (texts) => {
        const dump = bridgeOf(texts, protocols).dumpFlows();
        const again = new Bridge('br0', ports, { protocols });
        again.addFlows(dump, 'dump');
        expect(again.dumpFlows()).toBe(dump);
      }),
      { numRuns: 200 },
    );
  });
});

describe('flows dump reads back in for every corpus line', () => {
  // The parse-flows corpus (test/interop/flow-corpus.ts): every line netloom accepts, dumped alone and read back.
  it.each(['OpenFlow10', 'OpenFlow13'] as const)('gives the same flow (%s)', (protocols) => {
    const broken: string[] = [];
    // Groups and meters the corpus names exist on both bridges.
    const bridge = () => {
      const b = new Bridge('br0', ports, { protocols });
      for (const id of [1, 2, 5]) b.addGroup(`group_id=${id},type=all,bucket=output:1`);
      b.addMeter('meter=1,kbps,band=type=drop,rate=1000');
      return b;
    };
    for (const text of [...HAND_WRITTEN, ...GENERATED]) {
      const first = bridge();
      try {
        first.addFlow(text);
      } catch {
        continue;
      }
      const dump = first.dumpFlows();
      const again = bridge();
      try {
        again.addFlows(dump, 'dump');
        if (again.dumpFlows() !== dump) broken.push(`${text}\n  dumped: ${dump}\n  again:  ${again.dumpFlows()}`);
      } catch (e) {
        broken.push(`${text}\n  dumped: ${dump}\n  refused: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
