import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../src/index.js';
import { writePcap } from '../../src/capture/pcap.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');
const netloom = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'netloom-flows-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('netloom flows', () => {
  const pipeline = file(
    'pipeline.txt',
    ['# a three-table pipeline', 'table=0,in_port=1,actions=resubmit(,1),output:4', 'table=1,ip,nw_dst=10.0.0.0/8,actions=dec_ttl,mod_dl_dst:0a:00:00:00:00:09,resubmit(,2),output:3', 'table=2,actions=output:2', ''].join('\n'),
  );

  it('traces a flow as ofproto/trace lays it out', () => {
    const r = netloom(['flows', 'trace', '--flows', pipeline, 'in_port=1,udp,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1000,tp_dst=2000']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(2, 16)).toEqual([
      'bridge("br0")',
      '-------------',
      ' 0. in_port=1, priority 32768',
      '    resubmit(,1)',
      '     1. ip,nw_dst=10.0.0.0/8, priority 32768',
      '            dec_ttl',
      '            set_field:0a:00:00:00:00:09->eth_dst',
      '            resubmit(,2)',
      '             2. priority 32768',
      '                    output:2',
      '            output:3',
      '    output:4',
      '',
      'Final flow: udp,in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=0a:00:00:00:00:09,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=63,nw_frag=no,tp_src=1000,tp_dst=2000',
    ]);
    expect(r.stdout).toContain('Outputs: port 2, port 3, port 4\n');
  });

  it('gives one JSON object per packet of a capture, with learning carried over under --generate', () => {
    const flows = file('normal.txt', 'actions=NORMAL\n');
    const a = '02:00:00:00:00:0a';
    const b = '02:00:00:00:00:0b';
    const frame = (src: string, dst: string) => encode([{ layer: 'ethernet', src, dst, etherType: 0x88b5 }, { layer: 'payload', data: new Uint8Array(4) }]);
    const pcap = join(dir, 'normal.pcap');
    writeFileSync(pcap, writePcap([{ timestampNs: 0, data: frame(a, b) }, { timestampNs: 1, data: frame(b, a) }]));
    // Both arrive on port 1 (--in-port), so the reply's destination was learned on its input port.
    const r = netloom(['flows', 'trace', '--flows', flows, '--ports', '1-3', '--pcap', pcap, '--in-port', '1', '--json', '--generate']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { outputs: { port: number }[]; steps: string[] });
    expect(lines[0]!.outputs.map((o) => o.port)).toEqual([2, 3, 65534]);
    expect(lines[1]!.outputs).toEqual([]);
    expect(lines[1]!.steps).toContain('-> learned port is input port, dropping');
  });

  it('keeps the bridge in a --state file across commands: -generate writes it, a trace without reads it and changes nothing', () => {
    const state = join(dir, 'tutorial.json');
    const tutorial = ['flows', 'trace', '--flows', 'examples/ovs-advanced.txt', '--ports', '1-4', '--state', state];
    // Without -generate nothing is learned and no state is written.
    expect(netloom([...tutorial, 'in_port=1,dl_vlan=20,dl_src=f0:00:00:00:00:01,dl_dst=90:00:00:00:00:01']).status).toBe(0);
    expect(existsSync(state)).toBe(false);
    const first = netloom([...tutorial, 'in_port=1,dl_vlan=20,dl_src=f0:00:00:00:00:01,dl_dst=90:00:00:00:00:01', '-generate']);
    expect(first.stdout).toContain('     -> table=10 vlan_tci=0x0014/0x0fff,dl_dst=f0:00:00:00:00:01 priority=32768 actions=load:0x1->NXM_NX_REG0[0..15]\n');
    const saved = readFileSync(state, 'utf8');
    expect(JSON.parse(saved)).toMatchObject({ netloom: 'flows-state', time: 1, macs: [] });
    expect((JSON.parse(saved) as { flows: { flow?: string }[] }).flows.filter((f) => f.flow !== undefined).map((f) => f.flow)).toEqual([
      ' cookie=0x0, duration=0.000s, table=10, n_packets=0, n_bytes=0, vlan_tci=0x0014/0x0fff,dl_dst=f0:00:00:00:00:01 actions=load:0x1->NXM_NX_REG0[0..15]',
    ]);
    // The reply finds the learned flow; without -generate the file is left as it was.
    const reply = netloom([...tutorial, 'in_port=2,dl_src=90:00:00:00:00:01,dl_dst=f0:00:00:00:00:01']);
    expect(reply.stdout).toContain('    10. vlan_tci=0x0014/0x0fff,dl_dst=f0:00:00:00:00:01, priority 32768\n            load:0x1->NXM_NX_REG0[0..15]\n');
    expect(reply.stdout).toContain('Outputs: port 1\n');
    expect(readFileSync(state, 'utf8')).toBe(saved);
    // A file that is not a state is bad input, named.
    const bad = file('bad-state.json', '{"netloom":"flows-state","time":-1,"macs":[],"flows":[]}');
    expect(netloom([...tutorial.slice(0, -1), bad, 'in_port=1'])).toMatchObject({ status: 2, stderr: `netloom: NETLOOM_FLOW_STATE: ${bad}: time: must be a number of nanoseconds, 0 or more\n` });
    const notJson = file('not-json.json', '{');
    expect(netloom([...tutorial.slice(0, -1), notJson, 'in_port=1']).stderr).toMatch(/^netloom: NETLOOM_USAGE: --state .*not-json\.json: not JSON \(/);
    expect(netloom(['flows', 'trace', '--flows', 'examples/ovs-advanced.txt', '--frags', 'reassemble', 'in_port=1'])).toMatchObject({
      status: 2,
      stderr: "netloom: NETLOOM_USAGE: --frags \"reassemble\": give normal, drop, nx-match (OVS's userspace datapath has no reassemble: it keeps the mode it had)\n",
    });
    expect(netloom(['flows', 'trace', '--flows', 'examples/ovs-advanced.txt', '--ct-next', 'trk,est', '--ct-next', 'est', 'in_port=1'])).toMatchObject({
      status: 2,
      stderr: 'netloom: NETLOOM_USAGE: --ct-next "est": est: invalid connection state: If "trk" is unset, no other flags are set\n',
    });
  });

  it('dumps flows as dump-flows does', () => {
    const r = netloom(['flows', 'dump', '--flows', pipeline]);
    expect(r.stdout.split('\n')[0]).toBe(' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, in_port=1 actions=resubmit(,1),output:4');
  });

  it('names the file line and column of a bad flow, exit 2, no stack trace', () => {
    const bad = file('bad.txt', 'in_port=1,actions=output:2\n\ntcp,tp_dst=80,actions=frob\n');
    const r = netloom(['flows', 'trace', '--flows', bad, 'in_port=1']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`netloom: NETLOOM_FLOW_SYNTAX: ${bad}:3: column 23: unknown action "frob"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every bad line of a flow file at once, each at its line and column, and keeps no rule of it', () => {
    const bad = file('several.txt', 'in_port=1,actions=output:2\nbogus=1,actions=drop\n# fine\ntcp,tp_dst=80,actions=frob\nactions=output:0x1\n');
    const r = netloom(['flows', 'dump', '--flows', bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => !l.startsWith(' '))).toEqual([
      'netloom: NETLOOM_FLOW_SYNTAX: 3 bad flows:',
      expect.stringMatching(new RegExp(`^${bad}:2: column 1: unknown field "bogus"; fields are in_port, `)),
      `${bad}:4: column 23: unknown action "frob"`,
      `${bad}:5: column 16: 0x1: output to unknown port`,
      '',
    ]);
    // Past fifty, the rest are counted.
    const many = file('many.txt', Array.from({ length: 53 }, (_, i) => `priority=${i},actions=frob`).join('\n'));
    const m = netloom(['flows', 'dump', '--flows', many]);
    expect([m.status, m.stderr.split('\n')[0], m.stderr.trimEnd().split('\n').at(-1)]).toEqual([2, 'netloom: NETLOOM_FLOW_SYNTAX: 53 bad flows:', '… and 3 more']);
  });

  it('counts an error\'s column in the line as written, indentation included', () => {
    const flows = file('indented.txt', '\t  actions=drop\n    in_port=1,actions=frob\r\n');
    const r = netloom(['flows', 'dump', '--flows', flows]);
    expect([r.status, r.stderr.split('\n')[0]]).toEqual([2, `netloom: NETLOOM_FLOW_SYNTAX: ${flows}:2: column 23: unknown action "frob"`]);
  });

  it('reads flows as plain ovs-ofctl does by default, and with the 1.1+ checks under --protocols OpenFlow13', () => {
    const flows = file('strip.txt', 'in_port=1,actions=strip_vlan,output:2\n');
    const plain = netloom(['flows', 'dump', '--flows', flows]);
    expect([plain.status, plain.stdout.split('\n')[0]]).toEqual([0, ' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, in_port=1 actions=strip_vlan,output:2']);
    const strict = netloom(['flows', 'dump', '--protocols', 'OpenFlow13', '--flows', flows]);
    expect(strict.status).toBe(2);
    expect(strict.stderr.split('\n')[0]).toBe(`netloom: NETLOOM_FLOW_SYNTAX: ${flows}:1: column 19: strip_vlan needs a VLAN tag the match proves (dl_vlan=… or vlan_tci=0x1000/0x1000) and no earlier pop removed, as OVS requires for OpenFlow 1.1+ (OVS refuses: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))`);
    const bad = netloom(['flows', 'dump', '--protocols', 'OpenFlow12', '--flows', flows]);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'netloom: NETLOOM_USAGE: --protocols "OpenFlow12": give OpenFlow10 or OpenFlow13']);
  });

  it('refuses a --packet shorter than an Ethernet header', () => {
    const flows = file('drop.txt', 'actions=drop\n');
    const r = netloom(['flows', 'trace', '--flows', flows, '--packet', '0011']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('netloom: NETLOOM_USAGE: --packet: 2 bytes is shorter than an Ethernet header (14 bytes)');
  });
  it('--meters: the meters a flow file uses; dump-meters lists them; trace shows a meter that drops', () => {
    const meters = file('meters.txt', '# one packet a second, a burst of one\nmeter=1 pktps burst stats bands=type=drop rate=1 burst_size=1\n');
    const metered = file('metered.txt', 'in_port=1,actions=meter:1,output:2\n');
    const dump = netloom(['flows', 'dump-meters', '--flows', metered, '--meters', meters]);
    expect(dump).toEqual({ status: 0, stdout: 'meter=1 pktps burst stats bands=\ntype=drop rate=1 burst_size=1\n', stderr: '' });
    const frame = encode([{ layer: 'ethernet', src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b', etherType: 0x88b5 }, { layer: 'payload', data: new Uint8Array(4) }]);
    const pcap = join(dir, 'two.pcap');
    writeFileSync(pcap, writePcap([{ timestampNs: 0, data: frame }, { timestampNs: 1, data: frame }]));
    const r = netloom(['flows', 'trace', '--flows', metered, '--meters', meters, '--pcap', pcap, '--json', '--generate']);
    expect(r.status).toBe(0);
    const steps = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { steps: string[] }).steps);
    expect(steps).toEqual([
      ['0. in_port=1, priority 32768', 'meter:1', 'output:2'],
      ['0. in_port=1, priority 32768', 'meter:1', '>> meter 1 band 0 (drop, rate 1) exceeded: dropped'],
    ]);
  });

  it('a flow whose meter is missing, or a meter the table refuses, is bad input (exit 2) at its place', () => {
    const metered = file('metered2.txt', 'in_port=1,actions=meter:3,output:2\n');
    expect(netloom(['flows', 'dump', '--flows', metered])).toMatchObject({ status: 2, stdout: '' });
    expect(netloom(['flows', 'dump', '--flows', metered]).stderr).toContain('the flow uses meter 3, which does not exist (OFPMMFC_INVALID_METER)');
    const twice = file('twice.txt', 'meter=3 kbps bands=type=drop rate=10\n\nmeter=3 kbps bands=type=drop rate=20\n');
    const r = netloom(['flows', 'dump', '--flows', metered, '--meters', twice]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${twice}:3: meter 3 exists (OFPMMFC_METER_EXISTS)`);
  });
});
