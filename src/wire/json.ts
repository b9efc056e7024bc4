/**
 * The JSON form of layers: byte fields (payload data, options, padding, IV, ICV, key) as hex
 * strings, everything else as is. `layersFromJson` reads that form back into encode specs,
 * checking every field's JSON type against the declared fields (fields.ts); `null` means unset
 * (computed or defaulted, as Scapy's None).
 */
import type { Layer, LayerName, LayerSpec } from './layers.js';
import type { TolerantDecode } from './decode.js';
import { LAYER_NAMES, isLayerName } from './layers.js';
import { EXTENSION_FIELDS, fieldKind, FIELDS, type FieldKind } from './fields.js';
import { fromHex, toHex } from './addresses.js';
import { WireError } from './errors.js';

export type JsonLayer = Record<string, unknown> & { layer: string };

export function layerToJson(layer: Layer): JsonLayer {
  return toJsonValue(layer) as JsonLayer;
}

/** A tolerant decode as `decode --json` prints it: the layers, then the error that stopped it, if any. */
export function decodedToJson({ layers, error }: TolerantDecode): { layers: JsonLayer[]; error?: { code: string; layer: string; offset: number; message: string } } {
  return { layers: layers.map(layerToJson), ...(error && { error: { code: error.code, layer: error.layer, offset: error.offset, message: error.message } }) };
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

/** Reads layers in JSON form (e.g. `decode --json` output) as encode specs; a WireError names the bad path. */
export function layersFromJson(json: unknown, path = 'layers'): LayerSpec[] {
  if (!Array.isArray(json)) throw bad('json', path, `expected an array of layers, got ${describe(json)}`);
  return json.map((item, i) => layerFromJson(item, `${path}[${i}]`));
}

function layerFromJson(item: unknown, at: string): LayerSpec {
  if (!isObject(item)) throw bad('json', at, `expected a layer object, got ${describe(item)}`);
  const name = item['layer'];
  if (typeof name !== 'string' || !isLayerName(name)) {
    throw bad('json', `${at}.layer`, `expected one of ${LAYER_NAMES.join(', ')}, got ${describe(name)}`);
  }
  const layer = name as LayerName;
  const out: Record<string, unknown> = { layer };
  for (const [field, value] of Object.entries(item)) {
    if (field === 'layer' || value === null || value === undefined) continue;
    const kind = fieldKind(layer, field);
    if (kind === undefined) throw bad(layer, `${at}.${field}`, `${layer} has no such field; fields are ${Object.keys(FIELDS[layer]).join(', ')}`);
    out[field] = valueFromJson(value, kind, layer, `${at}.${field}`);
  }
  return out as LayerSpec;
}

const EXPECTED: Record<FieldKind, string> = {
  int: 'a number', bool: 'true or false', mac: 'a MAC address as text', ipv4: 'an IPv4 address as text',
  ipv6: 'an IPv6 address as text', alg: 'an ESP algorithm name', bytes: 'a hex string', extensions: 'an array of extension headers',
};

function valueFromJson(value: unknown, kind: FieldKind, layer: string, path: string): unknown {
  const wrong = () => bad(layer, path, `expected ${EXPECTED[kind]}, got ${describe(value)}`);
  switch (kind) {
    case 'int':
      if (typeof value !== 'number') throw wrong();
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw wrong();
      return value;
    case 'mac':
    case 'ipv4':
    case 'ipv6':
    case 'alg':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'bytes':
      if (typeof value !== 'string') throw wrong();
      try {
        return fromHex(value);
      } catch {
        throw wrong();
      }
    case 'extensions':
      if (!Array.isArray(value)) throw wrong();
      return value.map((header, k) => extensionFromJson(header, layer, `${path}[${k}]`));
  }
}

function extensionFromJson(item: unknown, layer: string, at: string): Record<string, unknown> {
  const kinds = Object.keys(EXTENSION_FIELDS).join(', ');
  if (!isObject(item)) throw bad(layer, at, `expected an extension header object, got ${describe(item)}`);
  const header = item['header'];
  if (typeof header !== 'string' || !Object.hasOwn(EXTENSION_FIELDS, header)) {
    throw bad(layer, `${at}.header`, `expected one of ${kinds}, got ${describe(header)}`);
  }
  const { fields, required } = EXTENSION_FIELDS[header as keyof typeof EXTENSION_FIELDS];
  const out: Record<string, unknown> = { header };
  for (const [field, value] of Object.entries(item)) {
    if (field === 'header' || value === null || value === undefined) continue;
    if (!Object.hasOwn(fields, field)) throw bad(layer, `${at}.${field}`, `a ${header} header has no such field; fields are ${Object.keys(fields).join(', ')}`);
    out[field] = valueFromJson(value, fields[field]!, layer, `${at}.${field}`);
  }
  for (const field of required) {
    if (!(field in out)) throw bad(layer, `${at}.${field}`, `missing: a ${header} header needs ${required.join(', ')}`);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function bad(layer: string, path: string, message: string): WireError {
  return new WireError('NETLOOM_BAD_FIELD', message, layer, 0, path);
}
