/**
 * Generated differential tests: hundreds of random flow tables (seeded) and packets, through
 * netloom's bridge and a real Open vSwitch; the same flows must be accepted or refused by both,
 * and the bytes leaving every port must be equal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { OvsSwitch, haveOvs, LOCAL_PORT } from './ovs.js';

const TABLES = Number(process.env['NETLOOM_GENERATED_TABLES'] ?? 250);
const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));

/** A small seeded PRNG (mulberry32). */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '0a:00:00:00:00:03'];
/** Destinations NORMAL never forwards (OVS's eth_addr_is_reserved), and a group address it floods. */
const RESERVED = ['01:80:c2:00:00:00', '01:80:c2:00:00:0e', '01:00:0c:cc:cc:cc', '01:00:0c:cc:cc:cd', '01:80:c2:00:00:10'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '192.168.1.1'];

/**
 * A packet as `base` draws it, or changed the ways flow_extract has rules for: IPv4 carried in
 * 802.3 LLC/SNAP, a plain 802.3 LLC frame, an IPv4 fragment (first or later), a frame cut short
 * anywhere past its Ethernet header.
 */
function packet(r: ReturnType<typeof rng>): Uint8Array {
  const bytes = base(r);
  const l3 = bytes[12] === 0x81 || bytes[12] === 0x88 ? 18 : 14;
  const ipv4 = bytes[l3 - 2] === 0x08 && bytes[l3 - 1] === 0x00;
  const change = r.pick(['none', 'none', 'none', 'snap', 'llc', 'fragment', 'cut']);
  if (change === 'snap' && ipv4) {
    const out = new Uint8Array(bytes.length + 8);
    out.set(bytes.subarray(0, l3 - 2));
    out.set([(bytes.length - l3 + 8) >> 8, (bytes.length - l3 + 8) & 0xff, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], l3 - 2);
    out.set(bytes.subarray(l3), l3 + 8);
    return out;
  }
  if (change === 'llc') return Uint8Array.from([...bytes.subarray(0, l3 - 2), 0, 8, 0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
  if (change === 'fragment' && ipv4) {
    // More fragments, at offset 0 (a first fragment) or 8 bytes on (a later one); flow_extract does not check the header checksum.
    const out = bytes.slice();
    out[l3 + 6] = 0x20;
    out[l3 + 7] = r.pick([0, 1]);
    return out;
  }
  if (change === 'cut') return bytes.slice(0, r.int(14, bytes.length));
  return bytes;
}

function base(r: ReturnType<typeof rng>): Uint8Array {
  const eth: LayerSpec = { layer: 'ethernet', src: r.pick(MACS), dst: r.chance(0.1) ? r.pick(RESERVED) : r.pick(MACS) };
  const layers: LayerSpec[] = [eth];
  // 802.1Q, or 802.1ad with DEI set now and then (NORMAL keeps both as they came).
  if (r.chance(0.3)) layers.push({ layer: 'vlan', vid: r.pick([10, 20, 30]), pcp: r.int(0, 7), dei: r.chance(0.3), tpid: r.pick([0x8100, 0x8100, 0x88a8]) });
  const kind = r.pick(['udp', 'tcp', 'icmp', 'arp', 'udp', 'tcp', 'ipv6']);
  if (kind === 'ipv6') {
    layers.push({ layer: 'ipv6', src: '2001:db8::1', dst: r.pick(['2001:db8::2', '2001:db8::3']), hopLimit: r.pick([1, 64]), flowLabel: r.int(0, 0xfffff), trafficClass: r.int(0, 255) });
    layers.push({ layer: 'udp', srcPort: r.pick([53, 1000]), dstPort: r.pick([53, 2000]) });
    return encode(layers);
  }
  if (kind === 'arp') {
    layers.push({ layer: 'arp', op: r.int(1, 2), senderMac: r.pick(MACS), senderIp: r.pick(IPS), targetIp: r.pick(IPS) });
    return encode(layers);
  }
  layers.push({ layer: 'ipv4', src: r.pick(IPS), dst: r.pick(IPS), ttl: r.pick([1, 2, 64, 255]), dscp: r.pick([0, 4, 46]), ecn: r.int(0, 3) });
  if (kind === 'udp') layers.push({ layer: 'udp', srcPort: r.pick([53, 1000, 4789]), dstPort: r.pick([53, 80, 2000]) });
  else if (kind === 'tcp') layers.push({ layer: 'tcp', srcPort: r.pick([22, 5555]), dstPort: r.pick([80, 443, 22]), flags: 0x02 });
  else layers.push({ layer: 'icmp', type: r.pick([0, 8]), id: 1, seq: r.int(0, 3) });
  layers.push({ layer: 'payload', data: new Uint8Array(r.int(0, 12)) });
  return encode(layers);
}

function match(r: ReturnType<typeof rng>): string {
  const parts: string[] = [];
  if (r.chance(0.4)) parts.push(`in_port=${r.int(1, PORTS)}`);
  if (r.chance(0.2)) parts.push(`dl_src=${r.pick(MACS)}`);
  if (r.chance(0.2)) parts.push(r.chance(0.5) ? `dl_dst=${r.pick(MACS)}` : 'dl_dst=02:00:00:00:00:00/ff:ff:ff:ff:ff:00');
  if (r.chance(0.2)) parts.push(r.chance(0.5) ? `dl_vlan=${r.pick([10, 20, 30])}` : 'vlan_tci=0x1000/0x1000');
  const proto = r.pick(['', 'ip', 'udp', 'tcp', 'icmp', 'arp', 'ipv6']);
  if (proto) parts.push(proto);
  if (proto && proto !== 'arp' && proto !== 'ipv6') {
    if (r.chance(0.3)) parts.push(`nw_dst=${r.pick(['10.0.0.0/8', '10.0.0.2', '192.168.0.0/16', '10.0.0.0/255.255.0.255'])}`);
    if (r.chance(0.2)) parts.push(`nw_src=${r.pick(IPS)}`);
    if (r.chance(0.2)) parts.push(`nw_ttl=${r.pick([1, 64])}`);
    if (r.chance(0.15)) parts.push(`ip_dscp=${r.pick([0, 1, 46])}`);
  }
  if (proto === 'udp' || proto === 'tcp') {
    if (r.chance(0.4)) parts.push(`tp_dst=${r.pick(['80', '53', '2000', '0x0050/0xfff0'])}`);
    if (r.chance(0.2)) parts.push(`tp_src=${r.pick(['53', '1000', '22'])}`);
  }
  if (proto === 'icmp' && r.chance(0.5)) parts.push(`icmp_type=${r.pick([0, 8])}`);
  if (proto === 'arp' && r.chance(0.5)) parts.push(`arp_op=${r.int(1, 2)}`);
  return parts.join(',');
}

function actions(r: ReturnType<typeof rng>, m: string, table: number): string {
  const ipv4 = /(^|,)(ip|udp|tcp|icmp)(,|$)/.test(m);
  const v6 = /(^|,)ipv6(,|$)/.test(m);
  const ip = ipv4 || v6;
  const l4 = /(^|,)(udp|tcp)(,|$)/.test(m);
  const tag = /dl_vlan=|vlan_tci=0x1000/.test(m);
  const pool: (() => string)[] = [
    () => 'NORMAL',
    () => `output:${r.int(1, PORTS)}`,
    () => `output:${r.int(1, PORTS)}`,
    () => r.pick(['flood', 'all', 'in_port']),
    () => `mod_dl_src:${r.pick(MACS)}`,
    () => `mod_vlan_vid:${r.pick([10, 40])}`,
    () => `push_vlan:0x8100`,
    () => `load:0x${r.int(1, 4).toString(16)}->NXM_NX_REG0[0..15]`,
    () => 'output:NXM_NX_REG0[0..15]',
  ];
  // vlan_tci writes push (CFI set) and pop (CFI clear); nw_tos writes keep ECN (and a value with ECN bits is refused).
  pool.push(() => `set_field:${r.pick(['0x1005', '0xf00a', '0'])}->vlan_tci`, () => 'load:0->NXM_OF_VLAN_TCI[]');
  if (ipv4) pool.push(() => 'dec_ttl', () => `mod_nw_dst:${r.pick(IPS)}`, () => `mod_nw_tos:${r.pick([0, 16, 184])}`);
  if (ip) pool.push(() => `set_field:${r.pick([0, 32, 184, 184, 33])}->nw_tos`, () => `load:${r.pick(['0x20', '0x20', '0x21'])}->NXM_OF_IP_TOS[]`, () => 'move:NXM_OF_ETH_SRC[0..7]->NXM_OF_IP_TOS[]');
  if (v6) pool.push(() => 'dec_ttl', () => `set_field:0x${r.int(0, 0xfffff).toString(16)}->ipv6_label`);
  // 59363: the UDP checksum of the generated packets with tp_dst 2000 comes out 0 for some of them.
  if (l4) pool.push(() => `mod_tp_dst:${r.pick([8080, 53, 59363])}`, () => `mod_tp_src:${r.pick([1, 65535])}`);
  if (tag) pool.push(() => 'strip_vlan', () => `mod_vlan_pcp:${r.int(0, 7)}`);
  // multipath and bundle: OVS's hashes choose a link (an output port; 0 and PORTS are none) or a member (PORTS + 1 is none).
  const hash = () => `${r.pick([...HASH_FIELDS])},${r.int(0, 0xffff)}`;
  const members = () => Array.from({ length: r.int(0, 3) }, () => r.int(1, PORTS + 1)).join(',');
  pool.push(
    () => `multipath(${hash()},${r.pick([...MULTIPATH_ALGORITHMS])},${r.int(1, PORTS + 1)},${r.int(0, 8)},NXM_NX_REG0[0..15]),output:NXM_NX_REG0[0..15]`,
    () => `bundle(${hash()},${r.pick([...BUNDLE_ALGORITHMS])},ofport,members:${members()})`,
    () => `output(port=${r.int(1, PORTS)},max_len=${r.pick([14, 20, 60, 1500])})`,
    () => r.pick(['exit', 'note:01.02']),
    () => `bundle_load(${hash()},${r.pick([...BUNDLE_ALGORITHMS])},ofport,NXM_NX_REG0[0..15],members:${members()})`,
  );
  // resubmit: onward, with another in_port for the lookup, and back (which can loop until a limit drops the packet).
  if (table === 0) pool.push(() => 'resubmit(,1)', () => `resubmit(${r.int(1, PORTS)},1)`);
  if (r.chance(0.15)) pool.push(() => `resubmit(,${r.pick([0, table])})`);
  const n = r.int(1, 4);
  const list = Array.from({ length: n }, () => r.pick(pool)());
  // Instructions after the actions: the action set (in OpenFlow order, whatever the written order), and goto_table.
  if (r.chance(0.25)) {
    const set = [() => `output:${r.int(1, PORTS)}`, () => `mod_dl_dst:${r.pick(MACS)}`, () => 'set_field:0x1007->vlan_tci', () => 'push_vlan:0x8100', () => 'resubmit(,1)', () => 'flood'];
    if (ipv4) set.push(() => 'dec_ttl', () => `set_field:${r.pick([5, 200])}->nw_ttl`, () => `mod_nw_tos:${r.pick([16, 184])}`);
    list.push(`write_actions(${Array.from({ length: r.int(1, 4) }, () => r.pick(set)()).join(',')})`);
  }
  if (r.chance(0.15)) list.push(`goto_table:${table === 0 ? r.pick([1, 1, 0]) : r.pick([2, 0])}`);
  return list.join(',');
}

describe.skipIf(!haveOvs())(`${TABLES} generated flow tables match Open vSwitch`, () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it('accepts the same flows and sends the same bytes out of the same ports', async () => {
    let compared = 0;
    let refused = 0;
    for (let t = 0; t < TABLES; t++) {
      const r = rng(1000 + t);
      const flows: string[] = [];
      const priorities = new Set<number>();
      for (let k = r.int(1, 6); k > 0; k--) {
        const table = r.chance(0.25) ? 1 : 0;
        let priority = r.int(1, 200);
        while (priorities.has(priority)) priority++;
        priorities.add(priority);
        const m = match(r);
        // Some flows are clauses of conjunctive matches 1 and 2 (of 2 clauses), which conj_id flows act on.
        const conjunctive = r.chance(0.15);
        flows.push(`table=${table},priority=${priority}${m ? `,${m}` : ''},actions=${conjunctive ? `conjunction(${r.int(1, 2)},${r.int(1, 2)}/2)` : actions(r, m, table)}`);
        if (conjunctive && r.chance(0.5)) flows.push(`table=${table},priority=${r.int(1, 200)},conj_id=${r.int(1, 2)},actions=${actions(r, '', table)}`);
      }
      const bridge = new Bridge('br0', ports, { protocols: 'OpenFlow13' }); // OVS is given them in OpenFlow 1.5
      let ourError: string | undefined;
      try {
        for (const f of flows) bridge.addFlow(f);
      } catch (error) {
        ourError = (error as Error).message;
      }
      ovs.delFlows();
      // Each table starts with an empty MAC table, as its netloom bridge does.
      ovs.fdbFlush();
      let theirError: string | undefined;
      try {
        ovs.addFlows(flows);
      } catch (error) {
        theirError = (error as Error).message;
      }
      expect(ourError === undefined, `table ${t} accepted differently\n${flows.join('\n')}\nnetloom: ${ourError}\novs: ${theirError}`).toBe(theirError === undefined);
      if (ourError !== undefined) {
        refused++;
        continue;
      }
      for (let p = 0; p < 4; p++) {
        const bytes = packet(r);
        const inPort = r.int(1, PORTS);
        const theirs = (await ovs.inject(inPort, bytes)).filter((o) => o.port !== LOCAL_PORT).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
        const ours = bridge.process(inPort, bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
        expect(ours.sort(), `table ${t}, packet ${p} on port ${inPort}: ${toHex(bytes)}\n${flows.join('\n')}`).toEqual(theirs.sort());
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(TABLES * 2);
    expect(refused).toBeLessThan(TABLES / 2);
  }, 120_000);
});
