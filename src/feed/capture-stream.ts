/**
 * The run as a live pcapng stream to HTTP clients (`/capture.pcapng`): one PcapngWriter per run
 * writes into a byte sink that copies each block once and hands it to every listening response.
 * The section header and interface blocks are kept, so a client that comes in mid-run gets a
 * well-formed file from its first byte: those blocks, then packets from then on. A restart opens
 * a new section (pcapng allows several). A response that stops reading is skipped past a
 * high-water mark (whole packet blocks only, counted) and closed past a hard limit; the run
 * never waits for it. Owns the responses it was given; knows nothing of HTTP routing.
 */
import type { ServerResponse } from 'node:http';
import type { ByteSink } from '../capture/sinks.js';
import { PcapngWriter } from '../capture/pcapng.js';
import { CAPTURE_EPOCH, type CaptureWriter, type EspSaRecord } from '../capture/writer.js';
import type { Network } from '../sim/network.js';
import { CaptureSink } from '../trace/capture-sink.js';
import { Demand } from '../sim/recorder.js';

export interface CaptureStreamLimits {
  /** Bytes waiting in a response past which packet blocks are skipped. */
  highWater: number;
  /** Bytes waiting past which the response is closed. */
  hardLimit: number;
}

export interface CaptureClientMetrics {
  id: number;
  bytesSent: number;
  packetsSkipped: number;
  writableLength: number;
}

interface Listener {
  id: number;
  response: ServerResponse;
  bytesSent: number;
  packetsSkipped: number;
}

export class CaptureStream implements ByteSink {
  /** The current section's header blocks: SHB, IDBs, secrets (bounded by the ports of the network). */
  private header: Buffer[] = [];
  private readonly listeners = new Set<Listener>();
  private nextId = 1;
  evicted = 0;
  /** Wanted while some response listens: packets are captured only then. */
  readonly demand = new Demand();

  constructor(
    private readonly limits: CaptureStreamLimits = { highWater: 4 << 20, hardLimit: 16 << 20 },
    /** What virtual time 0 is written as, seconds since 1970. */
    private readonly epoch = CAPTURE_EPOCH,
  ) {}

  /** A capture writer for a new run: a new section, so the stream stays one valid pcapng. */
  writer(): CaptureWriter {
    this.header = [];
    return new PcapngWriter(this, { epoch: this.epoch });
  }

  /**
   * Captures `net`'s run as a new section, in the order runTopology's `capture` option writes it
   * (ESP secrets, then an interface per port), so the bytes are those of `--pcap`. Packets are
   * captured only while someone listens (the demand): a feed with no client costs next to nothing. (A stream
   * joined mid-run may miss the comment of a frame whose forwarding decision came just before.)
   */
  attach(net: Network, secrets: readonly EspSaRecord[], select?: (node: string, port: string) => boolean): void {
    const writer = this.writer();
    writer.addEspSecrets(secrets);
    const sink = new CaptureSink(net, writer, select);
    net.recorder.add({ event: (e) => sink.event(e), demand: this.demand });
  }

  write(bytes: Uint8Array, packetEnd: boolean): void {
    // The writer reuses its scratch buffer: copy once, share the copy.
    const block = Buffer.from(bytes);
    if (!packetEnd) this.header.push(block);
    for (const l of this.listeners) {
      const waiting = l.response.writableLength;
      if (waiting > this.limits.hardLimit) {
        this.evicted++;
        this.remove(l);
        l.response.destroy();
        continue;
      }
      // Packet blocks may be skipped, never header blocks: later packets refer to their interfaces.
      if (packetEnd && waiting > this.limits.highWater) {
        l.packetsSkipped++;
        continue;
      }
      l.response.write(block);
      l.bytesSent += block.length;
    }
  }

  /** The run ended: its section is complete; listeners stay for the next run (a restart) until `end`. */
  close(): void {}

  /** Starts streaming to `response`: the current section's header blocks, then everything new. */
  add(response: ServerResponse): void {
    const listener: Listener = { id: this.nextId++, response, bytesSent: 0, packetsSkipped: 0 };
    this.listeners.add(listener);
    this.demand.up();
    response.on('close', () => this.remove(listener));
    for (const block of this.header) {
      response.write(block);
      listener.bytesSent += block.length;
    }
  }

  private remove(l: Listener): void {
    if (this.listeners.delete(l)) this.demand.down();
  }

  get count(): number {
    return this.listeners.size;
  }

  metrics(): CaptureClientMetrics[] {
    return [...this.listeners].map((l) => ({ id: l.id, bytesSent: l.bytesSent, packetsSkipped: l.packetsSkipped, writableLength: l.response.writableLength }));
  }

  /** Ends every response (the server closes). */
  end(): void {
    for (const l of this.listeners) l.response.end();
    this.listeners.clear();
  }
}
