import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';

const A = '02:00:00:00:00:0a';
const B = 'fe:dc:ba:98:76:54';
const frame = (src: string, dst: string, vid?: number) =>
  encode([{ layer: 'ethernet', src, dst }, ...(vid === undefined ? [] : [{ layer: 'vlan', vid, tpid: 0x8100 } as LayerSpec]), { layer: 'ipv4' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);

describe('NORMAL', () => {
  const make = () => {
    const b = new Bridge('br0', [1, 2, 3].map((n) => ({ number: n, name: `p${n}` })));
    b.addFlow('actions=NORMAL');
    return b;
  };
  const ports = (b: Bridge, inPort: number, bytes: Uint8Array, now: number) => b.process(inPort, bytes, now).outputs.map((o) => o.port);

  it('learns per VLAN, up to VLAN 4095 and any MAC, and lists what it learned', () => {
    const b = make();
    ports(b, 1, frame(A, 'ff:ff:ff:ff:ff:ff', 4095), 0);
    ports(b, 2, frame(B, A, 4095), 1);
    expect(ports(b, 2, frame(B, A, 4095), 2)).toEqual([1]);
    // Learned in VLAN 4095 only: in VLAN 4094 A is unknown.
    expect(ports(b, 2, frame(B, A, 4094), 3)).toEqual([1, 3, 65534]);
    expect(b.pipeline.normal.entries(3)).toEqual([
      { port: 1, vlan: 4095, mac: A },
      { port: 2, vlan: 4095, mac: B },
      { port: 2, vlan: 4094, mac: B },
    ]);
  });

  it('forgets a MAC not seen as a source for 300 s (OVS mac-aging-time)', () => {
    const b = make();
    ports(b, 1, frame(A, B), 0);
    expect(ports(b, 2, frame(B, A), 299.9e9)).toEqual([1]);
    // A was last seen at 0: at 300 s it is gone, and B's frame floods again.
    expect(ports(b, 2, frame(B, A), 300e9)).toEqual([1, 3, 65534]);
    expect(b.pipeline.normal.entries(300e9)).toEqual([{ port: 2, vlan: 0, mac: B }]);
    // Seen again, learned again.
    ports(b, 1, frame(A, B), 301e9);
    expect(ports(b, 2, frame(B, A), 302e9)).toEqual([1]);
  });

  it('says in the trace what it learned, and builds that text only when tracing', () => {
    const b = make();
    const traced = b.process(1, frame(A, B), 0, true).trace.map((l) => l.trim());
    expect(traced).toContain(`-> learned that ${A} is on port p1 in VLAN 0`);
    expect(b.process(1, frame(A, B), 1, false).trace).toEqual([]);
  });
});

describe('NORMAL leaves the frame as its last output left it, as OVS commits against it', () => {
  const ports4 = [1, 2, 4].map((n) => ({ number: n, name: `p${n}` }));
  const withAccess = [...ports4.slice(0, 2), { number: 3, name: 'p3', tag: 20 }, ports4[2]!].sort((a, b) => a.number - b.number);
  const tagged = (tci: number, tpid = 0x88a8) =>
    `020000000002020000000001${tpid.toString(16)}${tci.toString(16).padStart(4, '0')}08004500001c000100004011accdc00002010c00000200010002000831d8`;
  const untagged = '02000000000202000000000108004500001c000100004011accdc00002010c00000200010002000831d8';
  const frame = (vlans: LayerSpec[]) =>
    encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, ...vlans, { layer: 'ipv4', src: '192.0.2.1', dst: '12.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const cases: { name: string; ports: { number: number; name: string; tag?: number }[]; flow: string; frame: Uint8Array; outputs: string[] }[] = [
    {
      // Flood: p4 as it came (DEI kept), p3 popped (access), p2 pushed again (DEI 0); the output after NORMAL gets p2's frame.
      name: 'a tag popped and pushed again by the flood has lost its DEI for the output after it',
      ports: withAccess,
      flow: 'in_port=1,actions=NORMAL,output:4',
      frame: frame([{ layer: 'vlan', tpid: 0x88a8, vid: 20, pcp: 1, dei: true }]),
      outputs: [`2 ${tagged(0x2014)}`, `3 ${untagged}`, `4 ${tagged(0x3014)}`, `65534 ${tagged(0x3014)}`, `4 ${tagged(0x2014)}`],
    },
    {
      // After push_vlan the flow has two headers; VLAN 0 leaves a trunk with neither (OVS's xvlan_put counts none past an absent outer).
      name: 'NORMAL in VLAN 0 after a push sends the frame with no tag at all, and the output after it pushes both back',
      ports: ports4,
      flow: 'in_port=1,actions=push_vlan:0x88a8,NORMAL,output:2',
      frame: frame([{ layer: 'vlan', tpid: 0x8100, vid: 30, pcp: 4 }]),
      outputs: [`2 ${untagged}`, `2 020000000002020000000001${'88a80000'}${'8100801e'}08004500001c000100004011accdc00002010c00000200010002000831d8`, `4 ${untagged}`, `65534 ${untagged}`],
    },
  ];
  it.each(cases)('$name', ({ ports, flow, frame: bytes, outputs }) => {
    const b = new Bridge('br0', ports);
    b.addFlow(flow);
    expect(b.process(1, bytes).outputs.map((o) => `${o.port} ${hex(o.bytes)}`).sort()).toEqual(outputs.sort());
  });
});
