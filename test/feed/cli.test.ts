/** `netloom run --feed` and `netloom serve` from the command line: URLs printed, user errors exit 2 with a NETLOOM_ code. */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect, isEnded } from './helpers.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');
const netloom = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('netloom run --feed', () => {
  it('serves the run, prints where, and prints the summary when it ends', () => {
    const r = netloom(['run', 'topologies/vxlan.yaml', '--feed', '0', '--speed', 'max']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^feed: http:\/\/127\.0\.0\.1:\d+\/\n  WebSocket ws:\/\/127\.0\.0\.1:\d+\/feed\n  live capture: curl -sN 'http:\/\/127\.0\.0\.1:\d+\/capture\.pcapng' \| wireshark -k -i -\n$/);
    expect(r.stdout).toContain('5 of 5 expectations passed');
  });

  it.each([
    [['--feed', 'nope'], 'netloom: NETLOOM_USAGE: --feed "nope" is not [HOST:]PORT (e.g. 127.0.0.1:7681)\n'],
    [['--feed', '0', '--speed', '0'], 'netloom: NETLOOM_USAGE: --speed "0" is not a positive number of virtual seconds per real second (e.g. 1, 0.01) or max\n'],
    [['--speed', '2'], 'netloom: NETLOOM_USAGE: --speed goes with --feed\n'],
    [['--feed', '0', '--token', 'short'], 'netloom: NETLOOM_USAGE: --token must be 16 to 256 characters of letters, digits, . _ ~ -\n'],
    [['--feed', '0', '--pcap', '/tmp/x.pcapng'], 'netloom: NETLOOM_USAGE: --pcap and --feed: the feed streams the same capture at /capture.pcapng (curl -sN URL/capture.pcapng > FILE.pcapng)\n'],
    [['--feed', '10.254.254.254:0'], 'netloom: NETLOOM_LISTEN: cannot listen on 10.254.254.254:0: EADDRNOTAVAIL (no interface has this address)\n'],
  ])('%j is a user error: exit 2, one line', (args, stderr) => {
    const r = netloom(['run', 'topologies/vxlan.yaml', ...args]);
    expect([r.status, r.stderr]).toEqual([2, stderr]);
  });

  it('says the port is in use, exit 2', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'run', 'topologies/vxlan.yaml', '--feed', String(port)], { cwd: root });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    busy.close();
    expect(r).toEqual({ status: 2, stderr: `netloom: NETLOOM_LISTEN: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the port is in use)\n` });
  });
});

describe('netloom serve', () => {
  it('waits for a client to play, prints each run\'s summary (a restart is run 2), and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', 'topologies/vxlan.yaml', '--listen', '127.0.0.1:0', '--speed', 'max'], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += String(d);
        const m = /WebSocket (ws:\S+)/.exec(stderr);
        if (m && stderr.includes('waiting for a client')) resolve(m[1]!);
      }),
    );
    const c = await connect(url);
    const hello = await c.until((m) => m.type === 'hello');
    expect(hello.type === 'hello' && hello.state).toEqual({ run: 1, state: 'ready', t: 0, speed: null, control: true });
    c.send({ type: 'play' });
    await c.until(isEnded);
    while (!stdout.includes('expectations passed')) await new Promise((resolve) => setTimeout(resolve, 10));
    c.send({ type: 'restart' });
    c.send({ type: 'play' });
    await c.until((m) => m.type === 'state' && m.state.run === 2 && m.state.state === 'ended');
    while (!stdout.includes('run 2: ')) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout.match(/^(run 2: )?vxlan \(seed 1\): 9\.001 s of virtual time/gm)).toEqual(['vxlan (seed 1): 9.001 s of virtual time', 'run 2: vxlan (seed 1): 9.001 s of virtual time']);
    expect(stdout.match(/5 of 5 expectations passed/g)).toHaveLength(2);
  });

  it('refuses a bad --listen, exit 2', () => {
    const r = netloom(['serve', 'topologies/vxlan.yaml', '--listen', 'example.com:80']);
    expect([r.status, r.stderr]).toEqual([2, 'netloom: NETLOOM_USAGE: --listen "example.com:80" is not [HOST:]PORT (e.g. 127.0.0.1:7681)\n']);
  });
});
