/**
 * Every command line of the README's shell blocks, run as written, in README order, in a fresh
 * directory that has the checkout's topologies/ and examples/ and `npx netloom` (a local bin
 * running this checkout's source): no placeholder, no missing file, no usage error, no stack
 * trace. Servers are started, awaited until they say where they listen, and stopped; the lines
 * that cannot run here say why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');

/** The README's shell command lines, in order. */
function readmeCommands(): string[] {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const out: string[] = [];
  let inShell = false;
  for (const line of lines) {
    if (line.startsWith('```')) inShell = !inShell && /^```(sh|bash|shell)\s*$/.test(line);
    else if (inShell && line.trim() !== '') out.push(line);
  }
  return out;
}

/** Lines not run, and why. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm install$/, 'the set-up CI runs before the tests'],
  [/^npm test$/, 'the test command this test is part of'],
  [/\| wireshark /, "opens Wireshark's window; test/feed/feed.test.ts reads the same live capture with tshark -i -"],
  [/^(NETLOOM_\w+=\S+ )?npx vitest run test\//, 'test files npm test runs already'],
];
/** Lines that run until stopped: up once their output says where they listen. */
const SERVERS: [RegExp, RegExp][] = [
  [/ --feed 7681/, /http:\/\/127\.0\.0\.1:7681\//],
  [/netloom serve /, /http:\/\/127\.0\.0\.1:7681\//],
  [/netloom controller --listen 127\.0\.0\.1:6653/, /127\.0\.0\.1:6653/],
];
/** Lines whose README comment says they exit 1 (the packet is not delivered). */
const EXIT_1 = [/--size 1472 --df/, /link-failure\.yaml .*--at 4s/];

const haveOsken = spawnSync('osken-manager', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveOsken) console.warn("skipping the README's os-ken line: osken-manager is missing. Install it with: apt-get install python3-os-ken");

describe("the README's commands", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netloom-readme-'));
    symlinkSync(join(root, 'topologies'), join(dir, 'topologies'));
    symlinkSync(join(root, 'examples'), join(dir, 'examples'));
    // `npx netloom` finds a local bin first, as in a project that depends on netloom; this one runs the checkout's source.
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    const bin = join(dir, 'node_modules', '.bin', 'netloom');
    writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(bin, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = { ...process.env, npm_config_offline: 'true', npm_config_yes: 'false', NO_COLOR: '1' };

  it('has commands, each of them handled below', () => {
    expect(readmeCommands().length).toBeGreaterThan(30);
  });

  it.each(readmeCommands())('%s', async (line) => {
    const skip = NOT_RUN.find(([re]) => re.test(line));
    if (skip !== undefined) {
      console.warn(`not run: ${line} (${skip[1]})`);
      return;
    }
    if (line.startsWith('osken-manager') && !haveOsken) return;
    const server = SERVERS.find(([re]) => re.test(line));
    if (server !== undefined) {
      const output = await untilListening(line, dir, env, server[1]);
      expect(output).toMatch(server[1]);
      expect(output).not.toMatch(/NETLOOM_|\n\s+at /);
      return;
    }
    const r = await runLine(line, dir, env);
    expect({ status: r.status, stderr: r.stderr.match(/NETLOOM_\w+.*|\n\s+at .*/)?.[0] }).toEqual({ status: EXIT_1.some((re) => re.test(line)) ? 1 : 0, stderr: undefined });
  });
});

/**
 * Runs a line in a process group of its own and, when it ends (or after 120 s), stops whatever it
 * left running in the background (`osken-manager … &`): nothing outlives the line.
 */
function runLine(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd, env, detached: true });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Nothing left.
      }
    };
    const timer = setTimeout(stop, 120_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      stop();
      resolve({ status, stderr });
    });
  });
}

/** Starts a server line in a process group of its own; resolves with what it printed once `up` matches (or after 30 s), and stops it. */
function untilListening(line: string, cwd: string, env: NodeJS.ProcessEnv, up: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `exec ${line}`], { cwd, env, detached: true });
    let output = '';
    const done = () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      resolve(output);
    };
    const timer = setTimeout(done, 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (up.test(output)) done();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', done);
  });
}
