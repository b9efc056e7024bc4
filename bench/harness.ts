/**
 * Benchmark timing: each case runs in batches until it has run for `seconds`, after a warm-up,
 * and reports operations per second. Figures are only meaningful as ratios to a baseline
 * measured in the same run, on the same machine.
 */
export interface Result {
  name: string;
  opsPerSecond: number;
  baseline?: string;
}

export const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1');

export function measure(name: string, op: () => void, baseline?: string): Result {
  const deadline = (warm: number) => process.hrtime.bigint() + BigInt(Math.round(warm * 1e9));
  let batch = 1;
  // Warm up (and let the JIT settle) for a fifth of the time.
  for (const until = deadline(SECONDS / 5); process.hrtime.bigint() < until; batch = Math.min(batch * 2, 1 << 16)) {
    for (let k = 0; k < batch; k++) op();
  }
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < end) {
    for (let k = 0; k < batch; k++) op();
    ops += batch;
    now = process.hrtime.bigint();
  }
  return { name, opsPerSecond: ops / (Number(now - start) / 1e9), ...(baseline && { baseline }) };
}

export async function measureAsync(name: string, op: () => Promise<unknown>, baseline?: string): Promise<Result> {
  for (let k = 0; k < 1000; k++) await op();
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < end) {
    for (let k = 0; k < 100; k++) await op();
    ops += 100;
    now = process.hrtime.bigint();
  }
  return { name, opsPerSecond: ops / (Number(now - start) / 1e9), ...(baseline && { baseline }) };
}

export function report(title: string, results: Result[]): void {
  const byName = new Map(results.map((r) => [r.name, r]));
  console.log(`\n${title}`);
  for (const r of results) {
    const base = r.baseline ? byName.get(r.baseline) : undefined;
    const ratio = base ? `  ${(r.opsPerSecond / base.opsPerSecond).toFixed(3)}x ${r.baseline}` : '';
    console.log(`  ${r.name.padEnd(48)} ${format(r.opsPerSecond).padStart(10)}/s${ratio}`);
  }
}

function format(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
