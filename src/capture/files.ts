/**
 * Reading a file the user names: whole, with a size limit, so a device or pipe without end
 * (/dev/zero) is refused at the limit instead of read until memory runs out; or a chunk at a
 * time, for readers that keep flat memory (decode). The topology loader and the CLI's file
 * options read through here; each wraps the reason in its own error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CaptureError } from './errors.js';

const CHUNK = 1 << 16;

export const MiB = 1 << 20;

/** The file's bytes, or why it cannot be read ("no such file", "it is longer than 64 MiB"). */
export function readFileBounded(path: string, limit: number): Uint8Array | string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return reason(error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return 'it is a directory';
    const tooLong = `it is longer than ${formatLimit(limit)}`;
    if (stat.size > limit) return tooLong;
    // A regular file's size is known, but a device or pipe says 0: read chunks until the end or the limit.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(CHUNK);
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      total += n;
      if (total > limit) return tooLong;
      chunks.push(chunk.subarray(0, n));
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  } catch (error) {
    return reason(error);
  } finally {
    closeSync(fd);
  }
}

/** A chunk-at-a-time read of `path` (`-`: standard input), each chunk a new buffer; or why it cannot be opened. */
export function fileChunks(path: string, size = 1 << 20): Iterable<Uint8Array> | string {
  let fd = 0;
  if (path !== '-') {
    try {
      fd = openSync(path, 'r');
      if (fstatSync(fd).isDirectory()) {
        closeSync(fd);
        return 'it is a directory';
      }
    } catch (error) {
      return reason(error);
    }
  }
  return chunks(fd, path !== '-', size);
}

function* chunks(fd: number, owned: boolean, size: number): Generator<Uint8Array> {
  try {
    for (;;) {
      const chunk = new Uint8Array(size);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, size, null);
      } catch (error) {
        // A pipe with nothing in it yet: wait for its writer. A pipe whose writer is gone reads as the end.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(PAUSE, 0, 0, 1);
          continue;
        }
        if ((error as NodeJS.ErrnoException).code === 'EOF') return;
        // A device that fails mid-file (EIO) is the user's file, not netloom's fault: one line, exit 2.
        throw new CaptureError('NETLOOM_CAPTURE_READ', `cannot read: ${reason(error)}`);
      }
      if (n === 0) return;
      yield chunk.subarray(0, n);
    }
  } finally {
    if (owned) closeSync(fd);
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error);
}

function formatLimit(limit: number): string {
  return limit % MiB === 0 ? `${limit / MiB} MiB` : `${limit} bytes`;
}
