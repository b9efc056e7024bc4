/**
 * Capture writing: one million 100-byte packets to a pcapng file through the buffered file
 * sink, beside one plain file write of the same packet bytes in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngWriter } from '../src/capture/pcapng.js';
import { fileSink } from '../src/capture/sinks.js';
import { report, type Result } from './harness.js';

const PACKETS = Number(process.env['BENCH_CAPTURE_PACKETS'] ?? 1_000_000);
const SIZE = 100;

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netloom-bench-'));
  const packet = Uint8Array.from({ length: SIZE }, (_, k) => k);
  try {
    const baseline = 'baseline: one plain write of the same bytes';
    const all = new Uint8Array(PACKETS * SIZE);
    for (let k = 0; k < PACKETS; k++) all.set(packet, k * SIZE);
    const plain = timed(() => writeFileSync(join(dir, 'plain.bin'), all));
    const pcapng = timed(() => {
      const writer = new PcapngWriter(fileSink(join(dir, 'bench.pcapng'), true));
      const port = writer.addInterface({ name: 'bench:p1' });
      for (let k = 0; k < PACKETS; k++) writer.writePacket(port, k * 1000, packet);
      writer.close();
    });
    const results: Result[] = [
      { name: baseline, opsPerSecond: PACKETS / plain },
      { name: 'pcapng writer, 64 KiB buffered file sink', opsPerSecond: PACKETS / pcapng, baseline },
    ];
    report(`capture: ${PACKETS.toLocaleString('en')} packets of ${SIZE} bytes to a file`, results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
