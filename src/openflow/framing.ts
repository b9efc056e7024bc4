/**
 * Cuts a byte stream (a TCP connection) into whole OpenFlow messages by the header's length.
 * Holds at most one partial message (≤ 65,535 bytes); a header whose length is below 8 can
 * never be resynchronised, so it is an OpenFlowError and the connection must close.
 */
import { OFPBRC, OFPET, OpenFlowError } from './errors.js';
import { OFP_HEADER_LENGTH } from './messages.js';

export class MessageFramer {
  private pending: Uint8Array = new Uint8Array(0);

  /** Bytes held towards the next message. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Adds bytes from the stream and returns every message now complete, each its own copy. */
  push(chunk: Uint8Array): Uint8Array[] {
    let data = chunk;
    if (this.pending.length > 0) {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
    }
    const out: Uint8Array[] = [];
    let o = 0;
    while (data.length - o >= OFP_HEADER_LENGTH) {
      const length = (data[o + 2]! << 8) | data[o + 3]!;
      if (length < OFP_HEADER_LENGTH) {
        this.pending = new Uint8Array(0);
        throw new OpenFlowError('NETLOOM_OF_BAD_LENGTH', `message length ${length} is below the 8-byte header`, 'header', 2, { type: OFPET.BAD_REQUEST, code: OFPBRC.BAD_LEN });
      }
      if (data.length - o < length) break;
      // A plain Uint8Array copy (Buffer's slice would share the socket's memory).
      out.push(new Uint8Array(data.subarray(o, o + length)));
      o += length;
    }
    this.pending = new Uint8Array(data.subarray(o));
    return out;
  }
}
