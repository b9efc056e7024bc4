/**
 * Codec hot paths on a VLAN-tagged VXLAN packet (ethernet/vlan/ipv4/udp/vxlan/ethernet/ipv4/icmp
 * and a payload): decode with every field materialized, encode with lengths and checksums
 * computed, flow-key extraction; beside a plain loop reading the same bytes and beside
 * @netkitty/codec decoding the same packet.
 */
import { createRequire } from 'node:module';
import { decode, encode, encodeInto, extractFlowKey, FlowKey, fromHex } from '../src/index.js';
import type { Layer, LayerSpec } from '../src/index.js';
import { measure, measureAsync, report, type Result } from './harness.js';

const PACKET = fromHex(
  '0200000000020200000000018100000a08004500006e000040004011b62cc0a80101c0a80201c82212b5005a000008000000001388000a00000000020a000000000108004500003c000100004001229dac100001ac1000020800d2c8000100016162636465666768696a6b6c6d6e6f707172737475767778797a303132333435',
);

/** What a user writes: every length, checksum and next-protocol field left to encode. */
const SPEC: LayerSpec[] = [
  { layer: 'ethernet', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' },
  { layer: 'vlan', vid: 10 },
  { layer: 'ipv4', src: '192.168.1.1', dst: '192.168.2.1', id: 0, df: true },
  { layer: 'udp', srcPort: 51234, checksum: 0 },
  { layer: 'vxlan', vni: 5000 },
  { layer: 'ethernet', dst: '0a:00:00:00:00:02', src: '0a:00:00:00:00:01' },
  { layer: 'ipv4', src: '172.16.0.1', dst: '172.16.0.2' },
  { layer: 'icmp', id: 1, seq: 1 },
  { layer: 'payload', data: PACKET.subarray(PACKET.length - 32) },
];

export async function codecBench(): Promise<Result[]> {
  let sink = 0;
  const results: Result[] = [];
  // Baseline: touch every byte of the packet once, as any decoder must.
  results.push(
    measure('baseline: plain loop reading the packet', () => {
      let s = 0;
      for (let i = 0; i < PACKET.length; i++) s += PACKET[i]!;
      sink += s;
    }),
  );
  results.push(
    measure('decode (9 layers, all fields)', () => {
      const layers = decode(PACKET);
      sink += layers.length;
    }, 'baseline: plain loop reading the packet'),
  );
  const out = new Uint8Array(2048);
  results.push(measure('encode (lengths and checksums computed)', () => (sink += encode(SPEC).length), 'baseline: plain loop reading the packet'));
  results.push(measure('encodeInto a reused buffer', () => (sink += encodeInto(SPEC, out)), 'baseline: plain loop reading the packet'));
  const key = new FlowKey();
  results.push(measure('flow-key extraction', () => (sink += extractFlowKey(PACKET, key)), 'baseline: plain loop reading the packet'));

  const require = createRequire(import.meta.url);
  const { Codec } = require('@netkitty/codec') as { Codec: new () => { decode(b: Buffer): Promise<unknown[]> } };
  const netkitty = new Codec();
  const buffer = Buffer.from(PACKET);
  const decoded = (await netkitty.decode(buffer)) as { id: string }[];
  const ours: Layer[] = decode(PACKET);
  results.push(await measureAsync(`@netkitty/codec decode (${decoded.length} layers)`, () => netkitty.decode(buffer), 'decode (9 layers, all fields)'));
  if (ours.length === 0 || sink === 0) throw new Error('unreachable: keeps results observable');
  return results;
}

export async function main(): Promise<void> {
  report('codec: VLAN-tagged VXLAN packet, 124 bytes (one core)', await codecBench());
}
