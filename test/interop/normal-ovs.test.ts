/**
 * NORMAL against a real ovs-vswitchd: ports 1, 2 and 4 trunks, port 3 an access port of VLAN 20
 * (`tag=20`), the same frames through both; the same bytes must leave on the same ports (LOCAL
 * included), and the same ofproto/trace lines must explain them, from bridge("br0")
 * to Final flow (OVS's empty second VLAN header, vlan_tci1=0x0000, left out of its Flow lines).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { SwitchPacket } from '../../src/switch/packet.js';
import { formatFlow, formatTrace } from '../../src/switch/trace.js';
import { fromHex, toHex } from '../../src/wire/addresses.js';
import { OvsSwitch, haveOvs, ovsMissingMessage } from './ovs.js';

if (!haveOvs()) console.warn(`skipping the NORMAL interop tests: ${ovsMissingMessage()}`);

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}`, ...(n === 3 && { tag: 20 }) }));
const frame = (dst: string, src: string, tag = '') => fromHex(`${dst}${src}${tag}88b50000`);
const A = '02000000000a';
const B = '02000000000b';
/** Frames in order, each with its input port: learning carries from one to the next. */
const FRAMES: [string, number, Uint8Array][] = [
  ...['0180c2000000', '0180c2000003', '0180c200000f', '01000c000000', '01000ccccccc', '01000ccccccd', '01000ccdcdcd', '01000cccccc0', '00e02b000006'].map(
    (dst): [string, number, Uint8Array] => [`reserved ${dst}`, 1, frame(dst, A)],
  ),
  ['a group address that is not reserved', 1, frame('0180c2000010', A)],
  // VLAN 30, which the access port does not carry: every trunk gets the tag as it came. (In VLAN 20 the access port's pop
  // comes before or after each trunk in OVS's bundle order, which changes from run to run, and so do the trunks' bytes.)
  ['802.1ad, DEI and PCP 1 in VLAN 30 from a trunk', 1, frame('ffffffffffff', A, '88a8301e')],
  ['untagged from the access port', 3, frame('ffffffffffff', B)],
  ['priority-tagged (VID 0, PCP 5) from the access port', 3, frame('ffffffffffff', B, '8100a000')],
  ['VLAN 20 to a MAC learned on the access port', 2, frame(B, A, '81000014')],
  ['VLAN 20 to a MAC learned on the input port', 3, frame(B, A)],
  ['a tagged frame on the access port', 3, frame('ffffffffffff', A, '81000015')],
  ['a VLAN TPID cut short', 1, fromHex(`ffffffffffff${A}8100`)],
];

describe.skipIf(!haveOvs())('NORMAL as Open vSwitch', () => {
  let ovs: OvsSwitch;
  beforeAll(() => {
    ovs = OvsSwitch.start({ ports: 4 });
    ovs.vsctl('set', 'port', 'p3', 'tag=20');
  });
  afterAll(() => ovs?.stop());

  it('the same bytes on the same ports, and the same trace', async () => {
    ovs.addFlows(['actions=NORMAL']);
    const bridge = new Bridge('br0', ports);
    bridge.addFlow('actions=NORMAL');
    let now = 0;
    for (const [name, inPort, bytes] of FRAMES) {
      // The trace first: given a packet, ofproto/trace learns as the packet would (allow_side_effects is "a packet is there").
      const trace = ovs.appctl('ofproto/trace', 'br0', `in_port=${inPort}`, toHex(bytes)).split('\n');
      const packet = new SwitchPacket(bytes, inPort);
      const ours = formatTrace(bridge, formatFlow(packet.words, packet.nwFrag), bridge.process(inPort, bytes, now, true)).split('\n');
      const upToFinal = (lines: string[]) => lines.slice(0, lines.findIndex((l) => l.startsWith('Final flow:')) + 1).map((l) => l.replace(',vlan_tci1=0x0000', ''));
      expect(upToFinal(ours), name).toEqual(upToFinal(trace));
      const theirs = (await ovs.inject(inPort, bytes)).map((o) => `${String(o.port)} ${toHex(o.bytes)}`);
      expect(bridge.process(inPort, bytes, now++).outputs.map((o) => `${String(o.port)} ${toHex(o.bytes)}`).sort(), name).toEqual(theirs.sort());
    }
  });

  it('drops a partial VLAN tag (QinQ with its outer tag popped) as OVS does', async () => {
    ovs.delFlows();
    ovs.addFlows(['actions=pop_vlan,NORMAL'], 'OpenFlow10');
    const bridge = new Bridge('br0', ports);
    bridge.addFlow('actions=pop_vlan,NORMAL');
    const qinq = frame('ffffffffffff', A, '88a8001481000064');
    expect((await ovs.inject(1, qinq))).toEqual([]);
    expect(bridge.process(1, qinq).outputs).toEqual([]);
    expect(ovs.appctl('ofproto/trace', 'br0', 'in_port=1', toHex(qinq))).toContain('\n     >> partial VLAN tag, dropping\n');
  });
});
