/** netloom's public API, listed explicitly. Everything not exported here is internal. */
export { decode, decodeTolerant, type TolerantDecode, type LayerSpan } from './wire/decode.js';
export { encode, encodeInto } from './wire/encode.js';
export type { DecodeOptions, EncodeOptions } from './wire/codec.js';
export {
  LAYER_NAMES,
  type Layer,
  type LayerName,
  type LayerSpec,
  type SpecOf,
  type Ethernet,
  type Vlan,
  type Arp,
  type Ipv4,
  type Ipv6,
  type Ipv6ExtensionHeader,
  type Ipv6ExtensionHeaderSpec,
  type Icmp,
  type Icmpv6,
  type Udp,
  type Tcp,
  type Vxlan,
  type Gre,
  type Esp,
  type EspAlgorithm,
  type Payload,
} from './wire/layers.js';
export { WireError, type WireErrorCode } from './wire/errors.js';
export { LayerRegistry, defaultRegistry, ETHERTYPE, IPPROTO, VXLAN_PORT } from './wire/registry.js';
export { FlowKey, extractFlowKey, extractTunnelFlowKey, flowHash, NW_FRAG, VLAN_CFI } from './wire/flowkey.js';
export { ReplayWindow, ESP_ALGORITHMS, type SecurityAssociation } from './wire/esp-sa.js';
export { layerToJson, layersFromJson, type JsonLayer } from './wire/json.js';
export { parseSpec, SpecError } from './wire/craft.js';
export { explain } from './wire/explain.js';
export { toHex, fromHex } from './wire/addresses.js';
export { internetChecksum } from './wire/checksum.js';
