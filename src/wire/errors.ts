/**
 * The one error class for bad packet bytes and bad layer values. `code` is stable (callers and
 * tests match on it); `layer` and `offset` name where in the packet the problem is.
 */
export type WireErrorCode =
  | 'NETLOOM_TRUNCATED'
  | 'NETLOOM_BAD_LENGTH'
  | 'NETLOOM_BAD_VERSION'
  | 'NETLOOM_BAD_FIELD'
  | 'NETLOOM_FIELD_CONFLICT'
  | 'NETLOOM_ESP_NO_SA'
  | 'NETLOOM_ESP_ICV_FAILURE'
  | 'NETLOOM_ESP_BAD_PADDING'
  | 'NETLOOM_ESP_REPLAY';

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
    /** The layer being decoded or encoded when the problem was found. */
    readonly layer: string,
    /** Byte offset from the start of the packet (0 when `path` names the place instead). */
    readonly offset: number,
    /** Where the problem is in input that is not packet bytes: a JSON path such as `layers[0].ttl`. */
    readonly path?: string,
  ) {
    super(path === undefined ? `${layer} at byte ${offset}: ${message}` : `${path}: ${message}`);
  }
}

/**
 * Throws NETLOOM_TRUNCATED unless `need` bytes are available at `offset` before `end`. `base` is
 * where `bytes` starts in the original packet (ESP plaintext), added to the offset reported.
 */
export function need(bytes: Uint8Array, offset: number, end: number, need: number, layer: string, base = 0): void {
  if (offset + need > end) {
    const have = Math.max(0, end - offset);
    const shown = hexPreview(bytes.subarray(offset, end));
    throw new WireError('NETLOOM_TRUNCATED', `needs ${need} bytes, only ${have} left${shown}`, layer, base + offset);
  }
}

function hexPreview(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  const shown = Buffer.from(bytes.subarray(0, 16)).toString('hex');
  return ` (${shown}${bytes.length > 16 ? '…' : ''})`;
}

/** Returns `value` if it is an integer in [0, max]; throws NETLOOM_BAD_FIELD naming the field otherwise. */
export function inRange(value: number, max: number, layer: string, field: string, offset: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError('NETLOOM_BAD_FIELD', `${field} ${String(value)} is not an integer in 0-${max}`, layer, offset);
  }
  return value;
}

/** "column N: reason", then the text with a caret under the column (1-based): for errors in one line of input. */
export function pointAt(text: string, column: number, reason: string): string {
  // A long line is shown as a window around the column, so an error never echoes megabytes.
  const from = Math.max(0, column - 1 - POINT_CONTEXT);
  const to = Math.min(text.length, column - 1 + POINT_CONTEXT);
  const before = from > 0 ? '…' : '';
  const shown = `${before}${text.slice(from, to)}${to < text.length ? '…' : ''}`;
  return `column ${column}: ${reason}\n  ${shown}\n  ${' '.repeat(Math.max(0, column - 1 - from + before.length))}^`;
}

/** Characters shown on each side of the column an error points at. */
const POINT_CONTEXT = 60;
