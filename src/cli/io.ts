/** Input helpers shared by commands: files, stdin, ESP SA options. */
import { UsageError } from './errors.js';
import { MiB, readFileBounded } from '../capture/files.js';
import { fromHex } from '../wire/addresses.js';
import { ESP_ALGORITHMS, type SecurityAssociation } from '../wire/esp-sa.js';
import type { EspAlgorithm } from '../wire/layers.js';
import { defaultRegistry, type LayerRegistry } from '../wire/registry.js';

/** Text inputs (spec and flow files) are read up to 64 MiB, captures up to 1 GiB (decode holds one whole). */
export const TEXT_FILE_LIMIT = 64 * MiB;
export const CAPTURE_FILE_LIMIT = 1024 * MiB;

export function readInput(path: string, option: string, limit: number): Uint8Array {
  const bytes = readFileBounded(path, limit);
  if (typeof bytes === 'string') throw new UsageError(`${option} ${path}: ${bytes}`);
  return bytes;
}

/** Hex from the command line; `label` (e.g. "--packet: ") starts the message when it is not hex. */
export function hexArgument(text: string, label: string): Uint8Array {
  try {
    return fromHex(text);
  } catch {
    throw new UsageError(`${label}"${text.slice(0, 40)}" is not hex`);
  }
}

/** Parses `spi=0x1234,alg=aes-gcm-128,key=0x…` (the --esp-sa option). */
export function parseEspSa(text: string): SecurityAssociation {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new UsageError(`--esp-sa "${text}": "${part}" is not name=value`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of fields.keys()) {
    if (!['spi', 'alg', 'key'].includes(name)) throw new UsageError(`--esp-sa "${text}": unknown "${name}"; give spi, alg and key`);
  }
  const spiText = fields.get('spi');
  const alg = fields.get('alg');
  const key = fields.get('key');
  if (spiText === undefined || alg === undefined || key === undefined) throw new UsageError(`--esp-sa "${text}": give spi, alg and key`);
  const spi = /^0x[0-9a-f]{1,8}$/i.test(spiText) ? parseInt(spiText, 16) : /^\d+$/.test(spiText) ? Number(spiText) : NaN;
  if (!(spi >= 0 && spi <= 0xffffffff)) throw new UsageError(`--esp-sa: spi "${spiText}" is not a 32-bit number`);
  if (!Object.hasOwn(ESP_ALGORITHMS, alg)) throw new UsageError(`--esp-sa: alg "${alg}" is not one of ${Object.keys(ESP_ALGORITHMS).join(', ')}`);
  const keyBytes = hexArgument(key, '--esp-sa: key ');
  const expected = ESP_ALGORITHMS[alg as EspAlgorithm].keyMaterialLength;
  if (keyBytes.length !== expected) throw new UsageError(`--esp-sa: ${alg} takes ${expected} bytes of key material, got ${keyBytes.length}`);
  return { spi, alg: alg as EspAlgorithm, key: keyBytes };
}

/** The layer registry with each `--vxlan-port` also decoded as VXLAN (Linux's 8472, say). */
export function registryWithVxlanPorts(ports: readonly string[]): LayerRegistry {
  if (ports.length === 0) return defaultRegistry;
  const registry = defaultRegistry.clone();
  for (const text of ports) {
    const port = Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--vxlan-port "${text}" is not a UDP port`);
    registry.bindUdpPort(port, 'vxlan');
  }
  return registry;
}
