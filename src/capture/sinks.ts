/**
 * Where capture bytes go: a file (buffered, flushed at block boundaries, so a killed run leaves
 * a file whose packets all read back, but for the last block when the kill cut a write short),
 * standard output (flushed per packet, for `| wireshark -k -i -`), or memory (tests). Writers
 * hand over whole blocks only.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { CaptureError } from './errors.js';

export interface ByteSink {
  /** Appends whole blocks; `packetEnd` says a packet just ended (a live sink flushes there). */
  write(bytes: Uint8Array, packetEnd: boolean): void;
  close(): void;
}

const BUFFER_SIZE = 1 << 16;

/** Writes to a file descriptor through a 64 KiB buffer; memory stays bounded however long the run. */
export class FdSink implements ByteSink {
  private readonly buffer = new Uint8Array(BUFFER_SIZE);
  private used = 0;
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly what: string,
    /** Flush after every packet (a live pipe) instead of when the buffer fills. */
    private readonly live = false,
    private readonly ownsFd = true,
  ) {}

  write(bytes: Uint8Array, packetEnd: boolean): void {
    if (this.closed) return;
    if (this.used + bytes.length > BUFFER_SIZE) this.flush();
    if (bytes.length > BUFFER_SIZE) this.writeAll(bytes);
    else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
    if (packetEnd && this.live) this.flush();
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A pipe whose reader is slow: wait for it (backpressure, not unbounded buffering).
        if (code === 'EAGAIN') {
          Atomics.wait(PAUSE, 0, 0, 1);
          continue;
        }
        this.closed = true;
        throw new CaptureError('NETLOOM_CAPTURE_WRITE', `cannot write ${this.what}: ${code === 'EPIPE' ? 'the reader closed the pipe' : String(error)}`);
      }
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Opens `path` for a new capture; refuses to replace an existing file unless `force`. */
export function fileSink(path: string, force: boolean): FdSink {
  let fd: number;
  try {
    fd = openSync(path, force ? 'w' : 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CaptureError('NETLOOM_CAPTURE_EXISTS', `${path} exists; pass --force to overwrite it`);
    throw new CaptureError('NETLOOM_CAPTURE_WRITE', `cannot create ${path}: ${code ?? String(error)}`);
  }
  return new FdSink(fd, path);
}

/** Standard output, flushed per packet so a live reader sees each packet at once. */
export function stdoutSink(): FdSink {
  return new FdSink(1, 'standard output', true, false);
}

/** Collects everything written, for tests and in-memory use. */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
  }
  close(): void {}
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}
