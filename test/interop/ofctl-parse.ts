/**
 * `ovs-ofctl parse-flows` as an oracle for flow text: whether Open vSwitch accepts each line of a
 * corpus, with no switch running. It owns one temporary directory per call and the ovs-ofctl
 * processes it starts, nothing else.
 *
 * parse-flows stops at the first line it refuses (`ovs-ofctl: FILE:LINE: message`), and checks
 * that one protocol can carry every flow only after reading them all (`no usable protocol`, no
 * line). So a batch that passes accepts all its lines; a batch that names a line refuses that
 * line and says nothing of the others: the batch goes on after it, and the lines before it are
 * asked about together at the end; a batch refused as a whole is halved until one line is left.
 * That is one process when every line is good, and about one per refused line (a few more for
 * protocol refusals) otherwise, where one process per line would cost 40 ms a line. The lines
 * are dealt out to one slice per core, each judged by its own processes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OfctlProtocols } from './ovs.js';

export type { OfctlProtocols };

const run = promisify(execFile);

/** What ovs-ofctl said of one line: accepted, or refused with its message (log lines left out). */
export type OvsVerdict = { accepted: true } | { accepted: false; message: string };

interface BatchResult {
  ok: boolean;
  /** 1-based line of the batch the refusal names, if it names one. */
  line?: number;
  message: string;
}

/**
 * Verdicts for `flows` (one flow per element, no newlines), in order, as `ovs-ofctl -O protocols
 * parse-flows` gives them; the corpus is cut into one slice per core, judged side by side.
 */
export async function ovsParseVerdicts(flows: readonly string[], protocols: OfctlProtocols): Promise<OvsVerdict[]> {
  const dir = mkdtempSync(join(tmpdir(), 'netloom-parse-flows-'));
  const verdicts: OvsVerdict[] = new Array(flows.length);
  const slices = Math.max(1, Math.min(availableParallelism(), 8));
  const judgeSlice = async (slice: number): Promise<void> => {
    const file = join(dir, `flows-${slice}.txt`);
    const batch = async (indices: readonly number[]): Promise<BatchResult> => {
      writeFileSync(file, indices.map((i) => `${flows[i]}\n`).join(''));
      try {
        await run('ovs-ofctl', [...(protocols === 'plain' ? [] : ['-O', protocols]), 'parse-flows', file], { timeout: 60_000, maxBuffer: 64 << 20 });
        return { ok: true, message: '' };
      } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? '');
        const fatal = stderr.split('\n').find((l) => l.startsWith('ovs-ofctl: '));
        if (fatal === undefined) throw new Error(`ovs-ofctl parse-flows failed without saying why: ${stderr}`);
        const named = fatal.startsWith(`ovs-ofctl: ${file}:`) ? /^ovs-ofctl: [^:]+:(\d+): (.*)$/.exec(fatal) : null;
        return named ? { ok: false, line: Number(named[1]), message: named[2]! } : { ok: false, message: fatal.slice('ovs-ofctl: '.length) };
      }
    };
    // Lines before a refused one were read without error; whether one protocol carries them is
    // asked at the end, for all of them together.
    const read: number[] = [];
    const judge = async (indices: readonly number[], readAlready: boolean): Promise<void> => {
      let rest = indices;
      while (rest.length > 0) {
        const result = await batch(rest);
        if (result.ok) {
          for (const i of rest) verdicts[i] = { accepted: true };
          return;
        }
        if (result.line !== undefined && !readAlready) {
          verdicts[rest[result.line - 1]!] = { accepted: false, message: result.message };
          read.push(...rest.slice(0, result.line - 1));
          rest = rest.slice(result.line);
        } else if (rest.length === 1) {
          verdicts[rest[0]!] = { accepted: false, message: result.message };
          return;
        } else {
          const half = rest.length >> 1;
          await judge(rest.slice(0, half), readAlready);
          rest = rest.slice(half);
        }
      }
    };
    await judge(flows.map((_, i) => i).filter((i) => i % slices === slice), false);
    await judge(read, true);
  };
  try {
    await Promise.all(Array.from({ length: slices }, (_, slice) => judgeSlice(slice)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return verdicts;
}
