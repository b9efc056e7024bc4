/**
 * Flowspace entries per virtual switch (FlowVisor's dpid): an entry with `switches:` holds only
 * on those of the tenant's virtual switches, for its rules, groups, PACKET_OUTs, its hosts'
 * traffic and `netloom verify`; and every rewrite is checked against the flowspace where the
 * actions send the packet on.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encode, loadTopology } from '../../src/index.js';
import { build, type Built } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import { verifyModelOf } from '../../src/topology/verify.js';
import { tenantFlowspaces } from '../../src/tenants/verify.js';
import type { ControllerNode } from '../../src/controller/node.js';
import { OpenFlowRequestError, type Datapath } from '../../src/controller/datapath.js';
import type { SwitchNode } from '../../src/switch/node.js';
import { formatMatch } from '../../src/switch/ofctl.js';
import { ofpErrorName } from '../../src/openflow/errors.js';
import type { OfMessage } from '../../src/openflow/messages.js';
import type { OfAction } from '../../src/openflow/actions.js';
import { problems } from './problems.js';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '../..');
const FLOWSPACE = `
    flowspace:
      - { match: icmp, permission: write }
      - { match: arp, permission: write }
      - { match: "tcp,tp_dst=80", permission: write, switches: [right] }`;
/** tenants-two-switches with blue's controller driven by the test and its web traffic writable on its right switch only. */
const topologyText = () =>
  readFileSync(join(root, 'topologies', 'tenants-two-switches.yaml'), 'utf8')
    .replace('c-blue: { kind: controller, app: learning }', 'c-blue: { kind: controller, app: ./fixtures/quiet-app.ts }')
    .replace('    addresses: 10.0.0.0/24\n    switches:\n      left: { switch: s1, ports: [b1, core] }', `    addresses: 10.0.0.0/24${FLOWSPACE}\n    switches:\n      left: { switch: s1, ports: [b1, core] }`);


describe('flowspace entries per virtual switch', () => {
  it('load with the switches they hold on, and name a switch the tenant lacks, or one named twice, at its place', () => {
    const topology = loadTopology(topologyText(), 't.yaml');
    expect(topology.tenants?.[0]?.flowspace).toEqual([
      { match: 'icmp', permission: 'write' },
      { match: 'arp', permission: 'write' },
      { match: 'tcp,tp_dst=80', permission: 'write', switches: ['right'] },
    ]);
    expect(problems(topologyText().replace('switches: [right] }', 'switches: [rigth, left, left] }'))).toEqual([
      'bad.yaml:28:65 tenants.blue.flowspace[2].switches[0]: unknown virtual switch "rigth"; did you mean "right"? (blue has left, right)',
      'bad.yaml:28:78 tenants.blue.flowspace[2].switches[2]: left is named twice',
    ]);
    expect(problems(topologyText().replace('switches: [right] }', 'switches: [] }'))).toEqual([
      'bad.yaml:28:64 tenants.blue.flowspace[2].switches: name at least one virtual switch, or leave switches out for all of them',
    ]);
  });

  it('load for any list of the tenant switches named once each, and for no other list', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('left', 'right', 'middle', 'Left'), { minLength: 1, maxLength: 4 }), (names) => {
      const found = problems(topologyText().replace('switches: [right] }', `switches: [${names.join(', ')}] }`));
      const good = names.every((n) => n === 'left' || n === 'right') && new Set(names).size === names.length;
      expect(found.length === 0).toBe(good);
      if (good) expect(loadTopology(topologyText().replace('switches: [right] }', `switches: [${names.join(', ')}] }`), 't.yaml').tenants?.[0]?.flowspace?.[2]?.switches).toEqual(names);
    }), { numRuns: 60 });
  });

  it('are printed by netloom tenants with the switches they hold on', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netloom-')), 'flowspace.yaml');
    writeFileSync(file, topologyText().replace('./fixtures/quiet-app.ts', 'learning'));
    const r = spawnSync(process.execPath, [CLI, 'tenants', file], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      'blue: tenant 1, controller c-blue, addresses 10.0.0.0/24 -> physical 1.0.0.0/24',
      '  flowspace: write icmp',
      '  flowspace: write arp',
      '  flowspace: write tcp,tp_dst=80 on right',
    ]);
  });

  describe('in a run', () => {
    let built: Built;
    let clock: number;
    const dp = (n: number): Datapath => (built.net.nodes.get('c-blue') as ControllerNode).controller.datapaths.get((1n << 48n) | BigInt(n))!;
    const drive = async <T>(work: Promise<T>): Promise<T> => {
      const [result] = await Promise.all([work, built.net.run((clock += 0.2e9))]);
      return result;
    };
    const answer = (d: Datapath, m: OfMessage): Promise<string> =>
      drive(d.apply(m).then(() => 'ok', (e: unknown) => (e instanceof OpenFlowRequestError ? ofpErrorName({ type: e.errorType, code: e.errorCode }) : String(e))));
    const flow = (priority: number, match: OfMessage & { type: 'flow_mod' } extends { match: infer M } ? M : never, actions: OfAction[]): OfMessage => ({
      type: 'flow_mod', xid: 0, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority, bufferId: 0xffffffff,
      outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match, instructions: [{ type: 'apply_actions', actions }],
    });
    const WEB = [{ field: 'eth_type' as const, value: 0x0800n }, { field: 'ip_proto' as const, value: 6n }, { field: 'tcp_dst' as const, value: 80n }];
    const out = (port: number): OfAction => ({ type: 'output', port, maxLen: 0 });
    const toPort = (port: bigint): OfAction => ({ type: 'set_field', field: { field: 'tcp_dst', value: port } });
    const web = (dstPort: number) => encode([{ layer: 'ethernet' }, { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' }, { layer: 'tcp', srcPort: 4000, dstPort }]);
    const packetOut = (data: Uint8Array, actions: OfAction[]): OfMessage => ({ type: 'packet_out', xid: 0, bufferId: 0xffffffff, inPort: 0xfffffffd, actions, data });

    beforeEach(async () => {
      const topology = loadTopology(topologyText(), join(import.meta.dirname, 'flowspace.yaml'));
      built = build(topology, { apps: await loadApps(topology, import.meta.dirname) });
      clock = 0.5e9;
      await built.net.run(clock);
    });

    it("hold for the tenant's rules, groups and PACKET_OUTs on the switches they name only, and every rewrite stays inside them", async () => {
      const [left, right] = [dp(1), dp(2)];
      const answers: string[] = [];
      const attempts: [string, Datapath, OfMessage][] = [
        ['web rule on left', left, flow(10, WEB, [out(2)])],
        ['web rule on right', right, flow(10, WEB, [out(1)])],
        ['web rule on right rewriting to port 22', right, flow(11, WEB, [toPort(22n), out(1)])],
        ['web rule on right sending, then rewriting to 22 and sending again', right, flow(12, WEB, [out(1), toPort(22n), out(2)])],
        ['web rule on right rewriting to 22 and back before it sends', right, flow(13, WEB, [toPort(22n), toPort(80n), out(1)])],
        ['icmp rule on right rewriting its DSCP', right, flow(10, [{ field: 'eth_type', value: 0x0800n }, { field: 'ip_proto', value: 1n }], [{ type: 'set_field', field: { field: 'ip_dscp', value: 10n } }, out(1)])],
        ['group on right rewriting to port 22', right, { type: 'group_mod', xid: 0, command: 0, groupType: 0, groupId: 1, buckets: [{ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [toPort(22n), out(1)] }] }],
        ['group on right rewriting its DSCP', right, { type: 'group_mod', xid: 0, command: 0, groupType: 0, groupId: 1, buckets: [{ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: 'set_field', field: { field: 'ip_dscp', value: 10n } }, out(1)] }] }],
        ['web PACKET_OUT on left', left, packetOut(web(80), [out(1)])],
        ['web PACKET_OUT on right', right, packetOut(web(80), [out(1)])],
        ['web PACKET_OUT on right rewritten to port 22', right, packetOut(web(80), [toPort(22n), out(1)])],
        ['PACKET_OUT to port 22 on right', right, packetOut(web(22), [out(1)])],
      ];
      for (const [what, d, m] of attempts) answers.push(`${what}: ${await answer(d, m)}`);
      expect(answers).toEqual([
        'web rule on left: FLOW_MOD_FAILED/EPERM',
        'web rule on right: ok',
        'web rule on right rewriting to port 22: BAD_ACTION/EPERM',
        'web rule on right sending, then rewriting to 22 and sending again: BAD_ACTION/EPERM',
        'web rule on right rewriting to 22 and back before it sends: ok',
        'icmp rule on right rewriting its DSCP: ok',
        'group on right rewriting to port 22: BAD_ACTION/EPERM',
        'group on right rewriting its DSCP: ok',
        'web PACKET_OUT on left: BAD_REQUEST/EPERM',
        'web PACKET_OUT on right: ok',
        'web PACKET_OUT on right rewritten to port 22: BAD_ACTION/EPERM',
        'PACKET_OUT to port 22 on right: BAD_REQUEST/EPERM',
      ]);
      expect(Object.fromEntries(built.platform!.tenants[0]!.counters.refused)).toEqual({ 'FLOW_MOD_FAILED/EPERM': 1, 'BAD_ACTION/EPERM': 4, 'BAD_REQUEST/EPERM': 2 });
    });

    it("admit the tenant's hosts' traffic on the switches they name only, and netloom verify sees them so", async () => {
      const admits = (sw: string) =>
        (built.net.nodes.get(sw) as SwitchNode).bridge.pipeline.allRules().filter((r) => r.table === 0 && r.priority === 200 && /in_port=1\b/.test(r.matchText) && r.actionsText.includes('0x1/0xff')).map((r) => r.matchText.split(',').slice(0, 2).join(','));
      expect(admits('s1')).toEqual(['icmp,in_port=1', 'arp,in_port=1']);
      expect(admits('s2')).toEqual(['icmp,in_port=1', 'tcp,in_port=1', 'arp,in_port=1']);
      const entries = tenantFlowspaces(verifyModelOf(built)).filter((e) => e.tenant === 'blue').map((e) => `${e.switch} ${formatMatch(e.match)}`);
      expect(entries).toEqual([
        's1 icmp,in_port=1,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24',
        's1 arp,in_port=1,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.0/24',
        's2 icmp,in_port=1,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24',
        's2 tcp,in_port=1,nw_src=10.0.0.0/24,nw_dst=10.0.0.0/24,tp_dst=80',
        's2 arp,in_port=1,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.0/24',
      ]);
    });
  });
});
