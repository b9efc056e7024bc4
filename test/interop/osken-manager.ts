/** Runs Debian's `osken-manager` (python3-os-ken) with an app on a free port, for the interop tests that need a real controller. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const haveOsKen = spawnSync('osken-manager', ['--version'], { encoding: 'utf8' }).status === 0;

/** The learning-switch app the lessons use (what simple_switch_13 did), logging what it does. */
export const LEARNING_APP = join(import.meta.dirname, '../../topologies/apps/osken_learning.py');

/** A TCP port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface OsKen {
  port: number;
  /** The lines the app logged (NETLOOM_OSKEN_LOG): `connected DPID`, `packet_in …`, `flow_mod …`. */
  log(): string[];
  stop(): void;
}

/** Starts osken-manager with `app` and gives it until it listens. */
export async function startOsKen(app: string): Promise<OsKen> {
  const dir = mkdtempSync(join(tmpdir(), 'netloom-osken-'));
  const logFile = join(dir, 'app.log');
  const port = await freePort();
  const child: ChildProcess = spawn('osken-manager', ['--ofp-tcp-listen-port', String(port), app], {
    env: { ...process.env, NETLOOM_OSKEN_LOG: logFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // os-ken prints its apps as it loads them; give it until it listens.
  await new Promise((r) => setTimeout(r, 1500));
  return {
    port,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : []),
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
