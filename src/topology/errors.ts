/**
 * The errors of topologies: a bad topology file (every problem found, each naming the file, the
 * line and column of the offending YAML node and its path), and a probe a topology cannot send
 * (tracePath's arguments). Owns the wording helpers shared by the loader and the probe check
 * (paths, did-you-mean, lists of names); knows nothing of YAML or zod.
 */

export interface TopologyIssue {
  /** The file; for a topology written in code, the builder call that gave the value (`topology("lan").link("h1:eth0", "s9:p1")`). */
  file: string;
  /** 1-based line of the offending node; 0 for the file as a whole (it cannot be read), or a topology written in code. */
  line: number;
  /** 1-based column of the offending node; 0 with line 0. */
  column: number;
  /** Where in the document, e.g. `links[2].endpoints[1]`; empty for the document itself. */
  path: string;
  message: string;
}

/** `vxlan.yaml:14:7 links[2].endpoints[1]: unknown node "s9" (nodes are h1, h2, s1)` */
export function formatIssue(issue: TopologyIssue): string {
  const place = issue.line === 0 ? issue.file : `${issue.file}:${issue.line}:${issue.column}`;
  return `${place}${issue.path === '' ? '' : ` ${issue.path}`}: ${issue.message}`;
}

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  readonly code = 'NETLOOM_TOPOLOGY';
  /** Problems shown in the message; the rest are counted (a generated file can have thousands). */
  static readonly SHOWN = 50;
  /** Every problem found, in file order; never empty. */
  readonly issues: readonly TopologyIssue[];

  constructor(issues: readonly TopologyIssue[]) {
    const more = issues.length - TopologyError.SHOWN;
    super(issues.slice(0, TopologyError.SHOWN).map(formatIssue).join('\n') + (more > 0 ? `\n… and ${more} more` : ''));
    this.issues = issues;
  }
}

/** The argument of `tracePath` (or option of `netloom trace`) that a ProbeError is about. */
export type ProbeArgument = 'from' | 'to' | 'proto' | 'dstPort' | 'at' | 'size' | 'seed';

/**
 * A probe the topology cannot send: `from` is not a host with an IPv4 address, `to` is neither
 * a node with one nor an IPv4 address, or a protocol, port or time is out of range. The message
 * starts with the argument and, for `from` and `to`, lists the names that would do.
 */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  readonly code = 'NETLOOM_PROBE';

  constructor(
    readonly argument: ProbeArgument,
    message: string,
    /** What this argument accepts, where it is a list: `from`, hosts with an address; `to`, nodes with one; `proto`. */
    readonly accepted: readonly string[] = [],
  ) {
    super(`${argument}: ${message}`);
  }
}

/** The option of runTopology (`until`, `seed`, `capturePorts`) or verifyIsolation (`at`, `seed`) that a RunOptionError is about. */
export type RunOption = 'until' | 'seed' | 'at' | 'capturePorts';

/** A run option out of its range: a virtual time that is not whole nanoseconds from 0, a seed that is not 32 bits, a capture port that is not the topology's. */
export class RunOptionError extends Error {
  override readonly name = 'RunOptionError';
  readonly code = 'NETLOOM_RUN_OPTION';

  constructor(
    readonly option: RunOption,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** Why `value` is not a virtual time (whole nanoseconds from 0, or with `endless` Infinity: no end), or undefined when it is one. */
export function timeProblem(value: unknown, endless = false): string | undefined {
  // Virtual time is whole nanoseconds: a fraction or NaN would break determinism or never end.
  if ((typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (endless && value === Infinity)) return undefined;
  return `${String(value)} is not a virtual time (whole nanoseconds from 0${endless ? ', or Infinity' : ''})`;
}

/** Why `value` is not a seed (as a topology's `seed:`), or undefined when it is one. */
export function seedProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return undefined;
  return `${String(value)} is not a seed (a whole number from 0 to 4294967295)`;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['links', 2, 'endpoints', 1]` -> `links[2].endpoints[1]`; odd keys are quoted: `nodes["a b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Names as the messages list them: `h1, h2, s1`, or `(none)`. */
export function listNames(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}

/** The closest of `candidates` to a mistyped `word`, if one is close enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the word (at least one edit, at most three) keeps suggestions plausible.
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** `; did you mean "latency"?` or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one typo. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
