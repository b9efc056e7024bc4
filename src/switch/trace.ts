/**
 * `flows trace`: an ofproto/trace-style explanation of one packet through a bridge — the flow,
 * each table lookup with the rule that matched (or "No match") and its actions, nested resubmits
 * indented — then the final flow and the packets that leave, on which ports. Also builds a
 * packet from an ofproto/trace-style field list, since netloom traces bytes.
 */
import { encode } from '../wire/encode.js';
import type { LayerSpec } from '../wire/layers.js';
import { numberToIpv6, numberToMac, toHex } from '../wire/addresses.js';
import { VLAN_CFI } from '../wire/flowkey.js';
import { numberToIpv4 } from '../hosts/addressing.js';
import { WireError } from '../wire/errors.js';
import { W, fieldByName } from './fields.js';
import { FlowSyntaxError, OFPP_LOCAL, integer, parseFieldValue } from './ofctl.js';
import type { Bridge } from './bridge.js';
import type { PipelineResult } from './pipeline.js';

const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
const mac = (hi: number, lo: number) => numberToMac(hi * 0x100000000 + lo);

/** A packet's flow as ofproto/trace prints it; `nwFrag` (the packet's, NW_FRAG) adds nw_frag to an IP flow, as OVS prints it for a packet. */
export function formatFlow(w: Uint32Array, nwFrag?: number): string {
  const type = w[W.DL_TYPE]!;
  const proto = w[W.NW_PROTO]!;
  const parts: string[] = [];
  const ipv4 = type === 0x0800;
  const ipv6 = type === 0x86dd;
  const shorthand = ipv4 ? ({ 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' } as Record<number, string>)[proto] ?? 'ip' : ipv6 ? ({ 58: 'icmp6', 6: 'tcp6', 17: 'udp6' } as Record<number, string>)[proto] ?? 'ipv6' : type === 0x0806 ? 'arp' : type === 0x8847 ? 'mpls' : type === 0x8848 ? 'mplsm' : undefined;
  if (shorthand) parts.push(shorthand);
  // OVS's match_format order: registers, tunnel, metadata, then in_port and the packet's fields.
  for (let r = 0; r < 16; r++) if (w[W.REG0 + r]) parts.push(`reg${r}=0x${w[W.REG0 + r]!.toString(16)}`);
  if (w[W.TUN_ID] || w[W.TUN_ID + 1]) parts.push(`tun_id=0x${(BigInt(w[W.TUN_ID]!) * 0x100000000n + BigInt(w[W.TUN_ID + 1]!)).toString(16)}`);
  if (w[W.METADATA] || w[W.METADATA + 1]) parts.push(`metadata=0x${(BigInt(w[W.METADATA]!) * 0x100000000n + BigInt(w[W.METADATA + 1]!)).toString(16)}`);
  parts.push(`in_port=${w[W.IN_PORT] === OFPP_LOCAL ? 'LOCAL' : w[W.IN_PORT]}`);
  const tci = w[W.VLAN_TCI]!;
  parts.push((tci & VLAN_CFI) !== 0 ? `dl_vlan=${tci & 0xfff},dl_vlan_pcp=${tci >>> 13}` : `vlan_tci=${hex(tci)}`);
  parts.push(`dl_src=${mac(w[W.DL_SRC]!, w[W.DL_SRC + 1]!)}`, `dl_dst=${mac(w[W.DL_DST]!, w[W.DL_DST + 1]!)}`);
  if (!shorthand) parts.push(`dl_type=${hex(type)}`);
  if (ipv4 || type === 0x0806) {
    const name = ipv4 ? 'nw' : 'arp';
    parts.push(`${ipv4 ? 'nw_src' : 'arp_spa'}=${numberToIpv4(w[W.NW_SRC]!)}`, `${name === 'nw' ? 'nw_dst' : 'arp_tpa'}=${numberToIpv4(w[W.NW_DST]!)}`);
    if (type === 0x0806) parts.push(`arp_op=${proto}`, `arp_sha=${mac(w[W.ARP_SHA]!, w[W.ARP_SHA + 1]!)}`, `arp_tha=${mac(w[W.ARP_THA]!, w[W.ARP_THA + 1]!)}`);
  }
  if (type === 0x8847 || type === 0x8848) {
    // As flow_format: the outermost entry's fields, then the next two entries whole.
    const lse = w[W.MPLS_LSE]!;
    parts.push(`mpls_label=${lse >>> 12}`, `mpls_tc=${(lse >>> 9) & 7}`, `mpls_ttl=${lse & 0xff}`, `mpls_bos=${(lse >>> 8) & 1}`, `mpls_lse1=${w[W.MPLS_LSE + 1]}`, `mpls_lse2=${w[W.MPLS_LSE + 2]}`);
  }
  if (ipv6) {
    const v6 = (o: number) => numberToIpv6([0, 1, 2, 3].reduce((a, k) => (a << 32n) | BigInt(w[o + k]!), 0n));
    parts.push(`ipv6_src=${v6(W.IPV6_SRC)}`, `ipv6_dst=${v6(W.IPV6_DST)}`, `ipv6_label=0x${w[W.IPV6_LABEL]!.toString(16).padStart(5, '0')}`);
  }
  if (ipv4 || ipv6) {
    if (shorthand === 'ip' || shorthand === 'ipv6') parts.push(`nw_proto=${proto}`);
    parts.push(`nw_tos=${w[W.NW_TOS]! & 0xfc}`, `nw_ecn=${w[W.NW_TOS]! & 3}`, `nw_ttl=${w[W.NW_TTL]}`);
    if (nwFrag !== undefined) parts.push(`nw_frag=${nwFrag === 0 ? 'no' : nwFrag === 1 ? 'first' : 'later'}`);
    if (proto === 1 || proto === 58) parts.push(`icmp_type=${w[W.TP_SRC]}`, `icmp_code=${w[W.TP_DST]}`);
    // A later fragment has no L4 header: OVS prints no ports for it.
    else if ((proto === 6 || proto === 17 || proto === 132) && nwFrag !== 3) parts.push(`tp_src=${w[W.TP_SRC]}`, `tp_dst=${w[W.TP_DST]}`);
  }
  return parts.join(',');
}

export function formatTrace(bridge: Bridge, before: string, result: PipelineResult): string {
  const after = formatFlow(result.packet.words, result.packet.nwFrag);
  const lines = [`Flow: ${before}`, '', `bridge("${bridge.name}")`, '-------------', ...result.trace, '', `Final flow: ${after === before ? 'unchanged' : after}`];
  const outputs = result.outputs;
  const where = (port: number | 'controller') => (port === 'controller' ? 'controller' : port === OFPP_LOCAL ? 'LOCAL' : `port ${port}`);
  lines.push(`Outputs: ${outputs.length === 0 ? 'none (dropped)' : outputs.map((o) => where(o.port)).join(', ')}`);
  for (const o of outputs) lines.push(`  ${where(o.port)}: ${toHex(o.bytes)}`);
  return lines.join('\n');
}

const SHORTHAND_KEYS = new Set(['ip', 'ipv6', 'tcp', 'udp', 'icmp', 'arp', 'tcp6', 'udp6', 'icmp6']);
const FIELD_KEYS = [
  'in_port', 'dl_src', 'dl_dst', 'dl_type', 'nw_src', 'nw_dst', 'nw_proto', 'nw_tos', 'ip_dscp', 'nw_ecn', 'nw_ttl',
  'tp_src', 'tp_dst', 'icmp_type', 'icmp_code', 'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha', 'ipv6_src', 'ipv6_dst',
];
const FLOW_KEYS = new Set([...FIELD_KEYS, 'vlan_tci', 'dl_vlan', 'dl_vlan_pcp', ...SHORTHAND_KEYS]);

/** The layers each key describes, to say which key an encoder error is about. */
const KEY_LAYERS: Record<string, readonly string[]> = {
  dl_src: ['ethernet'], dl_dst: ['ethernet'], dl_type: ['ethernet'], vlan_tci: ['vlan'], dl_vlan: ['vlan'], dl_vlan_pcp: ['vlan'],
  nw_src: ['ipv4'], nw_dst: ['ipv4'], nw_proto: ['ipv4', 'ipv6'], nw_tos: ['ipv4', 'ipv6'], ip_dscp: ['ipv4', 'ipv6'], nw_ecn: ['ipv4', 'ipv6'], nw_ttl: ['ipv4', 'ipv6'],
  ipv6_src: ['ipv6'], ipv6_dst: ['ipv6'], tp_src: ['tcp', 'udp'], tp_dst: ['tcp', 'udp'], icmp_type: ['icmp', 'icmpv6'], icmp_code: ['icmp', 'icmpv6'],
  arp_op: ['arp'], arp_spa: ['arp'], arp_tpa: ['arp'], arp_sha: ['arp'], arp_tha: ['arp'],
};

/** A packet ofproto/trace's flow form describes: its input port, its bytes, and what its flow says that no bytes carry. */
export interface DescribedPacket {
  inPort: number;
  bytes: Uint8Array;
  /** `vlan_tci` without CFI (`vlan_tci=5`): the flow's TCI, though the frame has no tag. */
  vlanTci?: number;
  /** 0 when nothing gave an EtherType: OVS's flow then has dl_type=0x0000 (the frame's EtherType 0 would read as 802.3's 0x05ff). */
  dlType?: number;
}

/**
 * A packet for an ofproto/trace-style field list (`in_port=1,dl_vlan=10,tcp,nw_dst=10.0.0.2,tp_dst=80`,
 * or the tutorial's `in_port=1,vlan_tci=0x1064,dl_src=…`; fields by any name OVS gives them, eth_src or dl_src):
 * the named fields set, everything else netloom's craft defaults, and no EtherType at all (dl_type 0) unless one is named or implied.
 * Values are read as a flow's match reads them, and a mistake is a FlowSyntaxError at its column
 * in `flow`. `ports` (a bridge's) lets in_port name a port (`in_port=p1`); without them it must
 * be a number (or LOCAL).
 */
export function packetFromFlow(flow: string, ports?: readonly { number: number; name: string }[]): DescribedPacket {
  const options = ports === undefined ? {} : { ports: new Map(ports.map((p) => [p.name, p.number])) };
  const fail = (at: number, reason: string): never => {
    throw new FlowSyntaxError(flow, at + 1, reason);
  };
  /** key -> the value's text and where it starts (0-based), and where the key starts. */
  const fields = new Map<string, { text: string; at: number; keyAt: number }>();
  let at = 0;
  for (const part of flow.split(',')) {
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const written = rawKey.trim();
    // A field by another of its names (eth_src, ip_dst, tcp_dst) is the field.
    const key = FLOW_KEYS.has(written) ? written : fieldByName(written)?.name ?? written;
    const keyAt = at + rawKey.length - rawKey.trimStart().length;
    if (key !== '' || eq >= 0) {
      if (!FLOW_KEYS.has(key)) fail(keyAt, `"${key}" cannot describe a packet here; use ${[...FLOW_KEYS].join(', ')}`);
      if (fields.has(key)) fail(keyAt, `${key} is set twice`);
      if (SHORTHAND_KEYS.has(key) && eq >= 0) fail(keyAt, `${key} takes no value`);
      const rawValue = eq < 0 ? '' : part.slice(eq + 1);
      const text = rawValue.trim();
      const valueAt = at + eq + 1 + rawValue.length - rawValue.trimStart().length;
      if (!SHORTHAND_KEYS.has(key) && text === '') fail(keyAt, `expected ${key}=VALUE`);
      fields.set(key, { text, at: valueAt, keyAt });
    }
    at += part.length + 1;
  }
  // Every value read as a flow reads it: nw_tos=300 is nw_tos's mistake, at nw_tos's column.
  const values = new Map<string, bigint>();
  for (const key of FIELD_KEYS) {
    const f = fields.get(key);
    if (f === undefined) continue;
    const field = fieldByName(key)!;
    if (key === 'in_port' && f.text !== 'LOCAL' && !/^(0x[0-9a-f]+|\d+)$/i.test(f.text) && !options.ports?.has(f.text)) {
      fail(f.at, ports === undefined ? `in_port "${f.text}" is not a port number (port names need the bridge's ports)` : `in_port "${f.text}" is not a port number or a port of this bridge (${ports.map((p) => p.name).join(', ')})`);
    }
    const parsed = parseFieldValue(flow, field, f.text, f.at, options);
    if (parsed.masked) fail(f.at + f.text.indexOf('/'), `${key}: a packet's field has one value, not a value/mask`);
    if (key === 'nw_tos' && (parsed.value & 3n) !== 0n) fail(f.at, `nw_tos ${f.text} sets DSCP bits only: its low 2 bits must be 0 (use nw_ecn for ECN)`);
    values.set(key, parsed.value);
  }
  const small = (key: string, max: number): number | undefined => {
    const f = fields.get(key);
    return f === undefined ? undefined : integer(f.text, max, f.at, key, fail);
  };
  const tci = small('vlan_tci', 0xffff);
  if (tci !== undefined && (fields.has('dl_vlan') || fields.has('dl_vlan_pcp'))) fail(fields.get('vlan_tci')!.keyAt, 'vlan_tci and dl_vlan/dl_vlan_pcp both describe the VLAN tag: give one');
  const tagged = tci !== undefined && (tci & VLAN_CFI) !== 0;
  const vid = tagged ? tci & 0xfff : small('dl_vlan', 4095);
  const pcp = tagged ? tci >>> 13 : small('dl_vlan_pcp', 7);
  const num = (k: string, d: number) => (values.has(k) ? Number(values.get(k)) : d);
  const has = (...ks: string[]) => ks.some((k) => fields.has(k));
  const mac = (k: string) => (values.has(k) ? numberToMac(values.get(k)!) : '00:00:00:00:00:00');
  const ipv4 = (k: string) => (values.has(k) ? numberToIpv4(Number(values.get(k)!)) : '0.0.0.0');
  const ipv6 = (k: string) => fields.get(k)?.text ?? '::';
  const inPort = num('in_port', 1);
  const layers: LayerSpec[] = [{ layer: 'ethernet', src: mac('dl_src'), dst: mac('dl_dst') }];
  if (vid !== undefined || pcp !== undefined) layers.push({ layer: 'vlan', tpid: 0x8100, vid: vid ?? 0, pcp: pcp ?? 0 });
  const type = values.has('dl_type') ? num('dl_type', 0) : has('arp', 'arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha') ? 0x0806 : has('ipv6', 'tcp6', 'udp6', 'icmp6', 'ipv6_src', 'ipv6_dst') ? 0x86dd : has('ip', 'tcp', 'udp', 'icmp', 'nw_src', 'nw_dst', 'nw_proto', 'tp_src', 'tp_dst') ? 0x0800 : undefined;
  const proto = values.has('nw_proto') ? num('nw_proto', 0) : has('tcp', 'tcp6') ? 6 : has('udp', 'udp6') ? 17 : has('icmp') ? 1 : has('icmp6') ? 58 : undefined;
  if (type === 0x0806) {
    layers.push({ layer: 'arp', op: num('arp_op', 1), senderIp: values.has('arp_spa') ? ipv4('arp_spa') : ipv4('nw_src'), targetIp: values.has('arp_tpa') ? ipv4('arp_tpa') : ipv4('nw_dst'), senderMac: mac('arp_sha'), targetMac: mac('arp_tha') });
  } else if (type === 0x0800 || type === 0x86dd) {
    const tos = values.has('nw_tos') ? num('nw_tos', 0) : num('ip_dscp', 0) << 2;
    if (type === 0x0800) layers.push({ layer: 'ipv4', src: ipv4('nw_src'), dst: ipv4('nw_dst'), ttl: num('nw_ttl', 64), dscp: tos >> 2, ecn: num('nw_ecn', 0), ...(proto !== undefined && { protocol: proto }) });
    else layers.push({ layer: 'ipv6', src: ipv6('ipv6_src'), dst: ipv6('ipv6_dst'), hopLimit: num('nw_ttl', 64), trafficClass: tos | num('nw_ecn', 0), ...(proto !== undefined && { nextHeader: proto }) });
    if (proto === 6) layers.push({ layer: 'tcp', srcPort: num('tp_src', 0), dstPort: num('tp_dst', 0), flags: 0 });
    else if (proto === 17) layers.push({ layer: 'udp', srcPort: num('tp_src', 0), dstPort: num('tp_dst', 0) });
    else if (proto === 1) layers.push({ layer: 'icmp', type: num('icmp_type', 8), code: num('icmp_code', 0), ...(num('icmp_type', 8) === 8 || num('icmp_type', 8) === 0 ? {} : { rest: 0 }) });
    else if (proto === 58) layers.push({ layer: 'icmpv6', type: num('icmp_type', 128), code: num('icmp_code', 0) });
  } else {
    (layers[layers.length - 1] as { etherType?: number }).etherType = type ?? 0;
  }
  try {
    return { inPort, bytes: encode(layers), ...(tci !== undefined && !tagged && { vlanTci: tci }), ...(type === undefined && { dlType: 0 }) };
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    // Values were checked one by one above; what is left is about a layer: point at the first key describing it.
    const key = [...fields.keys()].find((k) => KEY_LAYERS[k]?.includes(error.layer));
    return fail(key === undefined ? 0 : fields.get(key)!.keyAt, `${key ?? 'this packet'}: ${error.message}`);
  }
}
