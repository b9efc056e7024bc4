import { describe, expect, it } from 'vitest';
import * as netloom from '../../src/index.js';
import { decode, defaultRegistry, encode, explain, LayerRegistry, parseSpec, SpecError } from '../../src/index.js';
import type { LayerSpan, TolerantDecode } from '../../src/index.js';

describe('the public API', () => {
  it('exports exactly this list of values', () => {
    expect(Object.keys(netloom).sort()).toEqual([
      'BUILT_IN_APPS', 'Bridge', 'CAPTURE_EPOCH', 'CaptureError', 'Controller', 'Datapath', 'ESP_ALGORITHMS', 'ETHERTYPE', 'FEED_PROTOCOL', 'FeedError', 'FlowKey', 'FlowSyntaxError', 'GroupError',
      'IPPROTO', 'LAYER_NAMES', 'LayerRegistry', 'MemorySink', 'MeterError', 'NW_FRAG', 'OFPET', 'OFPP', 'OFPT', 'OpenFlowError', 'OpenFlowRequestError',
      'PcapngWriter', 'ProbeError', 'ReplayWindow', 'RunOptionError', 'SpecError', 'TopologyError', 'VLAN_CFI', 'VXLAN_PORT', 'VerifyError', 'WireError', 'decode', 'decodeMessage',
      'decodeTolerant', 'defaultRegistry', 'encode', 'encodeInto', 'encodeMessage', 'explain', 'extractFlowKey', 'extractTunnelFlowKey',
      'flowHash', 'formatIsolationReport', 'formatPath', 'formatRunSummary', 'formatTrace', 'fromHex', 'internetChecksum', 'layerToJson', 'layersFromJson', 'lessonPath', 'listenController', 'loadApps',
      'loadTopology', 'loadTopologyFile', 'netloomMatchers', 'openCapture', 'packetFromFlow', 'parseFlow', 'parseSpec', 'readCapture', 'replayWitness', 'runTopology',
      'runTopologyRealtime', 'startFeed', 'toHex', 'topology', 'tracePath', 'tsharkEspOptions', 'verifyIsolation', 'writePcap',
    ]);
  });

  it('crafts, explains and reports spans through the package entry', () => {
    const bytes = encode(parseSpec('ethernet/ipv4/udp(srcPort=1,dstPort=2)'));
    expect(explain(bytes)).toContain('udp  bytes 34-41 (8)\n');
    const spans: LayerSpan[] = [];
    const result: TolerantDecode = netloom.decodeTolerant(bytes, {}, spans);
    expect(result.layers.map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'udp']);
    expect(spans).toEqual([{ start: 0, headerEnd: 14, end: 42 }, { start: 14, headerEnd: 34, end: 42 }, { start: 34, headerEnd: 42, end: 42 }]);
    expect(() => parseSpec('ipx')).toThrow(SpecError);
  });

  it('keeps defaultRegistry unchangeable: bind on a clone', () => {
    const message = 'this registry is frozen (defaultRegistry is shared by every decode and encode); bind on registry.clone() instead';
    expect(() => defaultRegistry.bindUdpPort(53, 'vxlan')).toThrow(new TypeError(message));
    expect(() => defaultRegistry.bindEtherType(0x88b5, 'ipv4')).toThrow(new TypeError(message));
    expect(() => defaultRegistry.bindIpProtocol(253, 'udp')).toThrow(new TypeError(message));
    expect(defaultRegistry.layerForUdpPort(53)).toBeUndefined();
    const registry: LayerRegistry = defaultRegistry.clone().bindUdpPort(53, 'vxlan');
    const bytes = encode([{ layer: 'ethernet' }, { layer: 'ipv4' }, { layer: 'udp', dstPort: 53 }, { layer: 'payload', data: new Uint8Array(22) }]);
    expect(decode(bytes, { registry }).map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet']);
    expect(decode(bytes).map((l) => l.layer)).toEqual(['ethernet', 'ipv4', 'udp', 'payload']);
  });
});
