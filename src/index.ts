/** netloom's public API, listed explicitly. Everything not exported here is internal. */
export { decode, decodeTolerant, type TolerantDecode } from './wire/decode.js';
export { encode, encodeInto } from './wire/encode.js';
export type { DecodeOptions, EncodeOptions } from './wire/codec.js';
export * from './wire/layers.js';
export { WireError, type WireErrorCode } from './wire/errors.js';
export { LayerRegistry, defaultRegistry, ETHERTYPE, IPPROTO, VXLAN_PORT } from './wire/registry.js';
export { FlowKey, extractFlowKey, extractTunnelFlowKey, flowHash, NW_FRAG, VLAN_CFI } from './wire/flowkey.js';
export { ReplayWindow, ESP_ALGORITHMS, type SecurityAssociation } from './wire/esp-sa.js';
export { layerToJson, layersFromJson, type JsonLayer } from './wire/json.js';
export { toHex, fromHex } from './wire/addresses.js';
export { internetChecksum } from './wire/checksum.js';
