/**
 * multipath and bundle against a real Open vSwitch (dummy datapath, test/interop/ovs.ts): for
 * seeded random packets (IPv4 and IPv6 with TCP, UDP, ICMP, fragments, VLAN tags, ARP) and
 * seeded random actions (every hash fields value, every algorithm, link counts from 1 to 65536,
 * bases, iter_hash's argument, member lists with ports that are down or do not exist), netloom
 * must choose the same link or member as OVS. One flow runs 16 choices into reg0..reg15, then
 * moves each chosen number into 16 bits of the Ethernet addresses before an output, so one
 * packet's output bytes carry all 16 choices; bundle's own output is compared by port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/switch/bridge.js';
import { encode, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';
import { BUNDLE_ALGORITHMS, HASH_FIELDS, MULTIPATH_ALGORITHMS } from '../../src/switch/flow.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the multipath and bundle differential tests: ${ovsMissingMessage()}`);

const PORTS = 6;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
/** Ports down on both switches during the bundle cases. */
const DOWN = [5, 6];

const hexByte = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).padStart(2, '0'));
const mac = fc.tuple(hexByte, hexByte, hexByte).map(([a, b, c]) => `02:00:00:${a}:${b}:${c}`);
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b, c]) => `10.${a}.${b}.${c}`);
const ipv6 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `2001:db8::${a.toString(16)}:${b.toString(16)}`);
const port = fc.integer({ min: 1, max: 65535 });

const l4 = fc.oneof(
  fc.tuple(port, port).map(([srcPort, dstPort]) => ({ layer: 'tcp', srcPort, dstPort, flags: 0x10 }) as LayerSpec),
  fc.tuple(port, port).map(([srcPort, dstPort]) => ({ layer: 'udp', srcPort, dstPort }) as LayerSpec),
);

/** A frame: IPv4 (some fragments, some ICMP), IPv6, or ARP, with or without a VLAN tag. */
const packet = fc
  .record({
    src: mac,
    dst: mac,
    vid: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }),
    kind: fc.constantFrom('ipv4', 'ipv4', 'fragment', 'icmp', 'ipv6', 'arp'),
    a: ipv4,
    b: ipv4,
    a6: ipv6,
    b6: ipv6,
    l4,
  })
  .map((p) => {
    const layers: LayerSpec[] = [{ layer: 'ethernet', src: p.src, dst: p.dst }];
    if (p.vid !== undefined) layers.push({ layer: 'vlan', vid: p.vid, tpid: 0x8100 } as LayerSpec);
    switch (p.kind) {
      case 'ipv4':
        layers.push({ layer: 'ipv4', src: p.a, dst: p.b } as LayerSpec, p.l4);
        break;
      case 'fragment':
        layers.push({ layer: 'ipv4', src: p.a, dst: p.b, mf: true, protocol: p.l4.layer === 'tcp' ? 6 : 17 } as LayerSpec, { layer: 'payload', data: new Uint8Array(16).fill(7) });
        break;
      case 'icmp':
        layers.push({ layer: 'ipv4', src: p.a, dst: p.b } as LayerSpec, { layer: 'icmp', type: 8, id: 1, seq: 2 } as LayerSpec);
        break;
      case 'ipv6':
        layers.push({ layer: 'ipv6', src: p.a6, dst: p.b6 } as LayerSpec, p.l4);
        break;
      case 'arp':
        layers.push({ layer: 'arp', op: 1, senderMac: p.src, senderIp: p.a, targetIp: p.b } as LayerSpec);
        break;
    }
    return encode(layers);
  });

const fields = fc.constantFrom(...HASH_FIELDS);
const basis = fc.integer({ min: 0, max: 0xffff });
const links = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 100 }), fc.integer({ min: 1, max: 65536 }));
const multipath = (reg: number) =>
  fc
    .tuple(fields, basis, fc.constantFrom(...MULTIPATH_ALGORITHMS), links, fc.integer({ min: 0, max: 70000 }))
    .map(([f, b, alg, n, arg]) => `multipath(${f},${b},${alg},${n},${arg},NXM_NX_REG${reg}[0..15])`);
/** Members: this switch's ports (some down), and ports it does not have. */
const members = fc.array(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 9, 200), { minLength: 0, maxLength: 6 });
const bundleLoad = (reg: number) =>
  fc.tuple(fields, basis, fc.constantFrom(...BUNDLE_ALGORITHMS), members).map(([f, b, alg, m]) => `bundle_load(${f},${b},${alg},ofport,NXM_NX_REG${reg}[0..15],members:${m.join(',')})`);
const bundle = fc.tuple(fields, basis, fc.constantFrom(...BUNDLE_ALGORITHMS), members).map(([f, b, alg, m]) => `bundle(${f},${b},${alg},ofport,members:${m.join(',')})`);

/** Each register's low 16 bits into 16 bits of eth_dst and eth_src, three outputs of six. */
const REVEAL = Array.from({ length: 16 }, (_, reg) => {
  const slot = reg % 6;
  const field = slot < 3 ? 'NXM_OF_ETH_DST' : 'NXM_OF_ETH_SRC';
  const low = (slot % 3) * 16;
  const move = `move:NXM_NX_REG${reg}[0..15]->${field}[${low}..${low + 15}]`;
  return slot === 5 || reg === 15 ? `${move},output:${2 + Math.floor(reg / 6)}` : move;
}).join(',');

const choices = (draw: (reg: number) => fc.Arbitrary<string>, seed: number) =>
  fc.sample(fc.tuple(...Array.from({ length: 16 }, (_, reg) => draw(reg))), { seed, numRuns: 1 })[0]!.join(',');

const TABLES = 6;
const PACKETS = 60;

describe.skipIf(!haveOvs())('multipath and bundle choose as Open vSwitch does', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  const cases = Array.from({ length: TABLES }, (_, i) => ({
    name: `table ${i + 1}: 16 multipaths from port 1, 16 bundle_loads from port 2, 4 bundles from port 4`,
    flows: [
      `in_port=1,actions=${choices(multipath, 1000 + i)},${REVEAL}`,
      `in_port=2,actions=${choices(bundleLoad, 2000 + i)},${REVEAL}`,
      `in_port=4,actions=${fc.sample(bundle, { seed: 3000 + i, numRuns: 4 }).join(',')}`,
    ],
    packets: fc.sample(packet, { seed: 4000 + i, numRuns: PACKETS }),
  }));

  it.each(cases)('$name', async (c) => {
    ovs.delFlows();
    ovs.addFlows(c.flows, 'OpenFlow10');
    const bridge = new Bridge('br0', ports);
    for (const f of c.flows) bridge.addFlow(f);
    const down = new Set(DOWN);
    for (const p of down) ovs.appctl('netdev-dummy/set-admin-state', `p${p}`, 'down');
    bridge.pipeline.portLive = (p) => !down.has(p);
    try {
      for (const bytes of c.packets) {
        for (const inPort of [1, 2, 4]) {
          const theirs = (await ovs.inject(inPort, bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
          const ours = bridge.process(inPort, bytes).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
          expect(ours.sort(), `packet on port ${inPort}: ${toHex(bytes)}`).toEqual(theirs.sort());
        }
      }
    } finally {
      for (const p of down) ovs.appctl('netdev-dummy/set-admin-state', `p${p}`, 'up');
    }
  });
});
