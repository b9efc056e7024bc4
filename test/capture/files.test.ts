/** The bounded file reader: a whole file back byte for byte, and a file without end refused at the limit. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiB, readFileBounded } from '../../src/capture/files.js';

describe('readFileBounded', () => {
  it('reads a file whole, up to and including the limit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-files-')), 'x.bin');
    const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
    writeFileSync(file, bytes);
    expect(readFileBounded(file, 200_000)).toStrictEqual(bytes);
    expect(readFileBounded(file, 199_999)).toBe('it is longer than 199999 bytes');
  });

  it('stops reading a device without end at the limit', () => {
    expect(readFileBounded('/dev/zero', 100_000)).toBe('it is longer than 100000 bytes');
    expect(readFileBounded('/dev/zero', 2 * MiB)).toBe('it is longer than 2 MiB');
  });

  it('names a missing file and a directory', () => {
    expect(readFileBounded('/nonexistent/x', 10)).toBe('no such file');
    expect(readFileBounded('/tmp', 10)).toBe('it is a directory');
  });
});
