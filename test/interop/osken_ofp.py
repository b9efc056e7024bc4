#!/usr/bin/python3
"""
os-ken's side of netloom's OpenFlow 1.3 differential test (codec in src/openflow/).

Uses Debian's python3-os-ken 2.5.0 (module os_ken) and nothing else.

  osken_ofp.py parse
      Reads one OpenFlow 1.3 message per stdin line, as hex (any case), and prints one JSON line
      per input line:
        {"ok": true, "parser": "os-ken"|"shim", "type": <msg_type>, "xid": <xid>,
         "name": "<os-ken class, e.g. OFPFlowMod>", "json": <to_jsondict()>,
         "reserialized": "<hex>"  or  "reserialize_error": "<why>"}
        {"ok": false, "error": "<repr of the exception>"}
      "reserialized" is what os-ken's own serializer makes of the parsed message.

  osken_ofp.py gen N SEED
      Prints N random but valid messages, round-robin over GENERATORS (so every kind appears once
      N >= len(GENERATORS)), deterministically for a given SEED, one JSON line each:
        {"name": "<os-ken class>", "type": <msg_type>, "parser": "os-ken"|"shim",
         "hex": "<whole message>", "json": <to_jsondict() of the PARSED bytes>}
      Every message is parsed back and must serialize again to the same bytes (asserted).

Two gaps in os-ken 2.5.0 shape this file (its own tests list them in
os_ken/tests/unit/ofproto/test_parser.py, table `implemented`):

* No parser for controller-to-switch messages (features/get-config/barrier/get-async requests,
  set-config, packet-out, group/port/meter/table mod, all multipart requests, queue-get-config
  and role requests, set-async): ofproto_parser.msg() returns None for them. SHIM_PARSERS fill
  the gap by unpacking the fixed part with os-ken's pack strings and the variable part with
  os-ken's own element parsers (OFPMatch/OFPInstruction/OFPAction/OFPBucket/OFPMeterBandHeader/
  OFPTableFeaturesStats.parser) into os-ken's own classes; "parser" is then "shim". os-ken can
  serialize all of these, so `reserialized == input` checks the shim's reading.
* No serializer for switch-to-controller messages (NO_SERIALIZER: hello elements, features,
  get-config, role and get-async replies, packet-in, flow-removed, port-status, queue-get-config
  reply and every multipart reply; their serialize() silently writes just the header).
  HAND_PACKERS build those bytes with os-ken's pack strings (ofproto_v1_3.*_PACK_STR) and
  element serializers; `gen` checks each round trip bytes -> os-ken parser -> HAND_PACKERS.

os-ken's parser loops forever on some input (a hello element padded to 8 bytes, i.e. whose
length is not a multiple of 8; a flow-mod instruction or queue property of unknown type), so parse
mode gives each message PARSE_TIMEOUT_S seconds and then reports a timeout error.
"""
import binascii
import json
import logging
import os
import random
import signal
import struct
import sys

SYSTEM_PYTHON = '/usr/bin/python3'
try:
    from os_ken.lib import addrconv, stringify
    from os_ken.ofproto import ofproto_parser, ofproto_protocol
    from os_ken.ofproto import ofproto_v1_3 as ofp
    from os_ken.ofproto import ofproto_v1_3_parser as ofpp
except ImportError:
    # A pyenv/venv python3 may shadow Debian's, which is the one with python3-os-ken.
    if (os.path.exists(SYSTEM_PYTHON)
            and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)):
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, *sys.argv])
    raise

# The minimal "datapath" os-ken's parsers and serializers need: .ofproto and .ofproto_parser.
DP = ofproto_protocol.ProtocolDesc(version=ofp.OFP_VERSION)
PARSE_TIMEOUT_S = 5

# ofproto_parser.msg() logs every parser exception with a traceback; we report them ourselves.
logging.getLogger('os_ken').setLevel(logging.CRITICAL + 1)

# Message types whose os-ken 2.5.0 class has no serializer (serialize() writes only the header).
NO_SERIALIZER = {
    ofp.OFPT_HELLO, ofp.OFPT_FEATURES_REPLY, ofp.OFPT_GET_CONFIG_REPLY, ofp.OFPT_PACKET_IN,
    ofp.OFPT_FLOW_REMOVED, ofp.OFPT_PORT_STATUS, ofp.OFPT_MULTIPART_REPLY,
    ofp.OFPT_QUEUE_GET_CONFIG_REPLY, ofp.OFPT_ROLE_REPLY, ofp.OFPT_GET_ASYNC_REPLY,
}


# --------------------------------------------------------------------------------------------
# JSON

def _hexlify(data):
    return binascii.hexlify(bytes(data))


# to_jsondict() encodes bytes with its encode_string argument (base64 by default), but os-ken's
# nested objects call to_jsondict() without it; switching the default makes every level hex.
stringify.StringifyMixin.to_jsondict.__defaults__ = (_hexlify,)


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    raise TypeError(f'not JSON serializable: {value!r}')


def to_json(msg):
    """msg.to_jsondict() with bytes as hex and tuples as lists (round-tripped through json)."""
    return json.loads(json.dumps(msg.to_jsondict(), default=_json_default))


def print_json(obj):
    print(json.dumps(obj, default=_json_default), flush=True)


# --------------------------------------------------------------------------------------------
# Element helpers

def ser(element):
    """Bytes of an os-ken element with a serialize(buf, offset) method (match, action, ...)."""
    buf = bytearray()
    element.serialize(buf, 0)
    return bytes(buf)


def parse_list(parse_one, buf, offset, end, size=lambda e: e.len):
    """Elements parse_one(buf, offset) back to back from offset up to end."""
    items = []
    while offset < end:
        item = parse_one(buf, offset)
        if size(item) <= 0:
            raise ValueError(f'{type(item).__name__} with length {size(item)} at offset {offset}')
        items.append(item)
        offset += size(item)
    if offset != end:
        raise ValueError(f'elements overrun their container ({offset} > {end})')
    return items


def mac_bin(text):
    return addrconv.mac.text_to_bin(text)


def mac_text(binary):
    return addrconv.mac.bin_to_text(binary)


# --------------------------------------------------------------------------------------------
# Hand packers: message bodies (after the 8-byte header) for classes os-ken cannot serialize.
# They take os-ken objects (generated or parsed) and use os-ken's pack strings and element
# serializers, so they share os-ken's view of the layout.

def pack_hello(msg):
    body = b''
    for elem in msg.elements:
        words = getattr(elem, '_bitmaps', None)
        if words is None:
            words = [0] * (max(elem.versions) // 32 + 1)
            for v in elem.versions:
                words[v // 32] |= 1 << (v % 32)
        length = ofp.OFP_HELLO_ELEM_VERSIONBITMAP_HEADER_SIZE + 4 * len(words)
        body += struct.pack(ofp.OFP_HELLO_ELEM_VERSIONBITMAP_HEADER_PACK_STR, elem.type, length)
        body += struct.pack(f'!{len(words)}I', *words) + bytes(-length % 8)
    return body


def pack_switch_features(msg):
    return struct.pack(ofp.OFP_SWITCH_FEATURES_PACK_STR, msg.datapath_id, msg.n_buffers,
                       msg.n_tables, msg.auxiliary_id, msg.capabilities,
                       getattr(msg, '_reserved', 0))


def pack_get_config_reply(msg):
    return struct.pack(ofp.OFP_SWITCH_CONFIG_PACK_STR, msg.flags, msg.miss_send_len)


def pack_packet_in(msg):
    return (struct.pack(ofp.OFP_PACKET_IN_PACK_STR, msg.buffer_id, msg.total_len, msg.reason,
                        msg.table_id, msg.cookie)
            + ser(msg.match) + bytes(2) + bytes(msg.data))


def pack_flow_removed(msg):
    return (struct.pack(ofp.OFP_FLOW_REMOVED_PACK_STR0, msg.cookie, msg.priority, msg.reason,
                        msg.table_id, msg.duration_sec, msg.duration_nsec, msg.idle_timeout,
                        msg.hard_timeout, msg.packet_count, msg.byte_count)
            + ser(msg.match))


def pack_port(port):
    return struct.pack(ofp.OFP_PORT_PACK_STR, port.port_no, mac_bin(port.hw_addr), port.name,
                       port.config, port.state, port.curr, port.advertised, port.supported,
                       port.peer, port.curr_speed, port.max_speed)


def pack_port_status(msg):
    return struct.pack('!B7x', msg.reason) + pack_port(msg.desc)


def pack_role_reply(msg):
    return struct.pack(ofp.OFP_ROLE_REQUEST_PACK_STR, msg.role, msg.generation_id)


def pack_get_async_reply(msg):
    return struct.pack(ofp.OFP_ASYNC_CONFIG_PACK_STR, *msg.packet_in_mask,
                       *msg.port_status_mask, *msg.flow_removed_mask)


def pack_queue_prop(prop):
    if isinstance(prop, ofpp.OFPQueuePropExperimenter):
        body = struct.pack(ofp.OFP_QUEUE_PROP_EXPERIMENTER_PACK_STR, prop.experimenter)
        body += bytes(prop.data or [])
    else:  # min/max rate
        body = struct.pack(ofp.OFP_QUEUE_PROP_MIN_RATE_PACK_STR, prop.rate)
    length = ofp.OFP_QUEUE_PROP_HEADER_SIZE + len(body)
    return struct.pack(ofp.OFP_QUEUE_PROP_HEADER_PACK_STR, prop.property, length) + body


def pack_queue_get_config_reply(msg):
    body = struct.pack(ofp.OFP_QUEUE_GET_CONFIG_REPLY_PACK_STR, msg.port)
    for queue in msg.queues:
        props = b''.join(pack_queue_prop(p) for p in queue.properties)
        body += struct.pack(ofp.OFP_PACKET_QUEUE_PACK_STR, queue.queue_id, queue.port,
                            ofp.OFP_PACKET_QUEUE_SIZE + len(props)) + props
    return body


def pack_flow_stats(s):
    tail = ser(s.match) + b''.join(ser(i) for i in s.instructions)
    return struct.pack(ofp.OFP_FLOW_STATS_0_PACK_STR, ofp.OFP_FLOW_STATS_0_SIZE + len(tail),
                       s.table_id, s.duration_sec, s.duration_nsec, s.priority, s.idle_timeout,
                       s.hard_timeout, s.flags, s.cookie, s.packet_count, s.byte_count) + tail


def pack_group_stats(s):
    counters = b''.join(struct.pack(ofp.OFP_BUCKET_COUNTER_PACK_STR, c.packet_count, c.byte_count)
                        for c in s.bucket_stats)
    return struct.pack(ofp.OFP_GROUP_STATS_PACK_STR, ofp.OFP_GROUP_STATS_SIZE + len(counters),
                       s.group_id, s.ref_count, s.packet_count, s.byte_count, s.duration_sec,
                       s.duration_nsec) + counters


def pack_group_desc_stats(s):
    buckets = b''.join(ser(b) for b in s.buckets)
    return struct.pack(ofp.OFP_GROUP_DESC_STATS_PACK_STR,
                       ofp.OFP_GROUP_DESC_STATS_SIZE + len(buckets), s.type, s.group_id) + buckets


def pack_meter_stats(s):
    bands = b''.join(struct.pack(ofp.OFP_METER_BAND_STATS_PACK_STR, b.packet_band_count,
                                 b.byte_band_count) for b in s.band_stats)
    return struct.pack(ofp.OFP_METER_STATS_PACK_STR, s.meter_id,
                       ofp.OFP_METER_STATS_SIZE + len(bands), s.flow_count, s.packet_in_count,
                       s.byte_in_count, s.duration_sec, s.duration_nsec) + bands


def pack_meter_config(s):
    bands = b''.join(ser(b) for b in s.bands)
    return struct.pack(ofp.OFP_METER_CONFIG_PACK_STR, ofp.OFP_METER_CONFIG_SIZE + len(bands),
                       s.flags, s.meter_id) + bands


def pack_group_features(s):
    return struct.pack(ofp.OFP_GROUP_FEATURES_PACK_STR, s.types, s.capabilities,
                       *s.max_groups, *s.actions)


# Multipart reply body entries by stats type.
STATS_PACKERS = {
    ofp.OFPMP_DESC: lambda s: struct.pack(ofp.OFP_DESC_PACK_STR, *s),
    ofp.OFPMP_FLOW: pack_flow_stats,
    ofp.OFPMP_AGGREGATE: lambda s: struct.pack(ofp.OFP_AGGREGATE_STATS_REPLY_PACK_STR, *s),
    ofp.OFPMP_TABLE: lambda s: struct.pack(ofp.OFP_TABLE_STATS_PACK_STR, *s),
    ofp.OFPMP_PORT_STATS: lambda s: struct.pack(ofp.OFP_PORT_STATS_PACK_STR, *s),
    ofp.OFPMP_QUEUE: lambda s: struct.pack(ofp.OFP_QUEUE_STATS_PACK_STR, *s),
    ofp.OFPMP_GROUP: pack_group_stats,
    ofp.OFPMP_GROUP_DESC: pack_group_desc_stats,
    ofp.OFPMP_GROUP_FEATURES: pack_group_features,
    ofp.OFPMP_METER: pack_meter_stats,
    ofp.OFPMP_METER_CONFIG: pack_meter_config,
    ofp.OFPMP_METER_FEATURES: lambda s: struct.pack(ofp.OFP_METER_FEATURES_PACK_STR, *s),
    ofp.OFPMP_TABLE_FEATURES: lambda s: bytes(s.serialize()),
    ofp.OFPMP_PORT_DESC: pack_port,
}


def pack_multipart_reply(msg):
    stats_type = type(msg).cls_stats_type
    entries = [msg.body] if type(msg).cls_body_single_struct else msg.body
    return (struct.pack(ofp.OFP_MULTIPART_REPLY_PACK_STR, stats_type, msg.flags)
            + b''.join(STATS_PACKERS[stats_type](e) for e in entries))


HAND_PACKERS = {
    ofp.OFPT_HELLO: pack_hello,
    ofp.OFPT_FEATURES_REPLY: pack_switch_features,
    ofp.OFPT_GET_CONFIG_REPLY: pack_get_config_reply,
    ofp.OFPT_PACKET_IN: pack_packet_in,
    ofp.OFPT_FLOW_REMOVED: pack_flow_removed,
    ofp.OFPT_PORT_STATUS: pack_port_status,
    ofp.OFPT_MULTIPART_REPLY: pack_multipart_reply,
    ofp.OFPT_QUEUE_GET_CONFIG_REPLY: pack_queue_get_config_reply,
    ofp.OFPT_ROLE_REPLY: pack_role_reply,
    ofp.OFPT_GET_ASYNC_REPLY: pack_get_async_reply,
}
assert set(HAND_PACKERS) == NO_SERIALIZER


def wire_of(msg):
    """Wire bytes of an os-ken message: os-ken's serializer, else HAND_PACKERS."""
    packer = HAND_PACKERS.get(msg.cls_msg_type)
    if packer is None:
        msg.serialize()
        return bytes(msg.buf)
    body = packer(msg)
    return struct.pack(ofp.OFP_HEADER_PACK_STR, ofp.OFP_VERSION, msg.cls_msg_type,
                       ofp.OFP_HEADER_SIZE + len(body), msg.xid or 0) + body


# --------------------------------------------------------------------------------------------
# Shim parsers: controller-to-switch messages os-ken 2.5.0 can serialize but not parse.
# Each takes the whole message and returns the os-ken object os-ken would serialize to it.

H = ofp.OFP_HEADER_SIZE


def shim_header_only(cls):
    return lambda buf: cls(DP)


def shim_set_config(buf):
    return ofpp.OFPSetConfig(DP, *struct.unpack_from(ofp.OFP_SWITCH_CONFIG_PACK_STR, buf, H))


def shim_packet_out(buf):
    buffer_id, in_port, actions_len = struct.unpack_from(ofp.OFP_PACKET_OUT_PACK_STR, buf, H)
    start = ofp.OFP_PACKET_OUT_SIZE
    actions = parse_list(ofpp.OFPAction.parser, buf, start, start + actions_len)
    data = buf[start + actions_len:]
    msg = ofpp.OFPPacketOut(DP, buffer_id, in_port, actions, data if data else None)
    msg.actions_len = actions_len  # the constructor ignores it; serialize() recomputes it
    return msg


def shim_group_mod(buf):
    command, type_, group_id = struct.unpack_from(ofp.OFP_GROUP_MOD_PACK_STR, buf, H)
    buckets = parse_list(ofpp.OFPBucket.parser, buf, ofp.OFP_GROUP_MOD_SIZE, len(buf))
    return ofpp.OFPGroupMod(DP, command, type_, group_id, buckets)


def shim_port_mod(buf):
    port_no, hw_addr, config, mask, advertise = struct.unpack_from(
        ofp.OFP_PORT_MOD_PACK_STR, buf, H)
    return ofpp.OFPPortMod(DP, port_no, mac_text(hw_addr), config, mask, advertise)


def shim_table_mod(buf):
    return ofpp.OFPTableMod(DP, *struct.unpack_from(ofp.OFP_TABLE_MOD_PACK_STR, buf, H))


def shim_meter_mod(buf):
    command, flags, meter_id = struct.unpack_from(ofp.OFP_METER_MOD_PACK_STR, buf, H)
    bands = parse_list(ofpp.OFPMeterBandHeader.parser, buf, ofp.OFP_METER_MOD_SIZE, len(buf))
    return ofpp.OFPMeterMod(DP, command, flags, meter_id, bands)


def shim_queue_get_config_request(buf):
    (port,) = struct.unpack_from(ofp.OFP_QUEUE_GET_CONFIG_REQUEST_PACK_STR, buf, H)
    return ofpp.OFPQueueGetConfigRequest(DP, port)


def shim_role_request(buf):
    return ofpp.OFPRoleRequest(DP, *struct.unpack_from(ofp.OFP_ROLE_REQUEST_PACK_STR, buf, H))


def shim_set_async(buf):
    m = struct.unpack_from(ofp.OFP_ASYNC_CONFIG_PACK_STR, buf, H)
    return ofpp.OFPSetAsync(DP, list(m[0:2]), list(m[2:4]), list(m[4:6]))


def _flow_stats_request(cls):
    def shim(flags, buf, offset):
        fields = struct.unpack_from(ofp.OFP_FLOW_STATS_REQUEST_0_PACK_STR, buf, offset)
        match = ofpp.OFPMatch.parser(buf, offset + ofp.OFP_FLOW_STATS_REQUEST_0_SIZE)
        return cls(DP, flags, *fields, match)
    return shim


def _one_u32_request(cls, pack_str):
    return lambda flags, buf, offset: cls(DP, flags, *struct.unpack_from(pack_str, buf, offset))


def _table_features_request(flags, buf, offset):
    body = parse_list(ofpp.OFPTableFeaturesStats.parser, buf, offset, len(buf),
                      size=lambda e: e.length)
    return ofpp.OFPTableFeaturesStatsRequest(DP, flags, body)


MULTIPART_REQUEST_SHIMS = {
    ofp.OFPMP_DESC: lambda flags, buf, offset: ofpp.OFPDescStatsRequest(DP, flags),
    ofp.OFPMP_FLOW: _flow_stats_request(ofpp.OFPFlowStatsRequest),
    ofp.OFPMP_AGGREGATE: _flow_stats_request(ofpp.OFPAggregateStatsRequest),
    ofp.OFPMP_TABLE: lambda flags, buf, offset: ofpp.OFPTableStatsRequest(DP, flags),
    ofp.OFPMP_PORT_STATS: _one_u32_request(ofpp.OFPPortStatsRequest,
                                           ofp.OFP_PORT_STATS_REQUEST_PACK_STR),
    ofp.OFPMP_QUEUE: _one_u32_request(ofpp.OFPQueueStatsRequest,
                                      ofp.OFP_QUEUE_STATS_REQUEST_PACK_STR),
    ofp.OFPMP_GROUP: _one_u32_request(ofpp.OFPGroupStatsRequest,
                                      ofp.OFP_GROUP_STATS_REQUEST_PACK_STR),
    ofp.OFPMP_GROUP_DESC: lambda flags, buf, offset: ofpp.OFPGroupDescStatsRequest(DP, flags),
    ofp.OFPMP_GROUP_FEATURES:
        lambda flags, buf, offset: ofpp.OFPGroupFeaturesStatsRequest(DP, flags),
    ofp.OFPMP_METER: _one_u32_request(ofpp.OFPMeterStatsRequest,
                                      ofp.OFP_METER_MULTIPART_REQUEST_PACK_STR),
    ofp.OFPMP_METER_CONFIG: _one_u32_request(ofpp.OFPMeterConfigStatsRequest,
                                             ofp.OFP_METER_MULTIPART_REQUEST_PACK_STR),
    ofp.OFPMP_METER_FEATURES:
        lambda flags, buf, offset: ofpp.OFPMeterFeaturesStatsRequest(DP, flags),
    ofp.OFPMP_TABLE_FEATURES: _table_features_request,
    ofp.OFPMP_PORT_DESC: lambda flags, buf, offset: ofpp.OFPPortDescStatsRequest(DP, flags),
}


def shim_multipart_request(buf):
    stats_type, flags = struct.unpack_from(ofp.OFP_MULTIPART_REQUEST_PACK_STR, buf, H)
    shim = MULTIPART_REQUEST_SHIMS.get(stats_type)
    if shim is None:
        raise NotImplementedError(f'no shim parser for multipart request type {stats_type}')
    return shim(flags, buf, ofp.OFP_MULTIPART_REQUEST_SIZE)


SHIM_PARSERS = {
    ofp.OFPT_FEATURES_REQUEST: shim_header_only(ofpp.OFPFeaturesRequest),
    ofp.OFPT_GET_CONFIG_REQUEST: shim_header_only(ofpp.OFPGetConfigRequest),
    ofp.OFPT_SET_CONFIG: shim_set_config,
    ofp.OFPT_PACKET_OUT: shim_packet_out,
    ofp.OFPT_GROUP_MOD: shim_group_mod,
    ofp.OFPT_PORT_MOD: shim_port_mod,
    ofp.OFPT_TABLE_MOD: shim_table_mod,
    ofp.OFPT_METER_MOD: shim_meter_mod,
    ofp.OFPT_MULTIPART_REQUEST: shim_multipart_request,
    ofp.OFPT_BARRIER_REQUEST: shim_header_only(ofpp.OFPBarrierRequest),
    ofp.OFPT_QUEUE_GET_CONFIG_REQUEST: shim_queue_get_config_request,
    ofp.OFPT_ROLE_REQUEST: shim_role_request,
    ofp.OFPT_GET_ASYNC_REQUEST: shim_header_only(ofpp.OFPGetAsyncRequest),
    ofp.OFPT_SET_ASYNC: shim_set_async,
}


# --------------------------------------------------------------------------------------------
# Parsing

class ParseTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that no os-ken `except Exception` swallows it."""


class time_limit:
    """Context manager: raise ParseTimeout after `seconds` (os-ken loops forever on some input)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False

    def _expire(self, signum, frame):
        self.expired = True
        raise ParseTimeout(f'gave up after {self.seconds} s (os-ken parser loops forever?)')

    def __enter__(self):
        signal.signal(signal.SIGALRM, self._expire)
        signal.alarm(self.seconds)
        return self

    def __exit__(self, *exc):
        signal.alarm(0)
        return False


def parse_wire(buf):
    """(os-ken message object, "os-ken" | "shim") for one message; raises when it cannot."""
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    if version == ofp.OFP_VERSION and msg_type in SHIM_PARSERS:
        if msg_len != len(buf):
            raise ValueError(f'header length {msg_len} but {len(buf)} bytes')
        msg = SHIM_PARSERS[msg_type](buf)
        msg.set_headers(version, msg_type, msg_len, xid)
        msg.set_buf(buf)
        return msg, 'shim'
    if version != ofp.OFP_VERSION:
        raise ValueError(f'not OpenFlow 1.3: version {version}')
    if msg_type not in ofpp._MSG_PARSERS:
        raise NotImplementedError(f'os-ken 2.5.0 has no parser for message type {msg_type}')
    with time_limit(PARSE_TIMEOUT_S) as limit:
        msg = ofproto_parser.msg(DP, version, msg_type, msg_len, xid, buf)
    if msg is None:
        # ofproto_parser.msg() logs and swallows parser exceptions (even our timeout): parse
        # again without it to get the exception itself.
        if limit.expired:
            raise ParseTimeout(f'gave up after {PARSE_TIMEOUT_S} s (os-ken parser loops forever)')
        with time_limit(PARSE_TIMEOUT_S):
            ofpp.msg_parser(DP, version, msg_type, msg_len, xid, buf)
        raise ValueError('os-ken returned no message')
    return msg, 'os-ken'


def reserialize(msg):
    """{"reserialized": hex} from os-ken's serializer, or {"reserialize_error": why}."""
    if msg.msg_type in NO_SERIALIZER:
        return {'reserialize_error': f'os-ken 2.5.0 cannot serialize {type(msg).__name__}'}
    try:
        with time_limit(PARSE_TIMEOUT_S):
            msg.serialize()
        return {'reserialized': bytes(msg.buf).hex()}
    except (Exception, ParseTimeout) as e:
        return {'reserialize_error': repr(e)}


def parse_line(line):
    try:
        buf = bytes.fromhex(line.strip())
        msg, parser = parse_wire(buf)
        out = {'ok': True, 'parser': parser, 'type': msg.msg_type, 'xid': msg.xid,
               'name': type(msg).__name__, 'json': to_json(msg)}
    except (Exception, ParseTimeout) as e:
        return {'ok': False, 'error': repr(e)}
    out.update(reserialize(msg))
    return out


def run_parse():
    for line in sys.stdin:
        print_json(parse_line(line))


# --------------------------------------------------------------------------------------------
# Random values

RESERVED_PORTS = [ofp.OFPP_IN_PORT, ofp.OFPP_TABLE, ofp.OFPP_NORMAL, ofp.OFPP_FLOOD,
                  ofp.OFPP_ALL, ofp.OFPP_CONTROLLER, ofp.OFPP_LOCAL]
TEXT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./'


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def rand_text(rng, lo, hi):
    """ASCII bytes (os-ken types names and descriptions as ascii/utf-8 text)."""
    return ''.join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(lo, hi))).encode()


def rand_mac(rng):
    return mac_text(rand_bytes(rng, 6))


def rand_port(rng, extra=()):
    """A physical port number or one of the reserved ports (plus `extra` choices)."""
    choices = RESERVED_PORTS + list(extra)
    if rng.random() < 0.6:
        return rng.randint(1, ofp.OFPP_MAX)
    return rng.choice(choices)


def rand_group(rng, extra=()):
    return rng.randint(0, ofp.OFPG_MAX) if rng.random() < 0.7 else rng.choice([*extra, 0])


def rand_flags(rng, *flags):
    """OR of a random subset of flags."""
    return sum(f for f in flags if rng.random() < 0.5)


def u8(rng):
    return rng.getrandbits(8)


def u16(rng):
    return rng.getrandbits(16)


def u32(rng):
    return rng.getrandbits(32)


def u64(rng):
    return rng.getrandbits(64)


def rand_data(rng, lo, hi):
    return rand_bytes(rng, rng.randint(lo, hi))


# --------------------------------------------------------------------------------------------
# Match fields, actions, instructions

# OpenFlow 1.3.5 basic match fields: (os-ken name, value bits, maskable).
MATCH_FIELDS = [
    ('in_port', 32, False), ('in_phy_port', 32, False), ('metadata', 64, True),
    ('eth_dst', 48, True), ('eth_src', 48, True), ('eth_type', 16, False),
    ('vlan_vid', 13, True), ('vlan_pcp', 3, False), ('ip_dscp', 6, False), ('ip_ecn', 2, False),
    ('ip_proto', 8, False), ('ipv4_src', 32, True), ('ipv4_dst', 32, True),
    ('tcp_src', 16, False), ('tcp_dst', 16, False), ('udp_src', 16, False),
    ('udp_dst', 16, False), ('sctp_src', 16, False), ('sctp_dst', 16, False),
    ('icmpv4_type', 8, False), ('icmpv4_code', 8, False), ('arp_op', 16, False),
    ('arp_spa', 32, True), ('arp_tpa', 32, True), ('arp_sha', 48, True), ('arp_tha', 48, True),
    ('ipv6_src', 128, True), ('ipv6_dst', 128, True), ('ipv6_flabel', 20, True),
    ('icmpv6_type', 8, False), ('icmpv6_code', 8, False), ('ipv6_nd_target', 128, False),
    ('ipv6_nd_sll', 48, False), ('ipv6_nd_tll', 48, False), ('mpls_label', 20, False),
    ('mpls_tc', 3, False), ('mpls_bos', 1, False), ('pbb_isid', 24, True),
    ('tunnel_id', 64, True), ('ipv6_exthdr', 9, True),
]
FIELD_BITS = {name: bits for name, bits, _ in MATCH_FIELDS}
# Set-field cannot set these pipeline fields.
SETTABLE_FIELDS = [f for f in MATCH_FIELDS
                   if f[0] not in ('in_port', 'in_phy_port', 'metadata', 'ipv6_exthdr')]


def rand_mask(rng, bits):
    """A non-zero mask: a prefix mask half of the time, random bits otherwise."""
    if rng.random() < 0.5:
        prefix = rng.randint(1, bits)
        return ((1 << prefix) - 1) << (bits - prefix)
    return rng.getrandbits(bits) or 1


def rand_oxm(rng, name, maskable=False):
    """(name, os-ken user value) for one OXM; the value already has the mask applied."""
    bits = FIELD_BITS[name]
    num, field_type = ofp.oxm_get_field_info_by_name(name)
    value = rng.getrandbits(bits)
    if name == 'vlan_vid':
        value = ofp.OFPVID_NONE if rng.random() < 0.2 else ofp.OFPVID_PRESENT | rng.getrandbits(12)
    mask = rand_mask(rng, bits) if maskable and rng.random() < 0.5 else None
    if mask is not None:
        value &= mask
    to_bin = lambda n: n.to_bytes(field_type.size, 'big')
    return ofp.oxm_to_user(num, to_bin(value), None if mask is None else to_bin(mask))


def rand_match(rng, lo=0, hi=8, first=()):
    """OFPMatch with fields `first` then random distinct others, in random (wire) order."""
    others = [f for f in MATCH_FIELDS if f[0] not in first]
    chosen = [f for f in MATCH_FIELDS if f[0] in first]
    chosen += rng.sample(others, rng.randint(lo, hi))
    fields = [rand_oxm(rng, name, maskable) for name, _, maskable in chosen]
    return ofpp.OFPMatch(_ordered_fields=fields)


def rand_max_len(rng):
    return rng.choice([ofp.OFPCML_MAX, ofp.OFPCML_NO_BUFFER, rng.randint(0, ofp.OFPCML_MAX)])


ACTION_MAKERS = [
    lambda rng: ofpp.OFPActionOutput(rand_port(rng), rand_max_len(rng)),
    lambda rng: ofpp.OFPActionCopyTtlOut(),
    lambda rng: ofpp.OFPActionCopyTtlIn(),
    lambda rng: ofpp.OFPActionSetMplsTtl(u8(rng)),
    lambda rng: ofpp.OFPActionDecMplsTtl(),
    lambda rng: ofpp.OFPActionPushVlan(rng.choice([0x8100, 0x88a8])),
    lambda rng: ofpp.OFPActionPopVlan(),
    lambda rng: ofpp.OFPActionPushMpls(rng.choice([0x8847, 0x8848])),
    lambda rng: ofpp.OFPActionPopMpls(rng.choice([0x0800, 0x86dd, 0x8847, 0x8848])),
    lambda rng: ofpp.OFPActionSetQueue(u32(rng)),
    lambda rng: ofpp.OFPActionGroup(rng.randint(0, ofp.OFPG_MAX)),
    lambda rng: ofpp.OFPActionSetNwTtl(u8(rng)),
    lambda rng: ofpp.OFPActionDecNwTtl(),
    lambda rng: ofpp.OFPActionSetField(**dict([rand_oxm(rng, rng.choice(SETTABLE_FIELDS)[0])])),
    lambda rng: ofpp.OFPActionPushPbb(0x88e7),
    lambda rng: ofpp.OFPActionPopPbb(),
]


def rand_actions(rng, lo=0, hi=5):
    return [rng.choice(ACTION_MAKERS)(rng) for _ in range(rng.randint(lo, hi))]


INSTRUCTION_MAKERS = [
    lambda rng: ofpp.OFPInstructionGotoTable(rng.randint(1, ofp.OFPTT_MAX)),
    lambda rng: ofpp.OFPInstructionWriteMetadata(u64(rng), u64(rng)),
    lambda rng: ofpp.OFPInstructionActions(ofp.OFPIT_WRITE_ACTIONS, rand_actions(rng)),
    lambda rng: ofpp.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, rand_actions(rng)),
    lambda rng: ofpp.OFPInstructionActions(ofp.OFPIT_CLEAR_ACTIONS, []),
    lambda rng: ofpp.OFPInstructionMeter(rng.randint(1, ofp.OFPM_MAX)),
]


def rand_instructions(rng):
    """At most one instruction of each type, in random order."""
    makers = rng.sample(INSTRUCTION_MAKERS, rng.randint(0, len(INSTRUCTION_MAKERS)))
    return [make(rng) for make in makers]


def rand_bucket(rng, group_type):
    weight = rng.randint(1, 0xffff) if group_type == ofp.OFPGT_SELECT else 0
    if group_type == ofp.OFPGT_FF:
        watch_port = rand_port(rng, [ofp.OFPP_ANY])
        watch_group = rand_group(rng, [ofp.OFPG_ANY])
    else:
        watch_port, watch_group = ofp.OFPP_ANY, ofp.OFPG_ANY
    return ofpp.OFPBucket(weight, watch_port, watch_group, rand_actions(rng))


def rand_buckets(rng, group_type):
    count = 1 if group_type == ofp.OFPGT_INDIRECT else rng.randint(0, 4)
    return [rand_bucket(rng, group_type) for _ in range(count)]


def rand_meter_flags(rng):
    return rng.choice([ofp.OFPMF_KBPS, ofp.OFPMF_PKTPS]) | rand_flags(
        rng, ofp.OFPMF_BURST, ofp.OFPMF_STATS)


def rand_bands(rng, lo=1, hi=3):
    def band():
        if rng.random() < 0.5:
            return ofpp.OFPMeterBandDrop(u32(rng), u32(rng))
        return ofpp.OFPMeterBandDscpRemark(u32(rng), u32(rng), rng.randint(1, 63))
    return [band() for _ in range(rng.randint(lo, hi))]


def rand_port_desc(rng):
    return ofpp.OFPPort(
        port_no=rand_port(rng, [ofp.OFPP_LOCAL]), hw_addr=rand_mac(rng),
        name=rand_text(rng, 1, ofp.OFP_MAX_PORT_NAME_LEN - 1),
        config=rand_flags(rng, ofp.OFPPC_PORT_DOWN, ofp.OFPPC_NO_RECV, ofp.OFPPC_NO_FWD,
                          ofp.OFPPC_NO_PACKET_IN),
        state=rand_flags(rng, ofp.OFPPS_LINK_DOWN, ofp.OFPPS_BLOCKED, ofp.OFPPS_LIVE),
        curr=rng.getrandbits(16), advertised=rng.getrandbits(16),
        supported=rng.getrandbits(16), peer=rng.getrandbits(16),
        curr_speed=u32(rng), max_speed=u32(rng))


def multipart_flags(rng, more_flag):
    return more_flag if rng.random() < 0.3 else 0


# Table-features properties: one generator per property class os-ken implements.
INSTRUCTION_TYPES = [ofp.OFPIT_GOTO_TABLE, ofp.OFPIT_WRITE_METADATA, ofp.OFPIT_WRITE_ACTIONS,
                     ofp.OFPIT_APPLY_ACTIONS, ofp.OFPIT_CLEAR_ACTIONS, ofp.OFPIT_METER]
ACTION_TYPES = [ofp.OFPAT_OUTPUT, ofp.OFPAT_COPY_TTL_OUT, ofp.OFPAT_COPY_TTL_IN,
                ofp.OFPAT_SET_MPLS_TTL, ofp.OFPAT_DEC_MPLS_TTL, ofp.OFPAT_PUSH_VLAN,
                ofp.OFPAT_POP_VLAN, ofp.OFPAT_PUSH_MPLS, ofp.OFPAT_POP_MPLS, ofp.OFPAT_SET_QUEUE,
                ofp.OFPAT_GROUP, ofp.OFPAT_SET_NW_TTL, ofp.OFPAT_DEC_NW_TTL, ofp.OFPAT_SET_FIELD,
                ofp.OFPAT_PUSH_PBB, ofp.OFPAT_POP_PBB]


def prop_instructions(rng, type_):
    ids = [ofpp.OFPInstructionId(t) for t in rng.sample(INSTRUCTION_TYPES, rng.randint(0, 6))]
    return ofpp.OFPTableFeaturePropInstructions(type_, instruction_ids=ids)


def prop_next_tables(rng, type_):
    ids = sorted(rng.sample(range(1, ofp.OFPTT_MAX + 1), rng.randint(0, 12)))
    return ofpp.OFPTableFeaturePropNextTables(type_, table_ids=ids)


def prop_actions(rng, type_):
    ids = [ofpp.OFPActionId(t) for t in rng.sample(ACTION_TYPES, rng.randint(0, 10))]
    return ofpp.OFPTableFeaturePropActions(type_, action_ids=ids)


def prop_oxm(rng, type_):
    # Basic-class OXM ids only: OFPExperimenterOxmId.serialize() returns None in os-ken 2.5.0.
    ids = [ofpp.OFPOxmId(name, hasmask=maskable and rng.random() < 0.5)
           for name, _, maskable in rng.sample(MATCH_FIELDS, rng.randint(0, 12))]
    return ofpp.OFPTableFeaturePropOxm(type_, oxm_ids=ids)


def prop_experimenter(rng, type_):
    data = [u32(rng) for _ in range(rng.randint(0, 3))]
    return ofpp.OFPTableFeaturePropExperimenter(type_, experimenter=u32(rng),
                                                exp_type=u32(rng), data=data)


TABLE_FEATURE_PROPS = [
    (ofp.OFPTFPT_INSTRUCTIONS, prop_instructions),
    (ofp.OFPTFPT_INSTRUCTIONS_MISS, prop_instructions),
    (ofp.OFPTFPT_NEXT_TABLES, prop_next_tables),
    (ofp.OFPTFPT_NEXT_TABLES_MISS, prop_next_tables),
    (ofp.OFPTFPT_WRITE_ACTIONS, prop_actions),
    (ofp.OFPTFPT_WRITE_ACTIONS_MISS, prop_actions),
    (ofp.OFPTFPT_APPLY_ACTIONS, prop_actions),
    (ofp.OFPTFPT_APPLY_ACTIONS_MISS, prop_actions),
    (ofp.OFPTFPT_MATCH, prop_oxm),
    (ofp.OFPTFPT_WILDCARDS, prop_oxm),
    (ofp.OFPTFPT_WRITE_SETFIELD, prop_oxm),
    (ofp.OFPTFPT_WRITE_SETFIELD_MISS, prop_oxm),
    (ofp.OFPTFPT_APPLY_SETFIELD, prop_oxm),
    (ofp.OFPTFPT_APPLY_SETFIELD_MISS, prop_oxm),
    (ofp.OFPTFPT_EXPERIMENTER, prop_experimenter),
    (ofp.OFPTFPT_EXPERIMENTER_MISS, prop_experimenter),
]


def rand_table_features(rng, all_props=False):
    props = TABLE_FEATURE_PROPS if all_props else rng.sample(
        TABLE_FEATURE_PROPS, rng.randint(0, len(TABLE_FEATURE_PROPS)))
    return ofpp.OFPTableFeaturesStats(
        table_id=rng.randint(0, ofp.OFPTT_MAX),
        name=rand_text(rng, 0, ofp.OFP_MAX_TABLE_NAME_LEN - 1),
        metadata_match=u64(rng), metadata_write=u64(rng), config=rng.choice([0, 3]),
        max_entries=u32(rng), properties=[make(rng, type_) for type_, make in props])


# --------------------------------------------------------------------------------------------
# Message generators: one small function per message kind, returning an os-ken object.

def gen_hello(rng):
    return ofpp.OFPHello(DP)


def gen_hello_bitmap(rng):
    # One or three 32-bit words: os-ken steps over an element by its unpadded length, so an even
    # word count (length % 8 == 4, padded) makes it loop forever on the padding. Bit 31 of each
    # word is left clear because os-ken's parser ignores it.
    words = [1 << ofp.OFP_VERSION | rng.getrandbits(7) << 1]
    words += [rng.getrandbits(31) for _ in range(rng.choice([0, 2]))]
    elem = ofpp.OFPHelloElemVersionBitmap(
        [i * 32 + b for i, w in enumerate(words) for b in range(31) if w >> b & 1])
    elem._bitmaps = words
    return ofpp.OFPHello(DP, elements=[elem])


ERROR_TYPES = [ofp.OFPET_HELLO_FAILED, ofp.OFPET_BAD_REQUEST, ofp.OFPET_BAD_ACTION,
               ofp.OFPET_BAD_INSTRUCTION, ofp.OFPET_BAD_MATCH, ofp.OFPET_FLOW_MOD_FAILED,
               ofp.OFPET_GROUP_MOD_FAILED, ofp.OFPET_PORT_MOD_FAILED, ofp.OFPET_TABLE_MOD_FAILED,
               ofp.OFPET_QUEUE_OP_FAILED, ofp.OFPET_SWITCH_CONFIG_FAILED,
               ofp.OFPET_ROLE_REQUEST_FAILED, ofp.OFPET_METER_MOD_FAILED,
               ofp.OFPET_TABLE_FEATURES_FAILED]


def gen_error(rng):
    data = rand_data(rng, 0, 80)
    if rng.random() < 0.2:
        return ofpp.OFPErrorMsg(DP, type_=ofp.OFPET_EXPERIMENTER, exp_type=u16(rng),
                                experimenter=u32(rng), data=data)
    return ofpp.OFPErrorMsg(DP, rng.choice(ERROR_TYPES), rng.randint(0, 15), data)


def gen_echo_request(rng):
    return ofpp.OFPEchoRequest(DP, rand_data(rng, 0, 32))


def gen_echo_reply(rng):
    return ofpp.OFPEchoReply(DP, rand_data(rng, 0, 32))


def gen_experimenter(rng):
    experimenter = u32(rng)
    while any(experimenter == known for known, _ in ofpp.OFPExperimenter._subtypes):
        experimenter = u32(rng)
    return ofpp.OFPExperimenter(DP, experimenter, u32(rng), rand_data(rng, 0, 24))


def gen_features_request(rng):
    return ofpp.OFPFeaturesRequest(DP)


def gen_switch_features(rng):
    return ofpp.OFPSwitchFeatures(
        DP, u64(rng), u32(rng), u8(rng), rng.choice([0, 0, u8(rng)]),
        rand_flags(rng, ofp.OFPC_FLOW_STATS, ofp.OFPC_TABLE_STATS, ofp.OFPC_PORT_STATS,
                   ofp.OFPC_GROUP_STATS, ofp.OFPC_IP_REASM, ofp.OFPC_QUEUE_STATS,
                   ofp.OFPC_PORT_BLOCKED))


def gen_get_config_request(rng):
    return ofpp.OFPGetConfigRequest(DP)


def rand_switch_config(rng):
    return rng.randint(0, ofp.OFPC_FRAG_MASK), rand_max_len(rng)


def gen_get_config_reply(rng):
    return ofpp.OFPGetConfigReply(DP, *rand_switch_config(rng))


def gen_set_config(rng):
    return ofpp.OFPSetConfig(DP, *rand_switch_config(rng))


def gen_packet_in(rng):
    data = rand_data(rng, 14, 120)
    buffered = rng.random() < 0.4
    return ofpp.OFPPacketIn(
        DP, buffer_id=u32(rng) if buffered else ofp.OFP_NO_BUFFER,
        total_len=len(data) + (rng.randint(0, 1400) if buffered else 0),
        reason=rng.choice([ofp.OFPR_NO_MATCH, ofp.OFPR_ACTION, ofp.OFPR_INVALID_TTL]),
        table_id=rng.randint(0, ofp.OFPTT_MAX), cookie=u64(rng),
        match=rand_match(rng, 0, rng.choice([0, 4]), first=('in_port',)), data=data)


def gen_flow_removed(rng):
    return ofpp.OFPFlowRemoved(
        DP, cookie=u64(rng), priority=u16(rng),
        reason=rng.choice([ofp.OFPRR_IDLE_TIMEOUT, ofp.OFPRR_HARD_TIMEOUT, ofp.OFPRR_DELETE,
                           ofp.OFPRR_GROUP_DELETE]),
        table_id=rng.randint(0, ofp.OFPTT_MAX), duration_sec=u32(rng),
        duration_nsec=rng.randint(0, 999_999_999), idle_timeout=u16(rng),
        hard_timeout=u16(rng), packet_count=u64(rng), byte_count=u64(rng),
        match=rand_match(rng))


def gen_port_status(rng):
    return ofpp.OFPPortStatus(DP, rng.choice([ofp.OFPPR_ADD, ofp.OFPPR_DELETE, ofp.OFPPR_MODIFY]),
                              rand_port_desc(rng))


def gen_packet_out(rng):
    # With data but no actions os-ken's serializer writes the 16-byte packet-out header over the
    # first 16 bytes of data (it appends data at offset 8), so unbuffered ones get an action.
    buffered = rng.random() < 0.3
    return ofpp.OFPPacketOut(
        DP, buffer_id=u32(rng) % ofp.OFP_NO_BUFFER if buffered else ofp.OFP_NO_BUFFER,
        in_port=rng.choice([ofp.OFPP_CONTROLLER, ofp.OFPP_ANY, rng.randint(1, ofp.OFPP_MAX)]),
        actions=rand_actions(rng, 0 if buffered else 1),
        data=None if buffered else rand_data(rng, 14, 120))


def gen_flow_mod(command):
    def gen(rng):
        deleting = command in (ofp.OFPFC_DELETE, ofp.OFPFC_DELETE_STRICT)
        return ofpp.OFPFlowMod(
            DP, cookie=u64(rng), cookie_mask=u64(rng) if rng.random() < 0.5 else 0,
            table_id=rng.choice([rng.randint(0, ofp.OFPTT_MAX)]
                                + ([ofp.OFPTT_ALL] if deleting else [])),
            command=command, idle_timeout=u16(rng), hard_timeout=u16(rng),
            priority=u16(rng), buffer_id=rng.choice([ofp.OFP_NO_BUFFER, u32(rng)]),
            out_port=rand_port(rng, [ofp.OFPP_ANY]), out_group=rand_group(rng, [ofp.OFPG_ANY]),
            flags=rand_flags(rng, ofp.OFPFF_SEND_FLOW_REM, ofp.OFPFF_CHECK_OVERLAP,
                             ofp.OFPFF_RESET_COUNTS, ofp.OFPFF_NO_PKT_COUNTS,
                             ofp.OFPFF_NO_BYT_COUNTS),
            match=rand_match(rng), instructions=[] if deleting else rand_instructions(rng))
    return gen


def gen_group_mod(group_type):
    def gen(rng):
        command = rng.choice([ofp.OFPGC_ADD, ofp.OFPGC_MODIFY, ofp.OFPGC_DELETE])
        buckets = [] if command == ofp.OFPGC_DELETE else rand_buckets(rng, group_type)
        group_id = rng.choice([rng.randint(0, ofp.OFPG_MAX)]
                              + ([ofp.OFPG_ALL] if command == ofp.OFPGC_DELETE else []))
        return ofpp.OFPGroupMod(DP, command, group_type, group_id, buckets)
    return gen


def gen_port_mod(rng):
    config_bits = (ofp.OFPPC_PORT_DOWN, ofp.OFPPC_NO_RECV, ofp.OFPPC_NO_FWD,
                   ofp.OFPPC_NO_PACKET_IN)
    return ofpp.OFPPortMod(DP, rng.randint(1, ofp.OFPP_MAX), rand_mac(rng),
                           rand_flags(rng, *config_bits), rand_flags(rng, *config_bits),
                           rng.getrandbits(16))


def gen_table_mod(rng):
    return ofpp.OFPTableMod(DP, rng.choice([ofp.OFPTT_ALL, rng.randint(0, ofp.OFPTT_MAX)]),
                            rng.choice([0, 3]))


def gen_meter_mod(rng):
    command = rng.choice([ofp.OFPMC_ADD, ofp.OFPMC_MODIFY, ofp.OFPMC_DELETE])
    meter_id = rng.choice([rng.randint(1, ofp.OFPM_MAX), ofp.OFPM_SLOWPATH, ofp.OFPM_CONTROLLER]
                          + ([ofp.OFPM_ALL] if command == ofp.OFPMC_DELETE else []))
    bands = [] if command == ofp.OFPMC_DELETE else rand_bands(rng)
    return ofpp.OFPMeterMod(DP, command, rand_meter_flags(rng), meter_id, bands)


def gen_barrier_request(rng):
    return ofpp.OFPBarrierRequest(DP)


def gen_barrier_reply(rng):
    return ofpp.OFPBarrierReply(DP)


ROLES = [ofp.OFPCR_ROLE_NOCHANGE, ofp.OFPCR_ROLE_EQUAL, ofp.OFPCR_ROLE_MASTER,
         ofp.OFPCR_ROLE_SLAVE]


def gen_role_request(rng):
    return ofpp.OFPRoleRequest(DP, rng.choice(ROLES), u64(rng))


def gen_role_reply(rng):
    return ofpp.OFPRoleReply(DP, rng.choice(ROLES), u64(rng))


def gen_get_async_request(rng):
    return ofpp.OFPGetAsyncRequest(DP)


def rand_async_masks(rng):
    """packet_in (3 reasons), port_status (3 reasons), flow_removed (4 reasons) mask pairs."""
    return ([rng.getrandbits(3) for _ in range(2)], [rng.getrandbits(3) for _ in range(2)],
            [rng.getrandbits(4) for _ in range(2)])


def gen_get_async_reply(rng):
    return ofpp.OFPGetAsyncReply(DP, *rand_async_masks(rng))


def gen_set_async(rng):
    return ofpp.OFPSetAsync(DP, *rand_async_masks(rng))


def gen_queue_get_config_request(rng):
    return ofpp.OFPQueueGetConfigRequest(DP, rand_port(rng, [ofp.OFPP_ANY]))


def gen_queue_get_config_reply(rng):
    def prop():
        kind = rng.randrange(3)
        if kind == 0:
            return ofpp.OFPQueuePropMinRate(rng.randint(0, 1001))
        if kind == 1:
            return ofpp.OFPQueuePropMaxRate(rng.randint(0, 1001))
        return ofpp.OFPQueuePropExperimenter(u32(rng), list(rand_bytes(rng, rng.choice([0, 8]))))
    port = rng.randint(1, ofp.OFPP_MAX)
    queues = [ofpp.OFPPacketQueue(u32(rng), port, [prop() for _ in range(rng.randint(0, 3))])
              for _ in range(rng.randint(0, 3))]
    return ofpp.OFPQueueGetConfigReply(DP, queues, port)


# Multipart requests

def req_flags(rng):
    return multipart_flags(rng, ofp.OFPMPF_REQ_MORE)


def flow_stats_request_args(rng):
    return dict(flags=req_flags(rng), table_id=rng.choice([ofp.OFPTT_ALL, rng.randint(0, 254)]),
                out_port=rand_port(rng, [ofp.OFPP_ANY]), out_group=rand_group(rng, [ofp.OFPG_ANY]),
                cookie=u64(rng), cookie_mask=rng.choice([0, u64(rng)]), match=rand_match(rng))


def gen_flow_stats_request(rng):
    return ofpp.OFPFlowStatsRequest(DP, **flow_stats_request_args(rng))


def gen_aggregate_stats_request(rng):
    return ofpp.OFPAggregateStatsRequest(DP, **flow_stats_request_args(rng))


def gen_port_stats_request(rng):
    return ofpp.OFPPortStatsRequest(DP, req_flags(rng), rand_port(rng, [ofp.OFPP_ANY]))


def gen_queue_stats_request(rng):
    return ofpp.OFPQueueStatsRequest(DP, req_flags(rng), rand_port(rng, [ofp.OFPP_ANY]),
                                     rng.choice([ofp.OFPQ_ALL, u32(rng)]))


def gen_group_stats_request(rng):
    return ofpp.OFPGroupStatsRequest(DP, req_flags(rng), rand_group(rng, [ofp.OFPG_ALL]))


def gen_meter_stats_request(rng):
    return ofpp.OFPMeterStatsRequest(DP, req_flags(rng),
                                     rng.choice([ofp.OFPM_ALL, rng.randint(1, ofp.OFPM_MAX)]))


def gen_meter_config_stats_request(rng):
    return ofpp.OFPMeterConfigStatsRequest(DP, req_flags(rng),
                                           rng.choice([ofp.OFPM_ALL, rng.randint(1, ofp.OFPM_MAX)]))


def gen_body_less_request(cls):
    return lambda rng: cls(DP, req_flags(rng))


def gen_table_features_request_empty(rng):
    return ofpp.OFPTableFeaturesStatsRequest(DP, req_flags(rng), body=[])


def gen_table_features_request(rng):
    body = [rand_table_features(rng) for _ in range(rng.randint(1, 3))]
    return ofpp.OFPTableFeaturesStatsRequest(DP, req_flags(rng), body=body)


# Multipart replies (hand-packed)

def reply(cls, body):
    def gen(rng):
        return cls(DP, body=body(rng), flags=multipart_flags(rng, ofp.OFPMPF_REPLY_MORE))
    return gen


def entries(make, lo=0, hi=4):
    return lambda rng: [make(rng) for _ in range(rng.randint(lo, hi))]


def desc_stats(rng):
    desc = lambda: rand_text(rng, 0, ofp.DESC_STR_LEN - 1)
    return ofpp.OFPDescStats(desc(), desc(), desc(), rand_text(rng, 0, ofp.SERIAL_NUM_LEN - 1),
                             desc())


def flow_stats(rng):
    return ofpp.OFPFlowStats(
        table_id=rng.randint(0, ofp.OFPTT_MAX), duration_sec=u32(rng),
        duration_nsec=rng.randint(0, 999_999_999), priority=u16(rng), idle_timeout=u16(rng),
        hard_timeout=u16(rng), flags=rng.getrandbits(5), cookie=u64(rng),
        packet_count=u64(rng), byte_count=u64(rng), match=rand_match(rng),
        instructions=rand_instructions(rng))


def group_stats(rng):
    return ofpp.OFPGroupStats(
        group_id=rng.randint(0, ofp.OFPG_MAX), ref_count=u32(rng), packet_count=u64(rng),
        byte_count=u64(rng), duration_sec=u32(rng), duration_nsec=rng.randint(0, 999_999_999),
        bucket_stats=[ofpp.OFPBucketCounter(u64(rng), u64(rng)) for _ in range(rng.randint(0, 3))])


def group_desc_stats(rng):
    group_type = rng.choice([ofp.OFPGT_ALL, ofp.OFPGT_SELECT, ofp.OFPGT_INDIRECT, ofp.OFPGT_FF])
    return ofpp.OFPGroupDescStats(group_type, rng.randint(0, ofp.OFPG_MAX),
                                  rand_buckets(rng, group_type))


def group_features(rng):
    return ofpp.OFPGroupFeaturesStats(
        rng.getrandbits(4), rand_flags(rng, ofp.OFPGFC_SELECT_WEIGHT, ofp.OFPGFC_SELECT_LIVENESS,
                                       ofp.OFPGFC_CHAINING, ofp.OFPGFC_CHAINING_CHECKS),
        [u32(rng) for _ in range(4)], [rng.getrandbits(28) for _ in range(4)])


def meter_stats(rng):
    return ofpp.OFPMeterStats(
        meter_id=rng.randint(1, ofp.OFPM_MAX), flow_count=u32(rng), packet_in_count=u64(rng),
        byte_in_count=u64(rng), duration_sec=u32(rng), duration_nsec=rng.randint(0, 999_999_999),
        band_stats=[ofpp.OFPMeterBandStats(u64(rng), u64(rng)) for _ in range(rng.randint(0, 3))])


def meter_config(rng):
    return ofpp.OFPMeterConfigStats(rand_meter_flags(rng), rng.randint(1, ofp.OFPM_MAX),
                                    rand_bands(rng, 0, 3))


def meter_features(rng):
    return ofpp.OFPMeterFeaturesStats(
        u32(rng), 1 << ofp.OFPMBT_DROP | 1 << ofp.OFPMBT_DSCP_REMARK, rng.getrandbits(4),
        u8(rng), u8(rng))


def table_features_reply_body(rng):
    body = [rand_table_features(rng, all_props=True)]
    return body + [rand_table_features(rng) for _ in range(rng.randint(0, 2))]


def namedtuple_stats(cls, *makers):
    return lambda rng: cls(*(make(rng) for make in makers))


GENERATORS = [
    ('OFPHello', gen_hello),
    ('OFPHello', gen_hello_bitmap),
    ('OFPErrorMsg', gen_error),
    ('OFPEchoRequest', gen_echo_request),
    ('OFPEchoReply', gen_echo_reply),
    ('OFPExperimenter', gen_experimenter),
    ('OFPFeaturesRequest', gen_features_request),
    ('OFPSwitchFeatures', gen_switch_features),
    ('OFPGetConfigRequest', gen_get_config_request),
    ('OFPGetConfigReply', gen_get_config_reply),
    ('OFPSetConfig', gen_set_config),
    ('OFPPacketIn', gen_packet_in),
    ('OFPFlowRemoved', gen_flow_removed),
    ('OFPPortStatus', gen_port_status),
    ('OFPPacketOut', gen_packet_out),
    *[('OFPFlowMod', gen_flow_mod(command))
      for command in (ofp.OFPFC_ADD, ofp.OFPFC_MODIFY, ofp.OFPFC_MODIFY_STRICT,
                      ofp.OFPFC_DELETE, ofp.OFPFC_DELETE_STRICT)],
    *[('OFPGroupMod', gen_group_mod(group_type))
      for group_type in (ofp.OFPGT_ALL, ofp.OFPGT_SELECT, ofp.OFPGT_INDIRECT, ofp.OFPGT_FF)],
    ('OFPPortMod', gen_port_mod),
    ('OFPTableMod', gen_table_mod),
    ('OFPMeterMod', gen_meter_mod),
    ('OFPBarrierRequest', gen_barrier_request),
    ('OFPBarrierReply', gen_barrier_reply),
    ('OFPRoleRequest', gen_role_request),
    ('OFPRoleReply', gen_role_reply),
    ('OFPGetAsyncRequest', gen_get_async_request),
    ('OFPGetAsyncReply', gen_get_async_reply),
    ('OFPSetAsync', gen_set_async),
    ('OFPQueueGetConfigRequest', gen_queue_get_config_request),
    ('OFPQueueGetConfigReply', gen_queue_get_config_reply),
    ('OFPDescStatsRequest', gen_body_less_request(ofpp.OFPDescStatsRequest)),
    ('OFPFlowStatsRequest', gen_flow_stats_request),
    ('OFPAggregateStatsRequest', gen_aggregate_stats_request),
    ('OFPTableStatsRequest', gen_body_less_request(ofpp.OFPTableStatsRequest)),
    ('OFPPortStatsRequest', gen_port_stats_request),
    ('OFPQueueStatsRequest', gen_queue_stats_request),
    ('OFPGroupStatsRequest', gen_group_stats_request),
    ('OFPGroupDescStatsRequest', gen_body_less_request(ofpp.OFPGroupDescStatsRequest)),
    ('OFPGroupFeaturesStatsRequest', gen_body_less_request(ofpp.OFPGroupFeaturesStatsRequest)),
    ('OFPMeterStatsRequest', gen_meter_stats_request),
    ('OFPMeterConfigStatsRequest', gen_meter_config_stats_request),
    ('OFPMeterFeaturesStatsRequest', gen_body_less_request(ofpp.OFPMeterFeaturesStatsRequest)),
    ('OFPTableFeaturesStatsRequest', gen_table_features_request_empty),
    ('OFPTableFeaturesStatsRequest', gen_table_features_request),
    ('OFPPortDescStatsRequest', gen_body_less_request(ofpp.OFPPortDescStatsRequest)),
    ('OFPDescStatsReply', reply(ofpp.OFPDescStatsReply, desc_stats)),
    ('OFPFlowStatsReply', reply(ofpp.OFPFlowStatsReply, entries(flow_stats, 2, 4))),
    ('OFPAggregateStatsReply', reply(ofpp.OFPAggregateStatsReply,
                                     namedtuple_stats(ofpp.OFPAggregateStats, u64, u64, u32))),
    ('OFPTableStatsReply', reply(ofpp.OFPTableStatsReply, entries(namedtuple_stats(
        ofpp.OFPTableStats, lambda rng: rng.randint(0, ofp.OFPTT_MAX), u32, u64, u64)))),
    ('OFPPortStatsReply', reply(ofpp.OFPPortStatsReply, entries(namedtuple_stats(
        ofpp.OFPPortStats, lambda rng: rand_port(rng, [ofp.OFPP_LOCAL]), *[u64] * 12, u32,
        lambda rng: rng.randint(0, 999_999_999))))),
    ('OFPQueueStatsReply', reply(ofpp.OFPQueueStatsReply, entries(namedtuple_stats(
        ofpp.OFPQueueStats, lambda rng: rng.randint(1, ofp.OFPP_MAX), u32, u64, u64, u64, u32,
        lambda rng: rng.randint(0, 999_999_999))))),
    ('OFPGroupStatsReply', reply(ofpp.OFPGroupStatsReply, entries(group_stats))),
    ('OFPGroupDescStatsReply', reply(ofpp.OFPGroupDescStatsReply, entries(group_desc_stats))),
    ('OFPGroupFeaturesStatsReply', reply(ofpp.OFPGroupFeaturesStatsReply, group_features)),
    ('OFPMeterStatsReply', reply(ofpp.OFPMeterStatsReply, entries(meter_stats))),
    ('OFPMeterConfigStatsReply', reply(ofpp.OFPMeterConfigStatsReply, entries(meter_config))),
    ('OFPMeterFeaturesStatsReply', reply(ofpp.OFPMeterFeaturesStatsReply,
                                         entries(meter_features, 1, 1))),
    ('OFPTableFeaturesStatsReply', reply(ofpp.OFPTableFeaturesStatsReply,
                                         table_features_reply_body)),
    ('OFPPortDescStatsReply', reply(ofpp.OFPPortDescStatsReply, entries(rand_port_desc))),
]


def generate(name, make, rng):
    """One generator's message as a gen-mode JSON object, checked against os-ken's parser."""
    msg = make(rng)
    msg.set_xid(u32(rng))
    wire = wire_of(msg)
    parsed, parser = parse_wire(wire)
    assert type(parsed).__name__ == name, f'{name} parsed as {type(parsed).__name__}'
    assert parsed.xid == msg.xid and parsed.msg_len == len(wire)
    parsed_json = to_json(parsed)  # before wire_of(), which updates lengths in place
    rewire = wire_of(parsed)
    assert rewire == wire, f'{name} does not round-trip:\n  {wire.hex()}\n  {rewire.hex()}'
    return {'name': name, 'type': msg.cls_msg_type, 'parser': parser, 'hex': wire.hex(),
            'json': parsed_json}


def run_gen(count, seed):
    rng = random.Random(seed)
    for i in range(count):
        name, make = GENERATORS[i % len(GENERATORS)]
        print_json(generate(name, make, rng))


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet exit when piped into `head`
    if argv[1:2] == ['parse'] and len(argv) == 2:
        run_parse()
    elif argv[1:2] == ['gen'] and len(argv) == 4:
        run_gen(int(argv[2]), int(argv[3]))
    else:
        sys.exit(f'usage: {argv[0]} parse < hex-lines\n       {argv[0]} gen N SEED')


if __name__ == '__main__':
    main(sys.argv)
