/**
 * The control channel in a run's capture, read by tshark: every OpenFlow message netloom's
 * switches and controller exchanged is framed as TCP to port 6653 on the switch's `openflow`
 * interface; tshark finds no malformed packet and no expert warning, and reads the same message
 * types, xids, OXM fields (in order) and actions (in order) that netloom's own decoder reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { readCapture } from '../../src/capture/read.js';
import { decode, loadTopologyFile } from '../../src/index.js';
import { runTopology } from '../../src/topology/run.js';
import { decodeMessage, type OfMessage } from '../../src/openflow/messages.js';
import { oxmField, type Oxm } from '../../src/openflow/oxm.js';
import type { OfAction, OfInstruction } from '../../src/openflow/actions.js';

const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!haveTshark) console.warn('skipping the control-channel tshark test: tshark is missing. Install it with: apt-get install tshark');

const root = join(import.meta.dirname, '../..');
const ACTION_CODE: Record<string, number> = { output: 0, push_vlan: 17, pop_vlan: 18, set_nw_ttl: 23, dec_nw_ttl: 24, set_field: 25, group: 22 };

/** What netloom reads from one message: type, xid, OXM field numbers and action type numbers, in wire order. */
function netloomView(m: OfMessage): string {
  const fields: number[] = [];
  const actions: number[] = [];
  const oxms = (list: readonly Oxm[]) => list.forEach((o) => fields.push(o.field === 'unknown' ? -1 : oxmField(o.field)!.field));
  const acts = (list: readonly OfAction[]) =>
    list.forEach((a) => {
      actions.push(ACTION_CODE[a.type] ?? -1);
      if (a.type === 'set_field') oxms([a.field]);
    });
  const instructions = (list: readonly OfInstruction[]) => list.forEach((i) => (i.type === 'apply_actions' || i.type === 'write_actions' ? acts(i.actions) : undefined));
  if (m.type === 'flow_mod') {
    oxms(m.match);
    instructions(m.instructions);
  } else if (m.type === 'packet_in' || m.type === 'flow_removed') oxms(m.match);
  else if (m.type === 'packet_out') acts(m.actions);
  const type = decodeTypeNumber(m);
  return `${type} xid=${m.xid} oxm=${fields.join(',')} actions=${actions.join(',')}`;
}

const TYPE_NUMBER: Record<string, number> = {
  hello: 0, error: 1, echo_request: 2, echo_reply: 3, features_request: 5, features_reply: 6, get_config_request: 7, get_config_reply: 8, set_config: 9,
  packet_in: 10, flow_removed: 11, port_status: 12, packet_out: 13, flow_mod: 14, multipart_request: 18, multipart_reply: 19, barrier_request: 20, barrier_reply: 21,
};
const decodeTypeNumber = (m: OfMessage) => TYPE_NUMBER[m.type] ?? -1;

describe.skipIf(!haveTshark)('control channel captures in tshark', () => {
  it.each(['controller-learning', 'controller-proactive', 'controller-firewall'])('%s: tshark reads every OpenFlow message as netloom does', async (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-ofcap-'));
    try {
      const file = join(dir, `${name}.pcapng`);
      expect((await runTopology(loadTopologyFile(join(root, 'topologies', `${name}.yaml`)), { capture: openCapture(file) })).passed).toBe(true);
      const expert = spawnSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', '_ws.malformed || _ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8' });
      expect(expert.status, expert.stderr).toBe(0);
      expect(expert.stdout).toBe('');
      // netloom's side: the TCP payload of every frame on an openflow interface.
      const read = readCapture(readFileSync(file));
      const ours: string[] = [];
      for (const p of read.packets) {
        if (!read.interfaces[p.interfaceId]?.name?.endsWith(':openflow')) continue;
        const payload = decode(p.data).find((l) => l.layer === 'payload');
        ours.push(netloomView(decodeMessage((payload as { data: Uint8Array }).data)));
      }
      const tshark = spawnSync('tshark', ['-r', file, '-Y', 'openflow_v4', '-T', 'fields', '-E', 'separator=|', '-e', 'openflow_v4.type', '-e', 'openflow_v4.xid', '-e', 'openflow_v4.oxm.field', '-e', 'openflow_v4.action.type'], { encoding: 'utf8' });
      const theirs = tshark.stdout.trim().split('\n').map((l) => {
        const [type, xid, fields, actions] = l.split('|');
        return `${type} xid=${xid} oxm=${fields} actions=${actions}`;
      });
      expect(ours.length).toBeGreaterThan(15);
      expect(theirs).toEqual(ours);
      expect(new Set(ours.map((o) => o.split(' ')[0]))).toEqual(new Set(['0', '5', '6', '10', '13', '14', '18', '19', ...(name === 'controller-proactive' ? ['12', '20', '21'] : [])]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
