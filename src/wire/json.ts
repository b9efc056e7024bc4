/**
 * The JSON form of layers: byte fields (payload data, options, padding, IV, ICV, key) as hex
 * strings, everything else as is. `layersFromJson` reads that form back into encode specs.
 */
import type { Layer, LayerSpec } from './layers.js';
import { LAYER_NAMES } from './layers.js';
import { fromHex, toHex } from './addresses.js';
import { WireError } from './errors.js';

/** Field names whose values are bytes, at any depth (ipv6 extension headers included). */
const BYTE_FIELDS = new Set(['data', 'options', 'padding', 'typeData', 'iv', 'icv']);
/** ESP's key is bytes; GRE's is a number. */
const isByteField = (layer: unknown, field: string) => BYTE_FIELDS.has(field) || (layer === 'esp' && field === 'key');

export type JsonLayer = Record<string, unknown> & { layer: string };

export function layerToJson(layer: Layer): JsonLayer {
  return toJsonValue(layer) as JsonLayer;
}

function toJsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

/** Reads layers in JSON form (e.g. `decode --json` output) as encode specs; names the bad path. */
export function layersFromJson(json: unknown, path = 'layers'): LayerSpec[] {
  if (!Array.isArray(json)) throw new WireError('NETLOOM_BAD_FIELD', `${path} is not an array`, 'json', 0);
  return json.map((item, i) => {
    const at = `${path}[${i}]`;
    if (item === null || typeof item !== 'object' || !(LAYER_NAMES as readonly unknown[]).includes((item as { layer?: unknown }).layer)) {
      throw new WireError('NETLOOM_BAD_FIELD', `${at}.layer must be one of ${LAYER_NAMES.join(', ')}`, 'json', 0);
    }
    return fromJsonValue(item, at, undefined, (item as { layer: string }).layer) as LayerSpec;
  });
}

function fromJsonValue(value: unknown, path: string, field: string | undefined, layer: string): unknown {
  if (field !== undefined && isByteField(layer, field)) {
    if (typeof value !== 'string') throw new WireError('NETLOOM_BAD_FIELD', `${path} must be a hex string`, 'json', 0);
    return fromHex(value, path);
  }
  if (Array.isArray(value)) return value.map((v, i) => fromJsonValue(v, `${path}[${i}]`, undefined, layer));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromJsonValue(v, `${path}.${k}`, k, layer);
    return out;
  }
  return value;
}
