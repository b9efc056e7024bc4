/** `netloom validate` and `netloom schema` as a user runs them. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');

function netloom(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netloom-')), name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
links:
  - endpoints: [h1:eth0, h2:eth0]
traffic:
  - ping: { from: h1, to: h2 }
expect:
  - delivered: { traffic: 0, min: 3 }
`;

describe('netloom validate', () => {
  it('prints a summary of a good file and exits 0', () => {
    const path = file('lan.yaml', GOOD);
    const r = netloom(['validate', path]);
    expect(r).toEqual({ status: 0, stdout: `${path}: ok (2 nodes, 1 link, 1 traffic item, 1 expectation)\n`, stderr: '' });
  });

  it('lists every problem, one per line with line and column, exits 2, and shows no stack trace', () => {
    const path = file('bad.yaml', GOOD.replace('h2:eth0]', 'h3:eth0]').replace('min: 3', 'min: 3, latncy: 1'));
    const r = netloom(['validate', path]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `netloom: NETLOOM_TOPOLOGY: ${path}:5:26 links[0].endpoints[1]: unknown node "h3"; did you mean "h1"? (nodes are h1, h2)\n` +
        `${path}:9:38 expect[0].delivered: unknown key "latncy" (keys are traffic, min, max)\n`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('warns of tunnels a run would lose, and exits 1: a VNI the far end does not take, a remote that is no VTEP', () => {
    const vxlan = readFileSync(join(root, 'topologies', 'vxlan.yaml'), 'utf8');
    const vni = file('vni.yaml', vxlan.replace('vx0: { type: vxlan, remoteIp: 192.168.1.1, key: 5000 }', 'vx0: { type: vxlan, remoteIp: 192.168.1.1, key: 5001 }'));
    expect(netloom(['validate', vni])).toEqual({
      status: 1,
      stdout:
        `${vni}: warning: s1:vx0: sends VNI 5000 to s2 (192.168.2.1), where no VXLAN port takes it from 192.168.1.1 (vx0 takes VNI 5001 from 192.168.1.1 on UDP 4789): s2 drops them\n` +
        `${vni}: warning: s2:vx0: sends VNI 5001 to s1 (192.168.1.1), where no VXLAN port takes it from 192.168.2.1 (vx0 takes VNI 5000 from 192.168.2.1 on UDP 4789): s1 drops them\n` +
        `${vni}: loads, with 2 warnings (5 nodes, 4 links, 3 traffic items, 5 expectations)\n`,
      stderr: '',
    });
    const remote = file('remote.yaml', vxlan.replace('vx0: { type: vxlan, remoteIp: 192.168.2.1, key: 5000 }', 'vx0: { type: vxlan, remoteIp: 192.168.2.9, key: 5000 }'));
    expect(netloom(['validate', remote]).stdout.split('\n')[0]).toBe(`${remote}: warning: s1:vx0: remoteIp 192.168.2.9 is no switch's underlay address: its VXLAN packets have no tunnel endpoint to reach`);
    // The ESP lesson's tunnel ports pair up, ESP-protected GRE with ESP-protected GRE: no warning.
    const esp = file('esp.yaml', readFileSync(join(root, 'topologies', 'esp.yaml'), 'utf8'));
    expect(netloom(['validate', esp]).status).toBe(0);
  });

  it('reports a file it cannot read', () => {
    const r = netloom(['validate', '/nonexistent/lab.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('netloom: NETLOOM_TOPOLOGY: /nonexistent/lab.yaml: cannot read the file: no such file\n');
  });
});

describe('netloom schema', () => {
  it('prints a JSON Schema of the file format', () => {
    const r = netloom(['schema']);
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; required: string[]; properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['nodes']);
    expect(Object.keys(schema.properties)).toEqual(['name', 'seed', 'defaults', 'nodes', 'links', 'tenants', 'platform', 'capture', 'traffic', 'expect']);
    expect(schema.properties['nodes']).toBeDefined();
    expect(schema.properties['defaults']?.properties?.['link']).toMatchObject({ properties: { latency: { default: '1ms' }, mtu: { default: 1500 } } });
  });
});
