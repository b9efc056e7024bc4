#!/usr/bin/env python3
"""
Scapy's side of netloom's interop test (test/interop/scapy.test.ts).

Default mode: builds packets with Scapy from seeded random field values and prints one JSON
line per case:
  name     unique case name
  hex      the bytes Scapy built
  fields   netloom JSON layers holding only the fields the case set (netloom names); netloom
           must encode them to exactly `hex`
  expect   netloom JSON layers holding every field as Scapy dissects `hex` (not the inputs)
  options  {"first", "udpPort", "espSA"} as the case needs
  plain    (ESP cases only) `expect` for decoding without the SA

--decrypt mode: reads JSON lines {"hex", "first", "espSA"} on stdin, decrypts each packet's ESP
with Scapy (ICV verified) and prints {"ok", "data", "padLength", "nextHeader", "spi", "seq"}.

Field-name mapping lives in the builders (netloom -> Scapy) and in `to_netloom` (Scapy -> netloom).
A few values are given to Scapy only, where netloom's default already matches and Scapy's does
not: VXLAN flags 0x08 (Scapy's default writes a VXLAN-GPE header), the EtherType / IP protocol
in front of a raw payload (`scapy=`), and, in some ESP cases, netloom's default IV (the sequence
number).
"""
import json
import random
import struct
import sys
import warnings
from functools import reduce
from socket import AF_INET6, inet_pton

warnings.filterwarnings('ignore')
# Dissected ICMP quotes are IPerror/UDPerror/TCPerror/ICMPerror (IPerror6 for ICMPv6):
# subclasses of IP/UDP/TCP/ICMP/IPv6, so `to_netloom` maps them through isinstance.
from scapy.all import (  # noqa: E402
    ARP, ICMP, IP, TCP, UDP, VXLAN, Dot1AD, Dot1Q, Ether, GRE, IPv6, IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, NoPayload, Padding, Raw, conf, raw,
)
from scapy.layers.inet import (  # noqa: E402
    IPOption_EOL, IPOption_LSRR, IPOption_NOP, IPOption_Router_Alert, IPOption_RR, IPOption_SSRR,
    IPOption_Stream_Id, IPOption_Timestamp,
)
from scapy.layers.inet6 import (  # noqa: E402
    HBHOptUnknown, ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6PacketTooBig,
    ICMPv6TimeExceeded, PadN, RouterAlert,
)
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

conf.verb = 0
RNG = random.Random(0x6E6C6F6F6D)  # "nloom"

# Ports Scapy binds a payload dissector to (UDP and TCP): random ports avoid them so Scapy's
# dissection stops at Raw, as netloom's does.
_BOUND_PORTS = {
    v for base in (UDP, TCP) for fv, _ in base.payload_guess for k in ('sport', 'dport') if (v := fv.get(k)) is not None
}


def rand_port() -> int:
    while True:
        p = RNG.randint(1024, 65535)
        if p not in _BOUND_PORTS:
            return p


def rand_bytes(n: int) -> bytes:
    return bytes(RNG.getrandbits(8) for _ in range(n))


def rand_mac() -> str:
    first = RNG.randrange(0, 256) & 0xFE  # unicast
    return ':'.join(f'{b:02x}' for b in [first] + [RNG.randrange(256) for _ in range(5)])


def rand_ip4() -> str:
    return f'{RNG.randint(1, 223)}.{RNG.randrange(256)}.{RNG.randrange(256)}.{RNG.randint(1, 254)}'


def rand_ip6() -> str:
    # Scapy and netloom both print RFC 5952 text; normalise through Scapy's own dissection.
    groups = [0x2001, 0xDB8] + [RNG.choice([0, 0, RNG.randrange(0x10000)]) for _ in range(6)]
    return ':'.join(f'{g:x}' for g in groups)


def norm6(text: str) -> str:
    return IPv6(raw(IPv6(src=text, dst='::1'))).src


# ----------------------------------------------------------------------------------------------
# Builders: netloom field names in, (Scapy layer, netloom JSON layer) out.


class L:
    def __init__(self, pkt, fields: dict | None, trailer: bytes = b'', ext: bool = False):
        self.pkt = pkt
        self.fields = fields  # None: Scapy-only bytes (netloom holds them in another layer's field)
        self.trailer = trailer  # bytes after the whole frame (Ethernet padding)
        self.ext = ext  # an IPv6 extension header: merged into the ipv6 layer's fields
        self.tpid: int | None = None  # a VLAN tag's TPID, as chosen by its Scapy class


def _take(f: dict, mapping: dict) -> dict:
    return {s: f[n] for n, s in mapping.items() if n in f}


def ether(scapy=None, **f):
    kw = _take(f, {'dst': 'dst', 'src': 'src', 'etherType': 'type'})
    return L(Ether(**{**kw, **(scapy or {})}), {'layer': 'ethernet', **f})


def vlan(cls=Dot1Q, scapy=None, **f):
    kw = _take(f, {'pcp': 'prio', 'vid': 'vlan', 'etherType': 'type'})
    if 'dei' in f:
        kw['id'] = int(f['dei'])
    return L(cls(**{**kw, **(scapy or {})}), {'layer': 'vlan', **f})


def arp(padding=b'', **f):
    kw = _take(f, {'hardwareType': 'hwtype', 'protocolType': 'ptype', 'hardwareLength': 'hwlen',
                   'protocolLength': 'plen', 'op': 'op', 'senderMac': 'hwsrc', 'senderIp': 'psrc',
                   'targetMac': 'hwdst', 'targetIp': 'pdst'})
    fields = {'layer': 'arp', **f}
    if padding:
        fields['padding'] = padding
    return L(ARP(**kw), fields, trailer=padding)


def ipv4(opts=(), padding=b'', scapy=None, **f):
    kw = _take(f, {'version': 'version', 'ihl': 'ihl', 'totalLength': 'len', 'id': 'id',
                   'fragmentOffset': 'frag', 'ttl': 'ttl', 'protocol': 'proto', 'checksum': 'chksum',
                   'src': 'src', 'dst': 'dst'})
    if 'dscp' in f or 'ecn' in f:
        kw['tos'] = (f.get('dscp', 0) << 2) | f.get('ecn', 0)
    if any(k in f for k in ('reservedFlag', 'df', 'mf')):
        kw['flags'] = (int(f.get('reservedFlag', False)) << 2) | (int(f.get('df', False)) << 1) | int(f.get('mf', False))
    fields = {'layer': 'ipv4', **f}
    if opts:
        kw['options'] = list(opts)
        fields['options'] = b''.join(raw(o) for o in opts)  # unpadded: netloom pads like Scapy
    if padding:
        fields['padding'] = padding
    return L(IP(**{**kw, **(scapy or {})}), fields, trailer=padding)


def ipv6(padding=b'', scapy=None, **f):
    kw = _take(f, {'version': 'version', 'trafficClass': 'tc', 'flowLabel': 'fl', 'payloadLength': 'plen',
                   'nextHeader': 'nh', 'hopLimit': 'hlim', 'src': 'src', 'dst': 'dst'})
    fields = {'layer': 'ipv6', **f}
    if padding:
        fields['padding'] = padding
    return L(IPv6(**{**kw, **(scapy or {})}), fields, trailer=padding)


def _options_unpadded(opts, curpos=2) -> bytes:
    """Scapy's _OptionsField.i2m without the final padding: alignment pads between options stay."""
    out = b''
    for o in opts:
        d = o.alignment_delta(curpos)
        curpos += d
        if d == 1:
            out += b'\x00'
        elif d:
            out += raw(PadN(optdata=b'\x00' * (d - 2)))
        s = raw(o)
        curpos += len(s)
        out += s
    return out


def hop_by_hop(opts):
    return L(IPv6ExtHdrHopByHop(options=list(opts)), {'header': 'hopByHop', 'options': _options_unpadded(opts)}, ext=True)


def dest_opts(opts):
    return L(IPv6ExtHdrDestOpt(options=list(opts)), {'header': 'destinationOptions', 'options': _options_unpadded(opts)}, ext=True)


def routing(routingType, segmentsLeft, addresses, reserved=0):
    type_data = struct.pack('!I', reserved) + b''.join(inet_pton(AF_INET6, a) for a in addresses)
    pkt = IPv6ExtHdrRouting(type=routingType, segleft=segmentsLeft, reserved=reserved, addresses=list(addresses))
    return L(pkt, {'header': 'routing', 'routingType': routingType, 'segmentsLeft': segmentsLeft, 'typeData': type_data}, ext=True)


def fragment6(fragmentOffset, m, identification, reserved=0, res=0, nextHeader=None):
    pkt = IPv6ExtHdrFragment(res1=reserved, offset=fragmentOffset, res2=res, m=int(m), id=identification)
    fields = {'header': 'fragment', 'reserved': reserved, 'fragmentOffset': fragmentOffset, 'res': res, 'm': m,
              'identification': identification}
    if nextHeader is not None:
        pkt.nh = nextHeader
        fields['nextHeader'] = nextHeader
    return L(pkt, fields, ext=True)


def icmp(**f):
    kw = _take(f, {'type': 'type', 'code': 'code', 'checksum': 'chksum', 'id': 'id', 'seq': 'seq',
                   'nextHopMtu': 'nexthopmtu'})
    t = f.get('type', 8)
    if 'unused' in f:
        u = f['unused']
        if t == 3:  # RFC 1191: 16 unused bits (Scapy: reserved, RFC 4884 length), next-hop MTU
            kw.update(reserved=u >> 8, length=u & 0xFF)
        elif t == 11:  # 32 unused bits (Scapy: reserved, length, unused)
            kw.update(reserved=u >> 24, length=(u >> 16) & 0xFF, unused=u & 0xFFFF)
    return L(ICMP(**kw), {'layer': 'icmp', **f})


def icmpv6(**f):
    t = f.get('type', 128)
    kw = _take(f, {'code': 'code', 'checksum': 'cksum'})
    if t in (128, 129):
        kw.update(_take(f, {'id': 'id', 'seq': 'seq'}))
        pkt = (ICMPv6EchoRequest if t == 128 else ICMPv6EchoReply)(**kw)
    elif t == 2:
        pkt = ICMPv6PacketTooBig(**kw, **_take(f, {'mtu': 'mtu'}))
    else:
        r = f.get('rest', 0)
        pkt = {1: ICMPv6DestUnreach, 3: ICMPv6TimeExceeded}[t](**kw, length=r >> 24, unused=r & 0xFFFFFF)
    return L(pkt, {'layer': 'icmpv6', **f})


def udp(**f):
    return L(UDP(**_take(f, {'srcPort': 'sport', 'dstPort': 'dport', 'length': 'len', 'checksum': 'chksum'})),
             {'layer': 'udp', **f})


def tcp(opts=(), **f):
    kw = _take(f, {'srcPort': 'sport', 'dstPort': 'dport', 'seq': 'seq', 'ack': 'ack', 'dataOffset': 'dataofs',
                   'window': 'window', 'checksum': 'chksum', 'urgentPointer': 'urgptr'})
    # netloom: 4 reserved bits + 8 flag bits; Scapy: 3 reserved bits + 9 flags (NS first).
    reserved = f.get('reserved', 0)
    if 'reserved' in f or 'flags' in f:
        kw['reserved'] = reserved >> 1
        kw['flags'] = ((reserved & 1) << 8) | f.get('flags', 0x02)
    fields = {'layer': 'tcp', **f}
    if opts:
        kw['options'] = list(opts)
        fields['options'] = tcp_options_bytes(opts)
        # Our encoding of the options must be what Scapy writes before its zero padding.
        written = raw(TCP(options=list(opts)))[20:]
        assert written.startswith(fields['options']) and not any(written[len(fields['options']):]), opts
    return L(TCP(**kw), fields)


def tcp_options_bytes(opts) -> bytes:
    out = b''
    for kind, value in opts:
        if kind == 'EOL':
            out += b'\x00'
        elif kind == 'NOP':
            out += b'\x01'
        elif kind == 'MSS':
            out += struct.pack('!BBH', 2, 4, value)
        elif kind == 'WScale':
            out += struct.pack('!BBB', 3, 3, value)
        elif kind == 'SAckOK':
            out += b'\x04\x02'
        elif kind == 'SAck':
            out += struct.pack('!BB', 5, 2 + 4 * len(value)) + b''.join(struct.pack('!I', v) for v in value)
        elif kind == 'Timestamp':
            out += struct.pack('!BBII', 8, 10, *value)
        else:
            raise ValueError(kind)
    return out


def vxlan(**f):
    kw = _take(f, {'reserved1': 'reserved1', 'vni': 'vni', 'reserved2': 'reserved2'})
    kw['flags'] = f.get('flags', 0x08)
    return L(VXLAN(**kw), {'layer': 'vxlan', **f})


def gre(**f):
    kw = _take(f, {'version': 'version', 'protocol': 'proto', 'checksum': 'chksum', 'reserved1': 'offset',
                   'key': 'key', 'seq': 'sequence_number'})
    if 'vsid' in f or 'flowId' in f:
        kw['key'] = (f.get('vsid', 0) << 8) | f.get('flowId', 0)
    kw['chksum_present'] = int(f.get('checksumPresent', 'checksum' in f))
    kw['key_present'] = int(f.get('keyPresent', 'key' in kw))
    kw['seqnum_present'] = int(f.get('seqPresent', 'seq' in f))
    r0 = f.get('reserved0', 0)  # netloom: bit 1 (R) and bits 4-12 of the first word
    kw.update(routing_present=r0 >> 11 & 1, strict_route_source=r0 >> 8 & 1, recursion_control=r0 >> 5 & 7,
              flags=r0 & 0x1F)
    return L(GRE(**kw), {'layer': 'gre', **f})


def esp_plain(**f):
    return L(ESP(**_take(f, {'spi': 'spi', 'seq': 'seq'})), {'layer': 'esp', **f})


def payload(data: bytes):
    return L(Raw(load=data), {'layer': 'payload', 'data': data})


def scapy_stack(layers):
    return reduce(lambda a, b: a / b, [l.pkt for l in layers])


def json_fields(layers) -> list:
    out = []
    tpids = []
    for l in layers:
        if l.fields is None:
            continue
        if l.ext:
            out[-1].setdefault('extensionHeaders', []).append(dict(l.fields))
        else:
            out.append(dict(l.fields))
            tpids.append(l.tpid)
    # A 0x8100 outer tag in front of another tag is not netloom's default (802.1ad's 0x88a8): say so.
    for i, f in enumerate(out):
        if f['layer'] == 'vlan' and 'tpid' not in f:
            default = 0x88A8 if i + 1 < len(out) and out[i + 1]['layer'] == 'vlan' else 0x8100
            if tpids[i] is not None and tpids[i] != default:
                f['tpid'] = tpids[i]
    return out


# ----------------------------------------------------------------------------------------------
# Scapy dissection -> netloom JSON layers (every field).


def _padding(layer, length: int) -> dict:
    orig = getattr(layer, 'original', b'') or b''
    return {'padding': orig[length:]} if len(orig) > length else {}


def to_netloom(p) -> list:
    out: list = []
    l = p
    while not isinstance(l, NoPayload):
        if isinstance(l, Padding):
            pass  # attached to the layer whose length field cut it off (see _padding)
        elif isinstance(l, Ether):
            out.append({'layer': 'ethernet', 'dst': l.dst, 'src': l.src, 'etherType': l.type})
        elif isinstance(l, Dot1Q):  # also Dot1AD
            out.append({'layer': 'vlan', 'tpid': l.underlayer.type, 'pcp': l.prio, 'dei': bool(l.id), 'vid': l.vlan,
                        'etherType': l.type})
        elif isinstance(l, ARP):
            out.append({'layer': 'arp', 'hardwareType': l.hwtype, 'protocolType': l.ptype, 'hardwareLength': l.hwlen,
                        'protocolLength': l.plen, 'op': l.op, 'senderMac': l.hwsrc, 'senderIp': l.psrc,
                        'targetMac': l.hwdst, 'targetIp': l.pdst, **_padding(l, 28)})
        elif isinstance(l, IP):  # also IPerror
            flags = int(l.flags)
            out.append({'layer': 'ipv4', 'version': l.version, 'ihl': l.ihl, 'dscp': l.tos >> 2, 'ecn': l.tos & 3,
                        'totalLength': l.len, 'id': l.id, 'reservedFlag': bool(flags & 4), 'df': bool(flags & 2),
                        'mf': bool(flags & 1), 'fragmentOffset': l.frag, 'ttl': l.ttl, 'protocol': l.proto,
                        'checksum': l.chksum, 'src': l.src, 'dst': l.dst,
                        'options': b''.join(raw(o) for o in l.options), **_padding(l, l.len)})
        elif isinstance(l, IPv6):  # also IPerror6
            out.append({'layer': 'ipv6', 'version': l.version, 'trafficClass': l.tc, 'flowLabel': l.fl,
                        'payloadLength': l.plen, 'nextHeader': l.nh, 'hopLimit': l.hlim, 'src': l.src, 'dst': l.dst,
                        'extensionHeaders': [], **_padding(l, 40 + l.plen)})
        elif isinstance(l, (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt)):
            out[-1]['extensionHeaders'].append({
                'header': 'hopByHop' if isinstance(l, IPv6ExtHdrHopByHop) else 'destinationOptions',
                'nextHeader': l.nh, 'headerLength': l.len, 'options': b''.join(raw(o) for o in l.options)})
        elif isinstance(l, IPv6ExtHdrRouting):
            out[-1]['extensionHeaders'].append({
                'header': 'routing', 'nextHeader': l.nh, 'headerLength': l.len, 'routingType': l.type,
                'segmentsLeft': l.segleft,
                'typeData': struct.pack('!I', l.reserved) + b''.join(inet_pton(AF_INET6, a) for a in l.addresses)})
        elif isinstance(l, IPv6ExtHdrFragment):
            out[-1]['extensionHeaders'].append({
                'header': 'fragment', 'nextHeader': l.nh, 'reserved': l.res1, 'fragmentOffset': l.offset,
                'res': l.res2, 'm': bool(l.m), 'identification': l.id})
        elif isinstance(l, ICMP):  # also ICMPerror
            d = {'layer': 'icmp', 'type': l.type, 'code': l.code, 'checksum': l.chksum}
            if l.type in (0, 8):
                d.update(id=l.id, seq=l.seq)
            elif l.type == 3:
                d.update(unused=(l.reserved << 8) | l.length, nextHopMtu=l.nexthopmtu)
            elif l.type == 11:
                d.update(unused=(l.reserved << 24) | (l.length << 16) | l.unused)
            else:
                raise ValueError(f'unmapped ICMP type {l.type}')
            out.append(d)
        elif isinstance(l, (ICMPv6EchoRequest, ICMPv6EchoReply)):
            out.append({'layer': 'icmpv6', 'type': l.type, 'code': l.code, 'checksum': l.cksum, 'id': l.id,
                        'seq': l.seq})
            if l.data:
                out.append({'layer': 'payload', 'data': l.data})
        elif isinstance(l, ICMPv6PacketTooBig):
            out.append({'layer': 'icmpv6', 'type': l.type, 'code': l.code, 'checksum': l.cksum, 'mtu': l.mtu})
        elif isinstance(l, (ICMPv6DestUnreach, ICMPv6TimeExceeded)):
            out.append({'layer': 'icmpv6', 'type': l.type, 'code': l.code, 'checksum': l.cksum,
                        'rest': (l.length << 24) | l.unused})
        elif isinstance(l, UDP):  # also UDPerror
            out.append({'layer': 'udp', 'srcPort': l.sport, 'dstPort': l.dport, 'length': l.len,
                        'checksum': l.chksum, **_padding(l, l.len)})
        elif isinstance(l, TCP):  # also TCPerror
            orig = l.original or b''
            if len(orig) < 20:
                # An ICMP error quoting 8 bytes of a segment: Scapy fills the missing fields with
                # defaults, netloom keeps the quoted bytes as payload.
                out.append({'layer': 'payload', 'data': orig})
                break
            flags = int(l.flags)
            out.append({'layer': 'tcp', 'srcPort': l.sport, 'dstPort': l.dport, 'seq': l.seq, 'ack': l.ack,
                        'dataOffset': l.dataofs, 'reserved': (l.reserved << 1) | (flags >> 8), 'flags': flags & 0xFF,
                        'window': l.window, 'checksum': l.chksum, 'urgentPointer': l.urgptr,
                        'options': orig[20:l.dataofs * 4]})
        elif isinstance(l, VXLAN):
            out.append({'layer': 'vxlan', 'flags': int(l.flags), 'reserved1': l.reserved1, 'vni': l.vni,
                        'reserved2': l.reserved2})
        elif isinstance(l, GRE):
            d = {'layer': 'gre', 'checksumPresent': bool(l.chksum_present), 'keyPresent': bool(l.key_present),
                 'seqPresent': bool(l.seqnum_present),
                 'reserved0': (l.routing_present << 11) | (l.strict_route_source << 8) | (l.recursion_control << 5) | l.flags,
                 'version': l.version, 'protocol': l.proto}
            if l.chksum_present:
                d.update(checksum=l.chksum, reserved1=l.offset)
            if l.key_present:
                d['key'] = l.key
                if l.proto == 0x6558:  # NVGRE (RFC 7637)
                    d.update(vsid=l.key >> 8, flowId=l.key & 0xFF)
            if l.seqnum_present:
                d['seq'] = l.sequence_number
            out.append(d)
        elif isinstance(l, ESP):
            out.append({'layer': 'esp', 'spi': l.spi, 'seq': l.seq})
            if l.data:
                out.append({'layer': 'payload', 'data': l.data})
        elif type(l) is Raw:
            out.append({'layer': 'payload', 'data': l.load})
        else:
            raise ValueError(f'no netloom mapping for Scapy layer {type(l).__name__}')
        l = l.payload
    return out


FIRST = {'ethernet': Ether, 'ipv4': IP, 'ipv6': IPv6}


def dissect(b: bytes, first: str) -> list:
    return to_netloom(FIRST[first](b))


# ----------------------------------------------------------------------------------------------
# Cases.

CASES: list = []


def jsonable(v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def add(name: str, layers: list, first: str = 'ethernet', options: dict | None = None):
    pkt = scapy_stack(layers)
    b = raw(pkt) + b''.join(l.trailer for l in reversed(layers))
    fields = json_fields(layers)
    opts = dict(options or {})
    if first != 'ethernet':
        opts['first'] = first
    CASES.append({'name': f'{len(CASES):03d} {name}', 'hex': b.hex(), 'fields': fields, 'expect': dissect(b, first),
                  'options': opts})


def tagged(cls, tpid, **f):
    """A VLAN tag whose TPID (written in front of it) is `tpid`: 0x8100 Dot1Q, 0x88a8 Dot1AD."""
    layer = vlan(cls=cls, **f)
    layer.tpid = tpid
    return layer


def eth(**f):
    return ether(dst=rand_mac(), src=rand_mac(), **f)


def data(max_len=64, zero_chance=0.25):
    return b'' if RNG.random() < zero_chance else rand_bytes(RNG.randint(1, max_len))


def maybe_payload(max_len=64):
    d = data(max_len)
    return [payload(d)] if d else []


def rand_ipv4_fields(**extra):
    f = dict(src=rand_ip4(), dst=rand_ip4())
    if RNG.random() < 0.6:
        f['id'] = RNG.randrange(0x10000)
    if RNG.random() < 0.5:
        f['ttl'] = RNG.randint(1, 255)
    if RNG.random() < 0.5:
        f['dscp'] = RNG.randrange(64)
    if RNG.random() < 0.3:
        f['ecn'] = RNG.randrange(4)
    if RNG.random() < 0.4:
        f['df'] = True
    f.update(extra)
    return f


def rand_ipv6_fields(**extra):
    f = dict(src=norm6(rand_ip6()), dst=norm6(rand_ip6()))
    if RNG.random() < 0.6:
        f['trafficClass'] = RNG.randrange(256)
    if RNG.random() < 0.6:
        f['flowLabel'] = RNG.randrange(0x100000)
    if RNG.random() < 0.5:
        f['hopLimit'] = RNG.randint(1, 255)
    f.update(extra)
    return f


def rand_udp():
    return udp(srcPort=rand_port(), dstPort=rand_port())


def rand_tcp():
    f = dict(srcPort=rand_port(), dstPort=rand_port(), seq=RNG.randrange(2**32), ack=RNG.randrange(2**32),
             flags=RNG.choice([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x29, 0xC2, 0x01]),
             window=RNG.randrange(0x10000))
    if RNG.random() < 0.2:
        f['urgentPointer'] = RNG.randrange(0x10000)
    if RNG.random() < 0.15:
        f['reserved'] = RNG.randrange(16)
    opts = ()
    if RNG.random() < 0.5:
        opts = RNG.choice([
            [('MSS', RNG.randint(536, 9000))],
            [('MSS', RNG.randint(536, 9000)), ('NOP', None), ('WScale', RNG.randrange(15)), ('SAckOK', b'')],
            [('NOP', None), ('NOP', None), ('Timestamp', (RNG.randrange(2**32), RNG.randrange(2**32)))],
            [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (RNG.randrange(2**32), 0)), ('NOP', None), ('WScale', 7)],
            [('NOP', None), ('NOP', None), ('SAck', (RNG.randrange(2**32), RNG.randrange(2**32)))],
            [('WScale', RNG.randrange(15))],
            [('NOP', None), ('EOL', None)],
        ])
    return tcp(opts=opts, **f)


def build_cases():
    # Ethernet II with a payload no layer claims (netloom's default EtherType is 0x88b5).
    for k in range(8):
        et = RNG.choice([0x88B5, 0x88B6, 0x1234, 0x7FFF, 0xABCD])
        f = {'etherType': et} if et != 0x88B5 or k % 2 else {}
        add(f'ethernet raw 0x{et:04x}', [ether(dst=rand_mac(), src=rand_mac(), scapy={'type': et}, **f),
                                         *maybe_payload(100)])

    # 802.1Q single tags.
    for k in range(12):
        inner = [ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload()] if k % 3 else \
            [ipv6(**rand_ipv6_fields()), rand_tcp(), *maybe_payload()]
        add('vlan 802.1Q', [eth(), tagged(Dot1Q, 0x8100, pcp=RNG.randrange(8), dei=RNG.random() < 0.3,
                                          vid=RNG.randrange(4096)), *inner])
    # 802.1ad QinQ: S-tag 0x88a8 then C-tag 0x8100.
    for k in range(10):
        inner = [ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload()] if k % 2 else \
            [arp(op=RNG.choice([1, 2]), senderMac=rand_mac(), senderIp=rand_ip4(), targetMac=rand_mac(),
                 targetIp=rand_ip4())]
        add('vlan QinQ 0x88a8', [eth(), tagged(Dot1AD, 0x88A8, pcp=RNG.randrange(8), dei=RNG.random() < 0.3,
                                               vid=RNG.randint(1, 4094)),
                                 tagged(Dot1Q, 0x8100, pcp=RNG.randrange(8), dei=RNG.random() < 0.3,
                                        vid=RNG.randint(1, 4094)), *inner])
    # Double tags with a 0x8100 outer TPID (pre-802.1ad QinQ), and a triple stack.
    for k in range(8):
        inner = [ipv6(**rand_ipv6_fields()), rand_udp(), *maybe_payload()] if k % 2 else \
            [ipv4(**rand_ipv4_fields()), rand_tcp(), *maybe_payload()]
        add('vlan QinQ 0x8100 outer', [eth(), tagged(Dot1Q, 0x8100, pcp=RNG.randrange(8), vid=RNG.randint(1, 4094)),
                                       tagged(Dot1Q, 0x8100, pcp=RNG.randrange(8), dei=True, vid=RNG.randint(1, 4094)),
                                       *inner])
    for k in range(2):
        add('vlan triple 0x88a8 0x88a8 0x8100', [
            eth(), tagged(Dot1AD, 0x88A8, vid=RNG.randint(1, 4094)), tagged(Dot1AD, 0x88A8, vid=RNG.randint(1, 4094)),
            tagged(Dot1Q, 0x8100, pcp=RNG.randrange(8), vid=RNG.randint(1, 4094)),
            ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload()])

    # ARP requests and replies, some with Ethernet padding to 60 bytes.
    for k in range(10):
        op = RNG.choice([1, 2])
        f = dict(op=op, senderMac=rand_mac(), senderIp=rand_ip4(),
                 targetMac='00:00:00:00:00:00' if op == 1 else rand_mac(), targetIp=rand_ip4())
        pad = bytes(18) if k % 3 == 0 else (rand_bytes(RNG.randint(1, 10)) if k % 3 == 1 else b'')
        dst = 'ff:ff:ff:ff:ff:ff' if op == 1 else rand_mac()
        add(f'arp op {op}' + (' padded' if pad else ''), [ether(dst=dst, src=f['senderMac']), arp(padding=pad, **f)])

    # IPv4: options, DF/MF/reserved flag, fragment offsets, Ethernet padding, unknown protocol.
    option_sets = [
        lambda: [IPOption_RR(routers=[rand_ip4() for _ in range(RNG.randint(1, 4))])],
        lambda: [IPOption_NOP(), IPOption_RR(routers=[rand_ip4() for _ in range(RNG.randint(1, 3))])],
        lambda: [IPOption_Router_Alert()],
        lambda: [IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()],
        lambda: [IPOption_NOP()],
        lambda: [IPOption_Stream_Id(security=RNG.randrange(0x10000)), IPOption_EOL()],
        lambda: [IPOption_Timestamp(flg=0, timestamp=RNG.randrange(2**32))],
        lambda: [IPOption_RR(pointer=8, routers=[rand_ip4(), '0.0.0.0', '0.0.0.0']), IPOption_NOP()],
        lambda: [IPOption_Router_Alert(), IPOption_NOP(), IPOption_RR(routers=[rand_ip4()])],
    ]
    for k in range(12):
        opts = option_sets[k % len(option_sets)]()
        upper = [rand_udp(), *maybe_payload()] if k % 2 else [rand_tcp(), *maybe_payload()]
        add('ipv4 options', [eth(), ipv4(opts=opts, **rand_ipv4_fields()), *upper])
    for k in range(6):
        # A source route with hops to go: UDP/TCP checksums use its last address, the final
        # destination.
        route = (IPOption_LSRR if k % 2 else IPOption_SSRR)(routers=[rand_ip4() for _ in range(RNG.randint(1, 4))])
        opts = [IPOption_NOP(), route] if k % 3 == 2 else [route]
        upper = [rand_udp(), *maybe_payload()] if k < 3 else [rand_tcp(), *maybe_payload()]
        add(f'ipv4 {"LSRR" if k % 2 else "SSRR"} source route', [eth(), ipv4(opts=opts, **rand_ipv4_fields()), *upper])
    for k in range(2):
        # A used-up route (pointer past the last address): the header's destination is the final
        # one. Scapy still sums the route's last address here and Wireshark flags that checksum
        # bad, so Scapy is given the checksum over the header's addresses.
        ip_f, sport, dport, d = rand_ipv4_fields(), rand_port(), rand_port(), rand_bytes(RNG.randint(1, 30))
        routers = [rand_ip4() for _ in range(RNG.randint(1, 3))]
        plain = IP(raw(IP(src=ip_f['src'], dst=ip_f['dst']) / UDP(sport=sport, dport=dport) / Raw(d)))
        u = L(UDP(sport=sport, dport=dport, chksum=plain[UDP].chksum), {'layer': 'udp', 'srcPort': sport, 'dstPort': dport})
        add('ipv4 LSRR used up', [eth(), ipv4(opts=[IPOption_LSRR(pointer=4 + 4 * len(routers), routers=routers)], **ip_f),
                                  u, payload(d)])
    for k in range(10):
        offset = 0 if k < 4 else RNG.randint(1, 0x1FFF)
        flags = dict(reservedFlag=k % 5 == 0, df=k % 2 == 0, mf=offset == 0 or k % 3 != 0)
        d = rand_bytes(8 * RNG.randint(1, 8))
        if offset:
            # A later fragment: no header follows; the protocol is the datagram's.
            add('ipv4 fragment offset', [eth(), ipv4(**{**rand_ipv4_fields(), **flags}, fragmentOffset=offset,
                                                     protocol=RNG.choice([6, 17, 1])), payload(d)])
        else:
            # A first fragment: UDP's length and checksum cover the whole datagram, not these bytes.
            add('ipv4 first fragment', [eth(), ipv4(**{**rand_ipv4_fields(), **flags}),
                                        udp(srcPort=rand_port(), dstPort=rand_port(), length=8 + len(d) + 8 * RNG.randint(1, 100),
                                            checksum=RNG.randrange(0x10000)), payload(d)])
    for k in range(4):
        pad = bytes(RNG.randint(1, 20)) if k % 2 else rand_bytes(RNG.randint(1, 6))
        add('ipv4 ethernet padding', [eth(), ipv4(padding=pad, **rand_ipv4_fields()), rand_udp(), *maybe_payload(8)])
    for k in range(3):
        add('ipv4 unknown protocol', [eth(), ipv4(scapy={'proto': 253}, **rand_ipv4_fields()),
                                      payload(rand_bytes(RNG.randint(1, 64)))])
    add('ipv4 no next header', [eth(), ipv4(protocol=59, **rand_ipv4_fields())])
    for k in range(3):
        # Raw IPv4 (no link layer), decoded with first: 'ipv4'.
        add('ipv4 raw', [ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload()], first='ipv4')

    # IPv6 extension headers.
    def rand_dst_opts():
        # RFC 4727 experimental option types (0x1e, 0x3e, ...): no dissector reads more into them.
        return RNG.choice([
            [],
            [HBHOptUnknown(otype=0x1E, optdata=rand_bytes(RNG.randint(0, 9)))],
            [HBHOptUnknown(otype=0x3E, optdata=rand_bytes(RNG.randint(1, 13)))],
            [HBHOptUnknown(otype=0x5E, optdata=rand_bytes(4)), HBHOptUnknown(otype=0x1E, optdata=b'')],
        ])

    def rand_hbh_opts():
        # Router Alert (RFC 2711) 2n+0-aligned: Scapy pads in front of it when needed.
        return RNG.choice([
            [RouterAlert(value=RNG.randrange(3))],
            [RouterAlert(), HBHOptUnknown(otype=0x3E, optdata=rand_bytes(RNG.randint(1, 13)))],
            [HBHOptUnknown(otype=0x1E, optdata=rand_bytes(1)), RouterAlert(value=RNG.randrange(3))],
            rand_dst_opts(),
        ])

    def rand_upper6():
        return RNG.choice([lambda: [rand_udp(), *maybe_payload()], lambda: [rand_tcp(), *maybe_payload()],
                           lambda: [icmpv6(type=128, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000)),
                                    *maybe_payload()]])()

    for k in range(6):
        add('ipv6 hop-by-hop', [eth(), ipv6(**rand_ipv6_fields()), hop_by_hop(rand_hbh_opts()), *rand_upper6()])
    for k in range(5):
        add('ipv6 destination options', [eth(), ipv6(**rand_ipv6_fields()), dest_opts(rand_dst_opts()), *rand_upper6()])
    for k in range(6):
        addrs = [norm6(rand_ip6()) for _ in range(RNG.randint(0 if k == 0 else 1, 3))]
        segleft = RNG.randint(0, len(addrs)) if k % 2 else len(addrs)
        add(f'ipv6 routing segleft {segleft}', [eth(), ipv6(**rand_ipv6_fields()),
                                                routing(0, segleft, addrs, reserved=RNG.choice([0, RNG.randrange(2**32)])),
                                                *rand_upper6()])
    for k in range(7):
        offset = 0 if k < 3 else RNG.randint(1, 0x1FFF)
        frag = fragment6(offset, k % 2 == 0, RNG.randrange(2**32), reserved=RNG.choice([0, 0, RNG.randrange(256)]),
                         res=RNG.choice([0, 0, RNG.randrange(4)]), nextHeader=RNG.choice([6, 17, 58]) if offset else None)
        if offset:
            # A later fragment: no header follows; the next header is the datagram's upper layer.
            add('ipv6 fragment later', [eth(), ipv6(**rand_ipv6_fields()), frag, payload(rand_bytes(8 * RNG.randint(1, 6)))])
        else:
            add('ipv6 fragment first', [eth(), ipv6(**rand_ipv6_fields()), frag, *rand_upper6()])
    for k in range(4):
        addrs = [norm6(rand_ip6()) for _ in range(RNG.randint(1, 2))]
        add('ipv6 hbh+routing+fragment+dstopts', [
            eth(), ipv6(**rand_ipv6_fields()), hop_by_hop(rand_hbh_opts()), dest_opts(rand_dst_opts()),
            routing(0, RNG.randint(0, len(addrs)), addrs), fragment6(0, True, RNG.randrange(2**32)),
            dest_opts(rand_dst_opts()), *rand_upper6()])
    for k in range(3):
        add('ipv6 ethernet padding', [eth(), ipv6(padding=bytes(RNG.randint(1, 12)), **rand_ipv6_fields()),
                                      icmpv6(type=129, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000))])
    add('ipv6 no next header', [eth(), ipv6(**rand_ipv6_fields())])
    add('ipv6 unknown next header', [eth(), ipv6(scapy={'nh': 253}, **rand_ipv6_fields()), payload(rand_bytes(21))])
    for k in range(2):
        add('ipv6 raw', [ipv6(**rand_ipv6_fields()), rand_udp(), *maybe_payload()], first='ipv6')

    # ICMP echo request / reply.
    for k in range(8):
        add('icmp echo', [eth(), ipv4(**rand_ipv4_fields()),
                          icmp(type=8 if k % 2 else 0, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000)),
                          *maybe_payload(56)])

    # ICMP errors quoting the original datagram: the whole datagram, or its header + 8 bytes.
    def original_datagram():
        kind = RNG.choice(['udp', 'tcp', 'icmp'])
        ip_f = rand_ipv4_fields()
        body = [rand_udp() if kind == 'udp' else rand_tcp() if kind == 'tcp' else
                icmp(type=8, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000)), *maybe_payload(40)]
        full = [ipv4(**ip_f), *body]
        b = raw(scapy_stack(full))
        return kind, ip_f, full, IP(b)

    def quote(truncate: bool):
        kind, ip_f, full, d = original_datagram()
        if not truncate:
            return kind, full
        ihl = d.ihl * 4
        inner = d.payload
        if kind == 'udp':
            upper = [udp(srcPort=inner.sport, dstPort=inner.dport, length=inner.len, checksum=inner.chksum)]
        elif kind == 'icmp':
            upper = [icmp(type=8, id=inner.id, seq=inner.seq, checksum=inner.chksum)]
        else:
            upper = [payload(raw(d)[ihl:ihl + 8])]
        return kind, [ipv4(totalLength=d.len, protocol=d.proto, **ip_f), *upper]

    for k in range(12):
        code = 4 if k < 7 else RNG.choice([0, 1, 2, 3, 13])
        f = dict(type=3, code=code)
        if code == 4:
            f['nextHopMtu'] = RNG.choice([576, 1280, 1400, 1450, 1480, 1492, RNG.randint(68, 9000)])
        if k % 4 == 3:
            f['unused'] = RNG.randrange(0x10000)
        kind, q = quote(truncate=k % 2 == 0)
        name = 'icmp frag-needed' if code == 4 else f'icmp unreachable code {code}'
        add(f'{name} quoting {kind}', [eth(), ipv4(**rand_ipv4_fields()), icmp(**f), *q])
    for k in range(8):
        f = dict(type=11, code=k % 2)
        if k % 4 == 3:
            f['unused'] = RNG.randrange(2**32)
        kind, q = quote(truncate=k < 5)
        add(f'icmp time exceeded quoting {kind}', [eth(), ipv4(**rand_ipv4_fields()), icmp(**f), *q])

    # ICMPv6 echo, and errors quoting the invoking packet.
    for k in range(8):
        add('icmpv6 echo', [eth(), ipv6(**rand_ipv6_fields()),
                            icmpv6(type=128 + k % 2, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000)),
                            *maybe_payload(56)])
    for k in range(5):
        t = [2, 1, 3, 2, 3][k]
        f = dict(type=t)
        if t == 2:
            f['mtu'] = RNG.choice([1280, 1400, RNG.randint(1280, 9000)])
        else:
            f['code'] = RNG.randrange(2 if t == 3 else 5)
            if k == 4:
                f['rest'] = RNG.randrange(2**24)  # the unused bits; a nonzero top byte is an RFC 4884 length
        inner = [ipv6(**rand_ipv6_fields()), rand_udp(), *maybe_payload(40)]
        add(f'icmpv6 error type {t}', [eth(), ipv6(**rand_ipv6_fields()), icmpv6(**f), *inner])

    # UDP and TCP over IPv4 and IPv6.
    for k in range(8):
        add('udp over ipv4', [eth(), ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload(200)])
    for k in range(8):
        add('udp over ipv6', [eth(), ipv6(**rand_ipv6_fields()), rand_udp(), *maybe_payload(200)])
    for k in range(8):
        add('tcp over ipv4', [eth(), ipv4(**rand_ipv4_fields()), rand_tcp(), *maybe_payload(200)])
    for k in range(8):
        add('tcp over ipv6', [eth(), ipv6(**rand_ipv6_fields()), rand_tcp(), *maybe_payload(200)])
    # UDP datagram shorter than the IP payload: the rest is UDP padding.
    for k in range(2):
        d, pad = rand_bytes(RNG.randint(0, 20)), rand_bytes(RNG.randint(1, 6))
        ip_f, sport, dport = rand_ipv4_fields(), rand_port(), rand_port()
        good = IP(raw(IP(**_take(ip_f, {'src': 'src', 'dst': 'dst'}), proto=17) / UDP(sport=sport, dport=dport) / Raw(d)))
        # Scapy would sum the padding into the checksum (it is in the payload): give it the real one.
        u = L(UDP(sport=sport, dport=dport, len=8 + len(d), chksum=good[UDP].chksum),
              {'layer': 'udp', 'srcPort': sport, 'dstPort': dport, 'padding': pad})
        body = L(Raw(load=d + pad), {'layer': 'payload', 'data': d} if d else None)
        add('udp padding', [eth(), ipv4(**ip_f), u, body])

    # VXLAN on 4789 and on 8472 (a registry binding, passed as the `registry` option).
    def inner_frame():
        return RNG.choice([
            lambda: [eth(), ipv4(**rand_ipv4_fields()), rand_udp(), *maybe_payload()],
            lambda: [eth(), ipv4(**rand_ipv4_fields()), rand_tcp(), *maybe_payload()],
            lambda: [eth(), ipv6(**rand_ipv6_fields()), icmpv6(type=128, id=RNG.randrange(0x10000), seq=1)],
            lambda: [ether(dst='ff:ff:ff:ff:ff:ff', src=rand_mac()),
                     arp(op=1, senderMac=rand_mac(), senderIp=rand_ip4(), targetIp=rand_ip4())],
            lambda: [eth(), tagged(Dot1Q, 0x8100, vid=RNG.randint(1, 4094)), ipv4(**rand_ipv4_fields()), rand_udp()],
        ])()

    for k in range(12):
        outer = ipv4(**rand_ipv4_fields()) if k % 3 else ipv6(**rand_ipv6_fields())
        vx = dict(vni=RNG.randrange(2**24))
        if k % 2:
            vx['flags'] = 0x08
        if k % 5 == 4:
            vx.update(reserved1=RNG.randrange(2**24), reserved2=RNG.randrange(256))
        add('vxlan 4789', [eth(), outer, udp(srcPort=RNG.randint(49152, 65535), dstPort=4789),
                           vxlan(**vx), *inner_frame()])
    for k in range(6):
        outer = ipv4(**rand_ipv4_fields()) if k % 2 else ipv6(**rand_ipv6_fields())
        add('vxlan 8472', [eth(), outer, udp(srcPort=RNG.randint(49152, 65535), dstPort=8472),
                           vxlan(vni=RNG.randrange(2**24)), *inner_frame()], options={'udpPort': 8472})

    # GRE: checksum/key/sequence bits; IPv4, IPv6 and transparent Ethernet bridging (NVGRE) inside.
    for k in range(22):
        f: dict = {}
        if k % 2:
            f['checksumPresent'] = True
            if k % 4 == 3:
                f['reserved1'] = RNG.randrange(0x10000)
        if k % 3 != 2:
            f['key'] = RNG.randrange(2**32)
        if k % 5 in (1, 3):
            f['seq'] = RNG.randrange(2**32)
        if k == 20:
            f['reserved0'] = RNG.randrange(1, 0x20)  # the five flag bits, still without routing
        inner_kind = ['ipv4', 'ipv6', 'nvgre'][k % 3]
        if inner_kind == 'nvgre':
            f.pop('key', None)
            vsid, flow = RNG.randrange(2**24), RNG.randrange(256)
            if k % 2:
                f.update(vsid=vsid, flowId=flow)
            else:
                f.update(key=(vsid << 8) | flow)
            inner = inner_frame()
        elif inner_kind == 'ipv4':
            inner = [ipv4(**rand_ipv4_fields()), RNG.choice([rand_udp, rand_tcp])(), *maybe_payload()]
        else:
            inner = [ipv6(**rand_ipv6_fields()), rand_udp(), *maybe_payload()]
        outer = ipv4(**rand_ipv4_fields()) if k % 4 else ipv6(**rand_ipv6_fields())
        add(f'gre {inner_kind}', [eth(), outer, gre(**f), *inner])

    # ESP without a security association: the protected bytes are payload.
    for k in range(5):
        outer = ipv4(**rand_ipv4_fields()) if k % 2 else ipv6(**rand_ipv6_fields())
        add('esp opaque', [eth(), outer, esp_plain(spi=RNG.randrange(1, 2**32), seq=RNG.randrange(1, 2**32)),
                           payload(rand_bytes(RNG.randint(8, 80)))])

    # ESP with AES-GCM (128/192/256) and NULL + HMAC-SHA-256-128, transport and tunnel mode.
    algs = ['aes-gcm-128', 'aes-gcm-192', 'aes-gcm-256', 'null-hmac-sha256-128']
    for k in range(28):
        alg = algs[k % 4]
        mode = ['transport4', 'transport6', 'tunnel44', 'tunnel66', 'tunnel46', 'transport4raw', 'transport6ext'][k // 4]
        add_esp(f'esp {alg} {mode}', alg, mode, default_iv=k in (2, 9, 14), key_in_fields=k % 3 == 0)


ESP_KEY_LENGTH = {'aes-gcm-128': 20, 'aes-gcm-192': 28, 'aes-gcm-256': 36, 'null-hmac-sha256-128': 32}


def make_sa(sa: dict, tunnel=None) -> SecurityAssociation:
    key = bytes.fromhex(sa['key'])
    if sa['alg'].startswith('aes-gcm'):
        return SecurityAssociation(ESP, spi=sa['spi'], crypt_algo='AES-GCM', crypt_key=key, auth_algo='NULL',
                                   tunnel_header=tunnel)
    return SecurityAssociation(ESP, spi=sa['spi'], crypt_algo='NULL', crypt_key=None, auth_algo='SHA2-256-128',
                               auth_key=key, tunnel_header=tunnel)


def esp_open(sa: SecurityAssociation, pkt):
    """Verifies the ICV and decrypts; returns Scapy's _ESPPlain (iv, data, padlen, nh, icv)."""
    encrypted = pkt[ESP]
    sa.check_spi(pkt)
    sa.auth_algo.verify(encrypted, sa.auth_key)
    return sa.crypt_algo.decrypt(sa, encrypted, sa.crypt_key,
                                 sa.crypt_icv_size or sa.crypt_algo.icv_size or sa.auth_algo.icv_size)


def add_esp(name: str, alg: str, mode: str, default_iv: bool, key_in_fields: bool):
    spi, seq = RNG.randrange(1, 2**32), RNG.randrange(1, 2**32)
    key = rand_bytes(ESP_KEY_LENGTH[alg])
    sa_json = {'spi': spi, 'alg': alg, 'key': key.hex()}
    gcm = alg.startswith('aes-gcm')
    iv = (bytes(4) + struct.pack('!I', seq) if default_iv else rand_bytes(8)) if gcm else None
    six = mode in ('transport6', 'transport6ext', 'tunnel66')
    inner_ip = ipv6(**rand_ipv6_fields()) if six or mode == 'tunnel46' else ipv4(**rand_ipv4_fields())
    # Transport mode puts ESP after the hop-by-hop and routing headers (RFC 4303 §3.1.1).
    exts = [hop_by_hop([RouterAlert()]), routing(0, 1, [norm6(rand_ip6())])] if mode == 'transport6ext' else []
    upper = RNG.choice([lambda: [rand_udp(), *maybe_payload(90)], lambda: [rand_tcp(), *maybe_payload(90)]])()
    if not six and mode != 'tunnel46' and RNG.random() < 0.3:
        upper = [icmp(type=8, id=RNG.randrange(0x10000), seq=RNG.randrange(0x10000)), *maybe_payload(40)]
    tunnel = None
    if mode.startswith('tunnel'):
        tunnel = ipv6(**rand_ipv6_fields()) if mode == 'tunnel66' else ipv4(**rand_ipv4_fields())
    sa = make_sa(sa_json, tunnel.pkt if tunnel else None)
    plain = raw(scapy_stack([inner_ip, *exts, *upper]))
    encrypted = sa.encrypt(inner_ip.pkt.__class__(plain), seq_num=seq, iv=iv)
    first = 'ipv4' if mode == 'transport4raw' else 'ethernet'
    link = [] if first != 'ethernet' else [eth()]
    b = raw(scapy_stack(link) / encrypted) if link else raw(encrypted)

    esp_fields: dict = {'layer': 'esp', 'spi': spi, 'seq': seq}
    if gcm and not default_iv:
        esp_fields['iv'] = iv
    if key_in_fields:
        esp_fields.update(alg=alg, key=key)
    outer = [tunnel] if tunnel else [inner_ip, *exts]
    inner = [inner_ip, *upper] if tunnel else upper
    fields = [*json_fields(link + outer), esp_fields, *json_fields(inner)]

    # Scapy's view: the packet as it dissects without the SA, then decrypted with it.
    opaque = dissect(b, first)
    pkt = FIRST[first](b)
    opened = esp_open(sa, pkt)
    nh = opened.nh
    inner_cls = {4: IP, 41: IPv6, 17: UDP, 6: TCP, 1: ICMP}[nh]
    decrypted = to_netloom(inner_cls(raw(opened.data)))
    esp_at = next(i for i, l in enumerate(opaque) if l['layer'] == 'esp')
    expect = [*opaque[:esp_at],
              {'layer': 'esp', 'spi': opened.spi, 'seq': opened.seq, 'alg': alg, 'iv': opened.iv,
               'padLength': opened.padlen, 'nextHeader': nh, 'icv': opened.icv},
              *decrypted]
    opts = {'espSA': sa_json}
    if first != 'ethernet':
        opts['first'] = first
    CASES.append({'name': f'{len(CASES):03d} {name}', 'hex': b.hex(), 'fields': fields, 'expect': expect,
                  'plain': opaque, 'options': opts})


# ----------------------------------------------------------------------------------------------


def decrypt_mode():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            pkt = FIRST[req.get('first', 'ethernet')](bytes.fromhex(req['hex']))
            opened = esp_open(make_sa(req['espSA']), pkt)
            print(json.dumps({'ok': True, 'spi': opened.spi, 'seq': opened.seq, 'data': raw(opened.data).hex(),
                              'padLength': opened.padlen, 'nextHeader': opened.nh}))
        except Exception as e:  # reported per packet; the test names the case
            print(json.dumps({'ok': False, 'error': f'{type(e).__name__}: {e}'}))


def main():
    if '--decrypt' in sys.argv:
        decrypt_mode()
        return
    build_cases()
    for c in CASES:
        print(json.dumps(jsonable(c)))


if __name__ == '__main__':
    main()
