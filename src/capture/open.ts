/**
 * Opening a capture by the path given, as `--pcap` takes it:
 *   -            pcapng on standard output, flushed per packet (`| wireshark -k -i -`)
 *   DIR/ or DIR  one classic pcap per port in that directory, named node-port.pcap (as ns-3)
 *   FILE.pcap    one classic pcap (every port's packets in one stream)
 *   FILE         one pcapng holding every port, with names, directions and comments
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PcapngWriter } from './pcapng.js';
import { PcapWriter } from './pcap.js';
import { fileSink, stdoutSink } from './sinks.js';
import { CaptureError } from './errors.js';
import type { CaptureInterface, CaptureWriter, PacketMeta } from './writer.js';
import { CAPTURE_EPOCH, LINKTYPE_ETHERNET, checkEpoch } from './writer.js';

export interface OpenCaptureOptions {
  /** Replace existing files. */
  force?: boolean;
  /** The writing application named in a pcapng section header. */
  application?: string;
  /** Seconds since 1970 that a run's time 0 is written as (default CAPTURE_EPOCH, 2025-01-01T00:00:00Z). */
  epoch?: number;
}

/** A run's capture: its timestamps start at `epoch` (CAPTURE_EPOCH unless given). */
export function openCapture(path: string, options: OpenCaptureOptions = {}): CaptureWriter {
  const force = options.force ?? false;
  // Checked before any file is made: a bad epoch leaves nothing behind.
  const epoch = checkEpoch(options.epoch ?? CAPTURE_EPOCH);
  const pcapng = { epoch, ...(options.application !== undefined && { application: options.application }) };
  if (path === '-') return new PcapngWriter(stdoutSink(), pcapng);
  if (path.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())) return new DirectoryCapture(path, force, epoch);
  if (path.endsWith('.pcap')) return new SinglePcapCapture(new PcapWriter(fileSink(path, force), { epoch }));
  return new PcapngWriter(fileSink(path, force), pcapng);
}

/** One classic pcap file per port. Classic pcap has no comments or directions; they are dropped. */
class DirectoryCapture implements CaptureWriter {
  private readonly writers: PcapWriter[] = [];
  private readonly files = new Set<string>();
  constructor(
    private readonly dir: string,
    private readonly force: boolean,
    private readonly epoch: number,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new CaptureError('NETLOOM_CAPTURE_WRITE', `cannot create the directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  addInterface(info: CaptureInterface): number {
    // Two ports whose names differ only in punctuation (s1:p2, s1-p2) get distinct files.
    const base = info.name.replace(/[^A-Za-z0-9_.-]/g, '-');
    let name = base;
    for (let n = 2; this.files.has(name); n++) name = `${base}-${n}`;
    this.files.add(name);
    const file = join(this.dir, `${name}.pcap`);
    this.writers.push(new PcapWriter(fileSink(file, this.force), { linkType: info.linkType ?? LINKTYPE_ETHERNET, epoch: this.epoch }));
    return this.writers.length - 1;
  }
  writePacket(interfaceId: number, timestampNs: number, data: Uint8Array, meta?: PacketMeta): void {
    const writer = this.writers[interfaceId];
    if (writer === undefined) throw new CaptureError('NETLOOM_CAPTURE_WRITE', `interface ${interfaceId} was never added`);
    writer.writePacket(timestampNs, data, meta?.originalLength);
  }
  addEspSecrets(): void {}
  close(): void {
    for (const w of this.writers) w.close();
  }
}

/** Every port into one classic pcap; they must share a link type. */
class SinglePcapCapture implements CaptureWriter {
  private readonly linkTypes: number[] = [];
  constructor(private readonly writer: PcapWriter) {}
  addInterface(info: CaptureInterface): number {
    const linkType = info.linkType ?? LINKTYPE_ETHERNET;
    if (linkType !== LINKTYPE_ETHERNET) {
      throw new CaptureError('NETLOOM_CAPTURE_WRITE', `${info.name} has link type ${linkType}; a classic pcap holds Ethernet only here (write pcapng instead)`);
    }
    this.linkTypes.push(linkType);
    return this.linkTypes.length - 1;
  }
  writePacket(interfaceId: number, timestampNs: number, data: Uint8Array, meta?: PacketMeta): void {
    if (interfaceId >= this.linkTypes.length) throw new CaptureError('NETLOOM_CAPTURE_WRITE', `interface ${interfaceId} was never added`);
    this.writer.writePacket(timestampNs, data, meta?.originalLength);
  }
  addEspSecrets(): void {}
  close(): void {
    this.writer.close();
  }
}
