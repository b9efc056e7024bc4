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
import { LINKTYPE_ETHERNET } from './writer.js';

export interface OpenCaptureOptions {
  /** Replace existing files. */
  force?: boolean;
  /** The writing application named in a pcapng section header. */
  application?: string;
}

export function openCapture(path: string, options: OpenCaptureOptions = {}): CaptureWriter {
  const force = options.force ?? false;
  if (path === '-') return new PcapngWriter(stdoutSink(), options.application);
  if (path.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())) return new DirectoryCapture(path, force);
  if (path.endsWith('.pcap')) return new SinglePcapCapture(new PcapWriter(fileSink(path, force)));
  return new PcapngWriter(fileSink(path, force), options.application);
}

/** One classic pcap file per port. Classic pcap has no comments or directions; they are dropped. */
class DirectoryCapture implements CaptureWriter {
  private readonly writers: PcapWriter[] = [];
  private readonly files = new Set<string>();
  constructor(
    private readonly dir: string,
    private readonly force: boolean,
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
    this.writers.push(new PcapWriter(fileSink(file, this.force), { linkType: info.linkType ?? LINKTYPE_ETHERNET }));
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
