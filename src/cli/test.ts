/**
 * `netloom test`: every topology's expectations as a test suite, for CI. Prints a line per
 * topology and per expectation, then `N passed, M failed`; exits 1 when an expectation fails, 2
 * when a file is bad input (it is reported as a failed test and the other files still run), 3 on
 * an internal error. `--junit FILE` also writes a JUnit XML report, one <testsuite> per file.
 * Topologies that need the wall clock (switches meeting peers outside the process) are skipped:
 * a test run never waits on the world.
 */
import { closeSync, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { loadTopologyFile } from '../topology/load.js';
import { loadApps } from '../topology/apps.js';
import { describeExpectation, runTopology, wallClockPeers, type ExpectationResult } from '../topology/run.js';
import { formatExpectation, formatFailure } from '../topology/summary.js';
import { isUserError, UsageError } from './errors.js';
import { printable } from './output.js';

export interface TestCommandOptions {
  junit?: string;
}

const TOPOLOGY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const DEFAULT_FOLDER = 'topologies';

/** One file's outcome: its expectations run, skipped, or the file could not be tested at all. */
type Outcome =
  | { kind: 'ran'; results: ExpectationResult[] }
  | { kind: 'skipped'; reason: string; expectations: string[] }
  /** `input`: bad input (exit 2); otherwise an internal error (exit 3). `message` may span lines. */
  | { kind: 'error'; input: boolean; code: string; headline: string; message: string };

interface Suite {
  file: string;
  outcome: Outcome;
  /** Wall-clock seconds, for the report. */
  seconds: number;
}

export async function testCommand(paths: string[], options: TestCommandOptions): Promise<void> {
  const files = topologyFiles(paths);
  // Opened first, so a report that cannot be written is known before the run, not after it.
  const junit = options.junit === undefined ? undefined : openReport(options.junit);
  const suites: Suite[] = [];
  const started = performance.now();
  for (const file of files) {
    const suite = 'empty' in file ? emptyFolderSuite(file.empty) : await runSuite(file.path);
    suites.push(suite);
    process.stdout.write(`${printable(formatSuite(suite))}\n`);
  }
  const count = countCases(suites);
  if (count.skipped > 0) process.stdout.write(`${count.skipped} skipped\n`);
  process.stdout.write(`${count.passed} passed, ${count.failed} failed\n`);
  if (junit !== undefined) {
    writeFileSync(junit, junitReport(suites, (performance.now() - started) / 1000));
    closeSync(junit);
  }
  const outcomes = suites.map((s) => s.outcome);
  if (outcomes.some((o) => o.kind === 'error' && !o.input)) process.exitCode = 3;
  else if (outcomes.some((o) => o.kind === 'error')) process.exitCode = 2;
  else if (count.failed > 0) process.exitCode = 1;
}

type TopologyFile = { path: string } | { empty: string };

/**
 * The files to test, in order: each file named, and each folder's .yaml, .yml and .json files
 * (not its subfolders, so `netloom test .` never wanders into node_modules). A path that does
 * not exist, or a folder with no topology in it, stays in the list: it is reported as a failed
 * test, as a bad topology is.
 */
function topologyFiles(paths: string[]): TopologyFile[] {
  if (paths.length === 0) {
    if (!isFolder(DEFAULT_FOLDER)) throw new UsageError(`no ${DEFAULT_FOLDER} folder here; name topology files or folders: netloom test DIR|FILES`);
    paths = [DEFAULT_FOLDER];
  }
  return paths.flatMap((path): TopologyFile[] => {
    if (!isFolder(path)) return [{ path }];
    const files = readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && TOPOLOGY_EXTENSIONS.has(extname(entry.name)))
      .map((entry) => ({ path: join(path, entry.name) }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    return files.length > 0 ? files : [{ empty: path }];
  });
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function openReport(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (error) {
    throw new UsageError(`--junit ${file}: cannot write it (${(error as NodeJS.ErrnoException).code})`);
  }
}

function emptyFolderSuite(folder: string): Suite {
  return { file: folder, seconds: 0, outcome: { kind: 'error', input: true, code: 'NETLOOM_USAGE', headline: 'no topology files', message: `${folder}: no topology files in this folder (.yaml, .yml or .json)` } };
}

async function runSuite(file: string): Promise<Suite> {
  const started = performance.now();
  const outcome = await runFile(file).catch((error: unknown): Outcome => {
    if (isUserError(error)) return { kind: 'error', input: true, code: error.code, headline: 'does not load', message: error.message };
    const detail = process.env['NETLOOM_DEBUG'] && error instanceof Error ? error.stack : undefined;
    return { kind: 'error', input: false, code: 'internal', headline: 'internal error', message: detail ?? `${String(error)} (set NETLOOM_DEBUG=1 for a stack trace)` };
  });
  return { file, outcome, seconds: (performance.now() - started) / 1000 };
}

async function runFile(file: string): Promise<Outcome> {
  const topology = loadTopologyFile(file);
  const peers = wallClockPeers(topology);
  if (peers.length > 0) {
    return { kind: 'skipped', reason: `needs the wall clock (${peers.join('; ')}): run it with netloom run`, expectations: topology.expect.map((e) => describeExpectation(e, topology)) };
  }
  // Module apps load as `netloom run` loads them: relative to the topology file.
  const apps = await loadApps(topology, dirname(resolve(file)));
  return { kind: 'ran', results: (await runTopology(topology, { apps })).expectations };
}

/** `ok   FILE` and an indented line per expectation; `FAIL FILE: does not load` and its problems; `skip FILE: why`. */
function formatSuite({ file, outcome }: Suite): string {
  if (outcome.kind === 'error') return [`FAIL ${file}: ${outcome.headline}`, ...outcome.message.split('\n').map((line) => `  ${line}`)].join('\n');
  if (outcome.kind === 'skipped') return [`skip ${file}: ${outcome.reason}`, ...outcome.expectations.map((e) => `  skip ${e}`)].join('\n');
  const passed = outcome.results.every((r) => r.passed);
  return [`${passed ? 'ok  ' : 'FAIL'} ${file}`, ...outcome.results.map((r) => `  ${formatExpectation(r)}`)].join('\n');
}

/** Test cases: one per expectation, and one for a file that could not be tested. */
function countCases(suites: Suite[]): { passed: number; failed: number; skipped: number } {
  const count = { passed: 0, failed: 0, skipped: 0 };
  for (const { outcome } of suites) {
    if (outcome.kind === 'error') count.failed++;
    else if (outcome.kind === 'skipped') count.skipped += outcome.expectations.length;
    else for (const r of outcome.results) count[r.passed ? 'passed' : 'failed']++;
  }
  return count;
}

/** JUnit XML as Jenkins, GitLab and GitHub reporters read it: <testsuites> of <testsuite> of <testcase>. */
function junitReport(suites: Suite[], seconds: number): string {
  const count = countCases(suites);
  const errors = suites.filter((s) => s.outcome.kind === 'error').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netloom test" tests="${count.passed + count.failed + count.skipped}" failures="${count.failed - errors}" errors="${errors}" skipped="${count.skipped}" time="${seconds.toFixed(3)}">`,
  ];
  for (const suite of suites) {
    const { file, outcome } = suite;
    const cases = outcome.kind === 'ran' ? outcome.results.length : outcome.kind === 'skipped' ? outcome.expectations.length : 1;
    const failures = outcome.kind === 'ran' ? outcome.results.filter((r) => !r.passed).length : 0;
    lines.push(
      `  <testsuite name="${xml(file)}" tests="${cases}" failures="${failures}" errors="${outcome.kind === 'error' ? 1 : 0}" skipped="${outcome.kind === 'skipped' ? cases : 0}" time="${suite.seconds.toFixed(3)}">`,
    );
    const testcase = (name: string) => `<testcase name="${xml(name)}" classname="${xml(file)}" file="${xml(file)}"`;
    if (outcome.kind === 'error') {
      const [first] = outcome.message.split('\n');
      lines.push(`    ${testcase(outcome.input ? 'load' : 'run')}>`, `      <error message="${xml(first!)}" type="${xml(outcome.code)}">${xml(outcome.message)}</error>`, '    </testcase>');
    } else if (outcome.kind === 'skipped') {
      for (const e of outcome.expectations) lines.push(`    ${testcase(e)}>`, `      <skipped message="${xml(outcome.reason)}"/>`, '    </testcase>');
    } else {
      for (const r of outcome.results) {
        if (r.passed) {
          lines.push(`    ${testcase(r.expectation)}/>`);
          continue;
        }
        // What was found, and for a path the hops it took, beside what was expected.
        lines.push(`    ${testcase(r.expectation)}>`, `      <failure message="${xml(r.actual)}" type="expectation">${xml(formatFailure(r))}</failure>`, '    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text for an attribute or element: markup escaped; characters XML 1.0 cannot hold at all written as `\uXXXX`. */
function xml(text: string): string {
  return text
    .replace(/[&<>"]/g, (c) => ENTITIES[c]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
