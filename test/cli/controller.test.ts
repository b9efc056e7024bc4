/**
 * `netloom controller` for switches outside the process, and `netloom run` with switches that
 * connect out to it (`controller: tcp:…`) or listen for tools (`listen:`): both follow the wall
 * clock; mistakes are one line and exit 2.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');

function netloom(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netloom-')), 'topology.yaml');
  writeFileSync(path, text);
  return path;
}

const TWO_SWITCHES = (controller: string) => `
name: external-controller
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [h1, s2], controller: "${controller}" }
  s2: { kind: switch, ports: [h2, s1], controller: "${controller}" }
links:
  - endpoints: [h1:eth0, s1:h1]
  - endpoints: [h2:eth0, s2:h2]
  - endpoints: [s1:s2, s2:s1]
traffic:
  - ping: { name: ping, from: h1, to: h2, count: 3, start: 500ms }
expect:
  - delivered: { traffic: ping, min: 3 }
`;

describe('netloom controller and wall-clock runs', () => {
  it('runs the learning app for switches that connect over TCP, until interrupted', async () => {
    const controller = spawn(process.execPath, [CLI, 'controller', '--listen', '127.0.0.1:0', '--app', 'learning', '--option', 'idleTimeout=30'], { cwd: root });
    let out = '';
    controller.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
      controller.stdout.on('data', () => {
        const m = /listening on tcp:127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const run = spawn(process.execPath, [CLI, 'run', file(TWO_SWITCHES(`tcp:127.0.0.1:${port}`)), '--until', '3s'], { cwd: root });
    let runOut = '';
    let runErr = '';
    run.stdout.on('data', (c: Buffer) => (runOut += c.toString()));
    run.stderr.on('data', (c: Buffer) => (runErr += c.toString()));
    const status = await new Promise<number | null>((resolve) => run.on('close', resolve));
    expect(runErr).toContain('running in real time for 3.000 s');
    expect(runOut).toContain('ping  sent 3  delivered 3  lost 0');
    expect(status).toBe(0);
    controller.kill('SIGINT');
    expect(await new Promise((resolve) => controller.on('close', resolve))).toBe(0);
    expect(out).toContain('controller: switch 0000000000000001 connected (3 ports)');
    expect(out).toContain('controller: switch 0000000000000002 connected (3 ports)');
  }, 40_000);

  it('says where a listening switch accepts ovs-ofctl', () => {
    const r = netloom(['run', file('name: l\nnodes:\n  s1: { kind: switch, ports: [p1], listen: 0 }\n'), '--until', '200ms']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^running in real time for 0\.200 s\ns1: OpenFlow on tcp:127\.0\.0\.1:\d+ \(ovs-ofctl -O OpenFlow13 show tcp:127\.0\.0\.1:\d+\)\n$/);
  });

  it('a port already in use is one line naming the switch and the port, exit 2', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const r = netloom(['run', file(`name: l\nnodes:\n  s1: { kind: switch, ports: [p1], listen: ${port} }\n`), '--until', '200ms']);
    const c = netloom(['controller', '--listen', `127.0.0.1:${port}`]);
    busy.close();
    expect([r.status, r.stderr.split('\n')[1]]).toEqual([2, `netloom: NETLOOM_LISTEN: s1: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the port is in use)`]);
    expect([c.status, c.stderr]).toEqual([2, `netloom: NETLOOM_LISTEN: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the port is in use)\n`]);
  });

  it('mistakes are one line, exit 2', () => {
    const listen = netloom(['controller', '--listen', 'here']);
    expect([listen.status, listen.stderr]).toEqual([2, 'netloom: NETLOOM_USAGE: --listen "here" is not [HOST:]PORT (e.g. 127.0.0.1:6653)\n']);
    const app = netloom(['controller', '--app', 'learnin']);
    expect([app.status, app.stderr]).toEqual([2, 'netloom: NETLOOM_APP_LOAD: unknown app "learnin" (built-in apps are learning, proactive, firewall; a module path starts with ./, ../ or /)\n']);
    const missing = netloom(['controller', '--app', './no-such-app.js']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^netloom: NETLOOM_APP_LOAD: cannot load app .*no-such-app\.js: /);
  });
});
