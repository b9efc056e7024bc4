/**
 * The packets the tshark interop test opens in tshark: a deterministic table of netloom-crafted
 * frames (craft specs with seeded pseudo-random field values), one per protocol form netloom
 * encodes, with the ESP security associations and the registry (VXLAN on 8472) they need.
 */
import { parseSpec } from '../../src/wire/craft.js';
import { decode, defaultRegistry, encode, fromHex, toHex } from '../../src/index.js';
import type { EspAlgorithm, Ipv6ExtensionHeaderSpec, LayerSpec, SecurityAssociation } from '../../src/index.js';

/** mulberry32: a tiny seeded PRNG, so the table is the same on every run. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  bool(): boolean {
    return (this.u32() & 1) === 1;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.u32() & 0xff);
  }
  hex(n: number): string {
    return `0x${toHex(this.bytes(n))}`;
  }
  /** A locally administered unicast MAC. */
  mac(): string {
    const b = this.bytes(6);
    b[0] = (b[0]! & 0xfc) | 0x02;
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
  }
  /** A unicast address in 10/8 (never .0 or .255, so no broadcast or network address). */
  ipv4(): string {
    return `10.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
  }
  /** A documentation-prefix unicast IPv6 address (RFC 3849). */
  ipv6(): string {
    const words = Array.from({ length: 6 }, () => this.int(0, 0xffff).toString(16));
    return `2001:db8:${words.join(':')}`;
  }
  /**
   * A UDP/TCP port in 38000-40999: no port-based dissector is registered there in tshark, so
   * the payload is shown as data rather than guessed at.
   */
  port(): number {
    return this.int(38000, 40999);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.u32() % items.length]!;
  }
}

export interface PacketCase {
  /** The craft spec (or a description, when extension headers are added as encode specs). */
  name: string;
  /** The protocol this case is about, for the per-protocol count. */
  group: string;
  layers: LayerSpec[];
}

export const VXLAN_ALT_PORT = 8472;
/** netloom's registry with VXLAN also on 8472 (Linux's historical port). */
export const registry = defaultRegistry.clone().bindUdpPort(VXLAN_ALT_PORT, 'vxlan');

export interface TsharkSa extends SecurityAssociation {
  /** The tshark esp_sa UAT encryption and authentication algorithm names (4.0). */
  tsharkEncryption: string;
  tsharkAuthentication: string;
}

const GCM = 'AES-GCM with 16 octet ICV [RFC4106]';

function makeSas(rng: SeededRandom): TsharkSa[] {
  const sa = (spi: number, alg: EspAlgorithm, keyLength: number, enc: string, auth: string): TsharkSa => ({
    spi,
    alg,
    key: rng.bytes(keyLength),
    tsharkEncryption: enc,
    tsharkAuthentication: auth,
  });
  return [
    sa(0x1000 + rng.int(0, 0xfff), 'aes-gcm-128', 20, GCM, 'NULL'),
    sa(0x2000 + rng.int(0, 0xfff), 'aes-gcm-192', 28, GCM, 'NULL'),
    sa(0x3000 + rng.int(0, 0xfff), 'aes-gcm-256', 36, GCM, 'NULL'),
    sa(0x4000 + rng.int(0, 0xfff), 'null-hmac-sha256-128', 32, 'NULL', 'HMAC-SHA-256-128 [RFC4868]'),
  ];
}

/** The tshark `-o uat:esp_sa:...` records for `sas`, for both IPv4 and IPv6 outer headers. */
export function tsharkEspPrefs(sas: readonly TsharkSa[]): string[] {
  const prefs: string[] = [];
  for (const sa of sas) {
    const spi = `0x${sa.spi.toString(16).padStart(8, '0')}`;
    const key = `0x${toHex(sa.key)}`;
    const [encKey, authKey] = sa.tsharkEncryption === 'NULL' ? ['', key] : [key, ''];
    for (const family of ['IPv4', 'IPv6']) {
      prefs.push('-o', `uat:esp_sa:"${family}","*","*","${spi}","${sa.tsharkEncryption}","${encKey}","${sa.tsharkAuthentication}","${authKey}"`);
    }
  }
  return prefs;
}

const ipv6WithHeaders = (layers: LayerSpec[], index: number, headers: Ipv6ExtensionHeaderSpec[]): LayerSpec[] => {
  const ip = layers[index];
  if (ip?.layer !== 'ipv6') throw new Error(`layer ${index} is not ipv6`);
  return layers.map((l, i) => (i === index ? { ...ip, extensionHeaders: headers } : l));
};

export interface PacketTable {
  cases: PacketCase[];
  sas: TsharkSa[];
}

/** Builds the table; the same seed gives the same packets. */
export function buildPacketTable(seed = 0x6e6c6f6d): PacketTable {
  const rng = new SeededRandom(seed);
  const cases: PacketCase[] = [];
  const add = (group: string, spec: string) => cases.push({ group, name: spec, layers: parseSpec(spec) });
  const addLayers = (group: string, name: string, layers: LayerSpec[]) => cases.push({ group, name, layers });

  const eth = () => `ethernet(src=${rng.mac()},dst=${rng.mac()})`;
  const text = (what: string) => `payload(text="netloom ${what} ${rng.int(0, 99999)}")`;
  const v4 = (extra = '') => `ipv4(src=${rng.ipv4()},dst=${rng.ipv4()},id=${rng.int(0, 0xffff)},ttl=${rng.int(5, 255)},dscp=${rng.int(0, 63)},ecn=${rng.int(0, 3)}${extra})`;
  const v6 = (extra = '') => `ipv6(src=${rng.ipv6()},dst=${rng.ipv6()},hopLimit=${rng.int(1, 255)},trafficClass=${rng.int(0, 255)},flowLabel=${rng.int(0, 0xfffff)}${extra})`;
  const udp = () => `udp(srcPort=${rng.port()},dstPort=${rng.port()})`;
  const window = () => rng.int(1024, 65535);
  const tcp = (flags: string, extra = '') =>
    `tcp(srcPort=${rng.port()},dstPort=${rng.port()},seq=${rng.u32()},ack=${flags.includes('A') ? rng.u32() : 0},flags=${flags},window=${window()}${extra})`;
  const mss = () => `,options=0x0204${rng.int(536, 9000).toString(16).padStart(4, '0')}`;
  const echo = (type: 8 | 0) => `icmp(type=${type},id=${rng.int(0, 0xffff)},seq=${rng.int(0, 0xffff)})`;
  const echo6 = (type: 128 | 129) => `icmpv6(type=${type},id=${rng.int(0, 0xffff)},seq=${rng.int(0, 0xffff)})`;

  // Ethernet II with a payload under the local experimental EtherType.
  for (let k = 0; k < 2; k++) add('ethernet', `${eth()}/payload(size=${rng.int(20, 60)})`);
  add('ethernet', `${eth()}/${v4()}/${udp()}/${text('ethernet')}`);

  // ARP request and reply, one padded to the 60-byte Ethernet minimum.
  for (let k = 0; k < 2; k++) {
    const [a, b, am, bm] = [rng.ipv4(), rng.ipv4(), rng.mac(), rng.mac()];
    add('arp', `ethernet(src=${am},dst=ff:ff:ff:ff:ff:ff)/arp(op=1,senderMac=${am},senderIp=${a},targetMac=00:00:00:00:00:00,targetIp=${b})`);
    add('arp', `ethernet(src=${bm},dst=${am})/arp(op=2,senderMac=${bm},senderIp=${b},targetMac=${am},targetIp=${a})`);
  }
  {
    const [a, b, am] = [rng.ipv4(), rng.ipv4(), rng.mac()];
    add('arp', `ethernet(src=${am},dst=ff:ff:ff:ff:ff:ff)/arp(op=1,senderMac=${am},senderIp=${a},targetIp=${b},padding=0x${'00'.repeat(18)})`);
  }

  // 802.1Q
  for (let k = 0; k < 3; k++) add('vlan', `${eth()}/vlan(pcp=${rng.int(0, 7)},dei=${rng.bool()},vid=${rng.int(1, 4094)})/${v4()}/${udp()}/${text('vlan')}`);
  {
    const [a, am] = [rng.ipv4(), rng.mac()];
    add('vlan', `ethernet(src=${am},dst=ff:ff:ff:ff:ff:ff)/vlan(vid=${rng.int(1, 4094)})/arp(op=1,senderMac=${am},senderIp=${a},targetIp=${rng.ipv4()})`);
  }
  for (let k = 0; k < 2; k++) add('vlan', `${eth()}/vlan(pcp=${rng.int(0, 7)},vid=${rng.int(1, 4094)})/${v6()}/${echo6(128)}/${text('vlan6')}`);

  // QinQ: 802.1ad S-tag (0x88a8) then 802.1Q C-tag.
  for (let k = 0; k < 3; k++) {
    add('qinq', `${eth()}/vlan(pcp=${rng.int(0, 7)},dei=${rng.bool()},vid=${rng.int(1, 4094)})/vlan(pcp=${rng.int(0, 7)},vid=${rng.int(1, 4094)})/${v4()}/${udp()}/${text('qinq')}`);
  }
  add('qinq', `${eth()}/vlan(vid=${rng.int(1, 4094)})/vlan(vid=${rng.int(1, 4094)})/${v6()}/${tcp('S', mss())}`);

  // IPv4: DF, first fragments (MF, offset 0), a middle and a last fragment, options, Ethernet padding.
  for (let k = 0; k < 3; k++) add('ipv4', `${eth()}/${v4(`,df=${rng.bool()}`)}/${udp()}/${text('ipv4')}`);
  for (let k = 0; k < 2; k++) {
    // A first fragment: the UDP length is the whole datagram's, more than this fragment holds.
    const data = rng.int(16, 200);
    add('ipv4', `${eth()}/${v4(',mf=true')}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${8 + data + 8 * rng.int(10, 100)},checksum=${rng.int(1, 0xffff)})/payload(size=${data})`);
  }
  // First fragments of a TCP segment and of an echo request; their checksums cover the whole datagram.
  add('ipv4', `${eth()}/${v4(',mf=true')}/tcp(srcPort=${rng.port()},dstPort=${rng.port()},seq=${rng.u32()},ack=${rng.u32()},flags=PA,window=${window()},checksum=${rng.int(1, 0xffff)})/payload(size=${8 * rng.int(2, 20) - 20})`);
  add('ipv4', `${eth()}/${v4(',mf=true')}/icmp(type=8,id=${rng.int(0, 0xffff)},seq=${rng.int(0, 0xffff)},checksum=${rng.int(1, 0xffff)})/payload(size=${8 * rng.int(2, 20) - 8})`);
  add('ipv4', `${eth()}/${v4(`,mf=true,fragmentOffset=${rng.int(1, 1000)},protocol=17`)}/payload(size=${8 * rng.int(2, 20)})`);
  add('ipv4', `${eth()}/${v4(`,fragmentOffset=${rng.int(1, 1000)},protocol=17`)}/payload(size=${rng.int(1, 100)})`);
  add('ipv4', `${eth()}/${v4(',options=0x01010100')}/${udp()}/${text('nop-eol')}`);
  // Record route with room for two addresses, one recorded (pointer 8), then End of Options List.
  add('ipv4', `${eth()}/${v4(`,options=0x070b08${toHex(rng.bytes(4))}0000000000`)}/${echo(8)}/${text('record-route')}`);
  add('ipv4', `${eth()}/${v4(',options=0x94040000')}/${udp()}/${text('router-alert')}`);
  // 14 + 20 + 8 + 3 bytes, padded to Ethernet's 60-byte minimum.
  add('ipv4', `${eth()}/${v4(`,padding=0x${'00'.repeat(15)}`)}/${udp()}/payload(text="pad")`);

  // ICMP echo and reply, and errors quoting the original datagram's headers (lengths as they were).
  for (let k = 0; k < 3; k++) add('icmp', `${eth()}/${v4()}/${echo(8)}/payload(size=${rng.int(0, 56)})`);
  for (let k = 0; k < 3; k++) add('icmp', `${eth()}/${v4()}/${echo(0)}/payload(size=${rng.int(1, 56)})`);
  for (let k = 0; k < 2; k++) {
    const total = rng.int(1400, 1500);
    add('icmp', `${eth()}/${v4()}/icmp(type=3,code=4,nextHopMtu=${total - 8 * rng.int(1, 10)})/${v4(`,df=true,totalLength=${total}`)}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${total - 20},checksum=${rng.int(1, 0xffff)})`);
  }
  // Port unreachable quoting the whole (short) datagram, as Linux does up to 576 bytes.
  add('icmp', `${eth()}/${v4()}/icmp(type=3,code=3)/${v4()}/${udp()}/${text('quoted')}`);
  // Host unreachable quoting an echo request (8 bytes past the IP header: the whole ICMP header).
  add('icmp', `${eth()}/${v4()}/icmp(type=3,code=1)/${v4()}/${echo(8)}`);
  {
    const total = rng.int(60, 1500);
    add('icmp', `${eth()}/${v4()}/icmp(type=11,code=0)/${v4(`,totalLength=${total}`).replace(/ttl=\d+/, 'ttl=1')}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${total - 20},checksum=${rng.int(1, 0xffff)})`);
  }
  // Tshark checks a quoted TCP checksum over the bytes quoted (TCP's length comes from the IP
  // layer, which an ICMP error cuts to the quote), so the TCP quote is a whole SYN.
  add('icmp', `${eth()}/${v4()}/icmp(type=11,code=1)/${v4()}/${tcp('S', mss())}`);

  {
    // Redirect for host (RFC 792): the second word is the gateway's address; the quote is the
    // IP header and 64 bits of data, all tshark dissects of a redirect's quote (packet-icmp.c).
    const gateway = rng.u32() >>> 0;
    const total = rng.int(40, 1500);
    add('icmp', `${eth()}/${v4()}/icmp(type=5,code=1,rest=${gateway})/${v4(`,totalLength=${total}`)}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${total - 20},checksum=${rng.int(1, 0xffff)})`);
  }
  // Parameter problem pointing at the quoted header's option byte 20 (pointer in the top octet).
  add('icmp', `${eth()}/${v4()}/icmp(type=12,code=0,rest=${20 * 2 ** 24})/${v4(',options=0x94040000')}/${udp()}/${text('parameter')}`);

  // TCP over IPv4.
  for (let k = 0; k < 2; k++) add('tcp', `${eth()}/${v4(',df=true')}/${tcp('S', mss())}`);
  for (let k = 0; k < 2; k++) add('tcp', `${eth()}/${v4(',df=true')}/${tcp('SA', mss())}`);
  add('tcp', `${eth()}/${v4(',df=true')}/${tcp('S', `,options=0x0204${rng.int(536, 1460).toString(16).padStart(4, '0')}0402080a${toHex(rng.bytes(4))}0000000001030307`)}`);
  for (let k = 0; k < 2; k++) add('tcp', `${eth()}/${v4(',df=true')}/${tcp('PA')}/${text('tcp')}`);
  add('tcp', `${eth()}/${v4()}/${tcp('A')}`);
  add('tcp', `${eth()}/${v4()}/${tcp('FA')}`);
  add('tcp', `${eth()}/${v4()}/${tcp('R')}`);
  add('tcp', `${eth()}/${v4()}/${tcp('PAU', `,urgentPointer=${rng.int(1, 10)}`)}/${text('urgent')}`);
  // ECN-setup SYN (RFC 3168 §6.1.1) and the AccECN AE bit (RFC 9768), the low bit of `reserved`.
  add('tcp', `${eth()}/${v4()}/${tcp('SEC', mss())}`);
  add('tcp', `${eth()}/${v4()}/${tcp('SA', `${mss()},reserved=1`)}`);
  // On IPv4 a UDP checksum of 0 means none was computed (RFC 768).
  add('udp', `${eth()}/${v4()}/udp(srcPort=${rng.port()},dstPort=${rng.port()},checksum=0)/${text('no-checksum')}`);
  // Checksums that compute to zero: UDP sends 0xffff instead (RFC 768), TCP and ICMP send 0.
  for (const [group, spec] of [
    ['udp', `${eth()}/${v4()}/${udp()}/payload(text="zero sum")`],
    ['udp', `${eth()}/${v6()}/${udp()}/payload(text="zero sum")`],
    ['tcp', `${eth()}/${v4()}/${tcp('PA')}/payload(text="zero sum")`],
    ['icmp', `${eth()}/${v4()}/${echo(8)}/payload(text="zero sum")`],
  ] as const) {
    addLayers(group, `${spec} + 2 bytes making the checksum 0`, zeroChecksumPayload(parseSpec(spec)));
  }
  add('ipv4', `${eth()}/${v4(',reservedFlag=true')}/${udp()}/${text('reserved-flag')}`);

  // UDP, TCP, ICMPv6 over IPv6.
  for (let k = 0; k < 3; k++) add('ipv6', `${eth()}/${v6()}/${udp()}/${text('udp6')}`);
  add('ipv6', `${eth()}/${v6()}/${tcp('S', mss())}`);
  add('ipv6', `${eth()}/${v6()}/${tcp('SA', mss())}`);
  add('ipv6', `${eth()}/${v6()}/${tcp('PA')}/${text('tcp6')}`);
  for (let k = 0; k < 2; k++) add('icmpv6', `${eth()}/${v6()}/${echo6(128)}/payload(size=${rng.int(0, 56)})`);
  for (let k = 0; k < 2; k++) add('icmpv6', `${eth()}/${v6()}/${echo6(129)}/payload(size=${rng.int(1, 56)})`);
  {
    const plen = rng.int(1300, 1460);
    add('icmpv6', `${eth()}/${v6()}/icmpv6(type=2,mtu=${1280 + 8 * rng.int(0, 10)})/${v6(`,payloadLength=${plen}`)}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${plen},checksum=${rng.int(1, 0xffff)})`);
  }
  add('icmpv6', `${eth()}/${v6()}/icmpv6(type=3,code=0)/${v6()}/${udp()}/${text('quoted6')}`);
  add('icmpv6', `${eth()}/${v6()}/icmpv6(type=1,code=4)/${v6()}/${udp()}/${text('unreachable6')}`);
  // Parameter problem, unrecognized Next Header (code 1), pointing at the quoted header's byte 6.
  add('icmpv6', `${eth()}/${v6()}/icmpv6(type=4,code=1,rest=6)/${v6(',nextHeader=253')}/payload(size=${rng.int(8, 40)})`);

  // IPv6 extension headers, added as encode specs.
  const ext = (what: string, spec: string, headers: Ipv6ExtensionHeaderSpec[]) =>
    addLayers('ipv6-ext', `${what}: ${spec} + ${headers.map((h) => h.header).join(', ')}`, ipv6WithHeaders(parseSpec(spec), 1, headers));
  ext('hop-by-hop', `${eth()}/${v6()}/${udp()}/${text('hbh')}`, [{ header: 'hopByHop', options: new Uint8Array(0) }]);
  // Router alert (RFC 2711), then PadN.
  ext('hop-by-hop', `${eth()}/${v6()}/${echo6(128)}`, [{ header: 'hopByHop', options: fromHex('05020000') }]);
  ext('destination options', `${eth()}/${v6()}/${echo6(128)}/${text('dst')}`, [{ header: 'destinationOptions', options: new Uint8Array(0) }]);
  {
    // SRv6 (RFC 8754) with Segments Left 0: Last Entry 0, Flags 0, Tag, Segment List[0] = the destination.
    const dst = rng.ipv6();
    const spec = `${eth()}/ipv6(src=${rng.ipv6()},dst=${dst},hopLimit=${rng.int(1, 255)})/${udp()}/${text('srh')}`;
    ext('routing 4', spec, [{ header: 'routing', routingType: 4, segmentsLeft: 0, typeData: concat(fromHex('0000' + toHex(rng.bytes(2))), ipv6Bytes(dst)) }]);
  }
  {
    // Mobile IPv6 type 2 (RFC 6275 §6.4): Segments Left 1, reserved, then the home address, which
    // is the final destination the TCP pseudo-header uses (RFC 8200 §8.1).
    const spec = `${eth()}/${v6()}/${tcp('SA', mss())}`;
    ext('routing 2', spec, [{ header: 'routing', routingType: 2, segmentsLeft: 1, typeData: concat(new Uint8Array(4), ipv6Bytes(rng.ipv6())) }]);
  }
  {
    // SRv6 with Segments Left 1: Segment List[0] is the final destination, [1] the current one.
    const dst = rng.ipv6();
    const spec = `${eth()}/ipv6(src=${rng.ipv6()},dst=${dst},hopLimit=${rng.int(1, 255)})/${udp()}/${text('srh1')}`;
    const srh = concat(fromHex('01000000'), concat(ipv6Bytes(rng.ipv6()), ipv6Bytes(dst)));
    ext('routing 4, one segment left', spec, [{ header: 'routing', routingType: 4, segmentsLeft: 1, typeData: srh }]);
  }
  {
    const data = rng.int(16, 200);
    const spec = `${eth()}/${v6()}/udp(srcPort=${rng.port()},dstPort=${rng.port()},length=${8 + data + 8 * rng.int(10, 100)},checksum=${rng.int(1, 0xffff)})/payload(size=${data})`;
    ext('first fragment', spec, [{ header: 'fragment', reserved: 0, fragmentOffset: 0, res: 0, m: true, identification: rng.u32() }]);
  }
  ext('atomic fragment', `${eth()}/${v6()}/${udp()}/${text('atomic')}`, [{ header: 'fragment', reserved: 0, fragmentOffset: 0, res: 0, m: false, identification: rng.u32() }]);
  ext('later fragment', `${eth()}/${v6()}/payload(size=${rng.int(1, 120)})`, [
    { header: 'fragment', reserved: 0, fragmentOffset: rng.int(1, 1000), res: 0, m: false, identification: rng.u32(), nextHeader: 17 },
  ]);
  // Five option bytes (router alert, then a Pad1 of our own), padded by netloom with another Pad1.
  ext('hop-by-hop, Pad1', `${eth()}/${v6()}/${udp()}/${text('pad1')}`, [{ header: 'hopByHop', options: fromHex('0502000000') }]);
  ext('chain', `${eth()}/${v6()}/${udp()}/${text('chain')}`, [
    { header: 'hopByHop', options: new Uint8Array(0) },
    { header: 'destinationOptions', options: fromHex('0100') },
    { header: 'fragment', reserved: 0, fragmentOffset: 0, res: 0, m: false, identification: rng.u32() },
    { header: 'destinationOptions', options: new Uint8Array(0) },
  ]);

  // VXLAN on 4789 and, with the registry binding, on 8472.
  const vxlan = () => `vxlan(vni=${rng.int(0, 0xffffff)})`;
  for (let k = 0; k < 2; k++) add('vxlan', `${eth()}/${v4(',df=true')}/udp/${vxlan()}/${eth()}/${v4()}/${echo(8)}/payload(size=${rng.int(8, 56)})`);
  {
    const [a, am] = [rng.ipv4(), rng.mac()];
    add('vxlan', `${eth()}/${v4()}/udp/${vxlan()}/ethernet(src=${am},dst=ff:ff:ff:ff:ff:ff)/arp(op=1,senderMac=${am},senderIp=${a},targetIp=${rng.ipv4()})`);
  }
  add('vxlan', `${eth()}/${v6()}/udp/${vxlan()}/${eth()}/${v6()}/${udp()}/${text('vxlan6')}`);
  add('vxlan', `${eth()}/${v4()}/udp/${vxlan()}/${eth()}/vlan(vid=${rng.int(1, 4094)})/${v4()}/${tcp('PA')}/${text('vxlan-vlan')}`);
  for (let k = 0; k < 2; k++) add('vxlan-8472', `${eth()}/${v4()}/udp(dstPort=${VXLAN_ALT_PORT})/${vxlan()}/${eth()}/${v4()}/${udp()}/${text('vxlan8472')}`);

  // GRE: no options, K, S, C, C+K+S; IPv4, IPv6 and Ethernet (NVGRE) inside.
  add('gre', `${eth()}/${v4()}/gre/${v4()}/${echo(8)}/${text('gre')}`);
  add('gre', `${eth()}/${v4()}/gre(key=${rng.u32()})/${v4()}/${udp()}/${text('gre-key')}`);
  add('gre', `${eth()}/${v4()}/gre(seq=${rng.u32()})/${v4()}/${udp()}/${text('gre-seq')}`);
  add('gre', `${eth()}/${v4()}/gre(checksumPresent=true)/${v4()}/${udp()}/${text('gre-csum')}`);
  for (let k = 0; k < 2; k++) add('gre', `${eth()}/${v4()}/gre(checksumPresent=true,key=${rng.u32()},seq=${rng.u32()})/${v4()}/${tcp('PA')}/${text('gre-cks')}`);
  add('gre', `${eth()}/${v4()}/gre(key=${rng.u32()})/${v6()}/${echo6(128)}`);
  add('gre', `${eth()}/${v6()}/gre(checksumPresent=true,seq=${rng.u32()})/${v6()}/${udp()}/${text('gre6')}`);
  for (let k = 0; k < 2; k++) add('nvgre', `${eth()}/${v4()}/gre(vsid=${rng.int(0, 0xffffff)},flowId=${rng.int(0, 255)})/${eth()}/${v4()}/${udp()}/${text('nvgre')}`);
  {
    const [a, am] = [rng.ipv4(), rng.mac()];
    add('nvgre', `${eth()}/${v6()}/gre(vsid=${rng.int(0, 0xffffff)},flowId=${rng.int(0, 255)})/ethernet(src=${am},dst=ff:ff:ff:ff:ff:ff)/arp(op=1,senderMac=${am},senderIp=${a},targetIp=${rng.ipv4()})`);
  }

  // ESP with each algorithm, tunnel and transport mode, outer IPv4 and IPv6. Each SA's sequence
  // numbers rise by one per packet in capture order, as a sender's do (tshark checks that).
  const sas = makeSas(rng);
  for (const sa of sas) {
    let seq = rng.int(1, 1_000_000);
    const esp = (iv = false) => `esp(spi=${sa.spi},seq=${seq++},alg=${sa.alg},key=0x${toHex(sa.key)}${iv && sa.alg !== 'null-hmac-sha256-128' ? `,iv=${rng.hex(8)}` : ''})`;
    add('esp', `${eth()}/${v4()}/${esp()}/${v4()}/${udp()}/${text(`${sa.alg} tunnel`)}`);
    add('esp', `${eth()}/${v4()}/${esp(true)}/${v4()}/${echo(8)}/payload(size=${rng.int(0, 40)})`);
    add('esp', `${eth()}/${v4()}/${esp()}/${udp()}/${text(`${sa.alg} transport`)}`);
    add('esp', `${eth()}/${v4()}/${esp(true)}/${tcp('PA')}/${text(`${sa.alg} tcp`)}`);
    add('esp', `${eth()}/${v6()}/${esp()}/${v6()}/${tcp('S', mss())}`);
    add('esp', `${eth()}/${v6()}/${esp(true)}/${udp()}/${text(`${sa.alg} transport6`)}`);
    // Transport mode ICMPv6 (its checksum's pseudo-header is the IPv6 header before ESP), after a hop-by-hop header.
    addLayers('esp', `${sa.alg} transport ICMPv6 after hop-by-hop`, ipv6WithHeaders(parseSpec(`${eth()}/${v6()}/${esp()}/${echo6(129)}/payload(size=${rng.int(0, 40)})`), 1, [{ header: 'hopByHop', options: new Uint8Array(0) }]));
    // IPv6 tunnelled over IPv4, and more padding than alignment needs (RFC 4303 §2.4 allows up to 255).
    add('esp', `${eth()}/${v4()}/${esp()}/${v6()}/${echo6(128)}`);
    const size = rng.int(0, 40);
    const extraPad = ((4 - ((8 + size + 2) % 4)) % 4) + 4 * rng.int(1, 10);
    add('esp', `${eth()}/${v4()}/${esp().replace(')', `,padLength=${extraPad})`)}/${udp()}/payload(size=${size})`);
  }
  return { cases, sas };
}

/**
 * Appends two bytes to the payload (at an even offset) that make the upper-layer checksum sum to
 * zero: with W = the checksum computed over a zero word, the sum becomes 0xffff (RFC 1071).
 */
function zeroChecksumPayload(layers: LayerSpec[]): LayerSpec[] {
  const last = layers[layers.length - 1];
  if (last?.layer !== 'payload' || last.data === undefined || last.data.length % 2 !== 0) throw new Error('needs an even payload last');
  const upper = layers.length - 2;
  const withWord = (word: number): LayerSpec[] =>
    layers.map((l, i) => (i === layers.length - 1 ? { layer: 'payload', data: concat(last.data!, Uint8Array.of(word >>> 8, word & 0xff)) } : l));
  const probe = decode(encode(withWord(0)));
  const checksum = (probe[upper] as { checksum?: number } | undefined)?.checksum;
  if (checksum === undefined) throw new Error('no checksum in the upper layer');
  return withWord(checksum);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The 16 bytes of an IPv6 address in RFC 4291 text form (for routing header address lists). */
function ipv6Bytes(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = parse(head);
  const t = parse(tail);
  const words = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}
