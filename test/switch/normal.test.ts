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
    expect(ports(b, 2, frame(B, A, 4094), 3)).toEqual([1, 3]);
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
    expect(ports(b, 2, frame(B, A), 300e9)).toEqual([1, 3]);
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
