/**
 * Packet classification against a real ovs-vswitchd: each frame of test/switch/classify-frames.ts
 * is traced by `ofproto/trace br0 in_port=1 HEX` (OVS's flow_extract reads the bytes) and the
 * Flow line must be the flow netloom extracts (tcp_flags left out: netloom has no such field yet).
 * The same frames are then sent through both switches with flows that tell the classes apart,
 * in each frags mode, and must leave with the same bytes on the same ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { SwitchPacket } from '../../src/switch/packet.js';
import { formatFlow } from '../../src/switch/trace.js';
import { FRAGS_MODES } from '../../src/switch/pipeline.js';
import { toHex } from '../../src/index.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';
import { CLASSIFY_CASES, IPV6_CHECKSUM_CASES } from '../switch/classify-frames.js';

if (!haveOvs()) console.warn(`skipping the classification interop tests: ${ovsMissingMessage()}`);

const PORTS = 4;
const ports = Array.from({ length: PORTS }, (_, i) => ({ number: i + 1, name: `p${i + 1}` }));
/** Flows whose outputs show the class: EtherType, protocol, ports (a fragment's are 0 in frags mode normal). */
const FLOWS = [
  'priority=40,udp,tp_dst=80,actions=mod_nw_dst:10.0.0.9,output:2',
  'priority=40,tcp,tp_dst=80,actions=output:2',
  'priority=30,udp,tp_dst=0,actions=output:3',
  'priority=30,tcp,tp_dst=0,actions=output:3',
  'priority=20,ip,actions=output:4',
  'priority=20,ipv6,actions=mod_nw_ttl:9,output:4',
  'priority=10,dl_type=0x05ff,actions=output:2,output:3',
  'priority=10,dl_type=0x8100,actions=output:4',
  'priority=0,actions=output:3',
];

describe.skipIf(!haveOvs())('packet classification as OVS flow_extract does it', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: PORTS });
  });
  afterAll(() => ovs?.stop());

  it.each(CLASSIFY_CASES)('$name', ({ frame, flow }) => {
    const theirs = ovs.appctl('ofproto/trace', 'br0', 'in_port=1', toHex(frame)).split('\n')[0]!.replace(/,tcp_flags=[^,]*/, '').replace(',vlan_tci1=0x0000', '');
    const packet = new SwitchPacket(frame, 1);
    expect(`Flow: ${formatFlow(packet.words, packet.nwFrag)}`).toBe(theirs);
    expect(theirs).toBe(`Flow: ${flow}`);
  });

  it('rewrites IPv6 addresses with the L4 checksum kept as OVS keeps it (routing headers, fragments)', async () => {
    const flows = ['ipv6,actions=set_field:2001::99->ipv6_dst,set_field:2001::77->ipv6_src,output:2'];
    ovs.delFlows();
    ovs.addFlows(flows);
    const bridge = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    bridge.addFlows(flows.join('\n'));
    for (const { name, frame } of IPV6_CHECKSUM_CASES) {
      const theirs = (await ovs.inject(1, frame)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(bridge.process(1, frame).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`), name).toEqual(theirs);
    }
  });

  it.each(FRAGS_MODES)('the same bytes on the same ports, frags mode %s', async (mode) => {
    ovs.delFlows();
    ovs.addFlows(FLOWS, 'OpenFlow10');
    ovs.ofctl(['set-frags', mode]);
    const bridge = new Bridge('br0', ports, { frags: mode });
    bridge.addFlows(FLOWS.join('\n'));
    for (const { name, frame } of CLASSIFY_CASES) {
      const theirs = (await ovs.inject(1, frame)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      const ours = bridge.process(1, frame).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(ours.sort(), name).toEqual(theirs.sort());
    }
  });
});
