/**
 * output(port=…,max_len=…): the first max_len bytes to the port, as ovs-vswitchd sends them
 * (test/interop/switch-ovs.test.ts compares the bytes), and the text and refusals of ovs-ofctl.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const FRAME = Uint8Array.from({ length: 60 }, (_, i) => i);

describe('output(port=…,max_len=…)', () => {
  it('sends the first max_len bytes, never back to the input port, nowhere for IN_PORT or a port that is not there', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('in_port=1,actions=output(port=2,max_len=14),output(port=3,max_len=100),output(port=1,max_len=20),output(port=IN_PORT,max_len=20),output(port=9,max_len=20),output:4');
    const result = b.process(1, FRAME, 0, true);
    expect(result.outputs.map((o) => [o.port, o.bytes.length, o.bytes[13]])).toEqual([[2, 14, 13], [3, 60, 13], [4, 60, 13]]);
    // A warning sits one column in from its action, as ofproto/trace prints it.
    expect(result.trace.filter((l) => l.includes('>>'))).toEqual(['     >> skipping output to input port', '     >> output_trunc does not support patch port IN_PORT', '     >> output_trunc does not support patch port 9']);
  });

  // ovs-vswitchd's bytes for these (the generated differential found them): the cut is set before the VLAN change is committed.
  const frame = (tags: string) => Uint8Array.from(Buffer.from(`0a0000000003020000000002${tags}080045130021000100000101a3c30a0000020a0102030000f146000100035a5a5a5a5a`, 'hex'));
  it.each([
    { name: 'a pop before it leaves max_len less the tag', flow: 'actions=strip_vlan,output(port=2,max_len=20)', tags: '88a8001e8100901e', out: ['2 0a00000000030200000000028100901e'] },
    { name: 'a push before it leaves max_len and the tag', flow: 'actions=mod_vlan_pcp:0,output(port=2,max_len=14)', tags: '', out: ['2 0a0000000003020000000002810000000800'] },
    { name: 'check_pkt_larger commits the push: max_len cuts the tagged frame', flow: 'actions=mod_vlan_pcp:0,check_pkt_larger(100)->NXM_NX_REG0[0],output(port=2,max_len=14)', tags: '', out: ['2 0a00000000030200000000028100'] },
    { name: 'under an Ethernet header nothing is sent', flow: 'actions=pop_vlan,output(port=2,max_len=14),output(port=3,max_len=18)', tags: '8100600a', out: ['3 0a00000000030200000000020800'] },
    { name: 'after an output the cut is from the packet as it left', flow: 'actions=strip_vlan,output:4,output(port=2,max_len=14)', tags: '8100600a', out: ['4 0a0000000003020000000002080045130021000100000101a3c30a0000020a0102030000f146000100035a5a5a5a5a', '2 0a00000000030200000000020800'] },
  ])('the cut is OVS\'s when the tags change: $name', ({ flow, tags, out }) => {
    const b = new Bridge('br0', ports);
    b.addFlow(`in_port=1,${flow}`);
    expect(b.process(1, frame(tags)).outputs.map((o) => `${o.port} ${Buffer.from(o.bytes).toString('hex')}`)).toEqual(out);
  });

  it.each([
    ['actions=output(max_len=64,port=2)', 'output(port=2,max_len=64)'],
    ['actions=output(port=2,max_len=0x40)', 'output(port=2,max_len=64)'],
    ['actions=output(port=in_port,max_len=14)', 'output(port=IN_PORT,max_len=14)'],
    ['actions=output(port=LOCAL,max_len=14)', 'output(port=LOCAL,max_len=14)'],
  ])('%s prints as %s', (text, printed) => {
    expect(parseFlow(text).actionsText).toBe(printed);
    expect(parseFlow(`actions=${printed}`).actionsText).toBe(printed);
  });

  it.each([
    ['actions=output(port=2,max_len=13)', 31, 'max_len 13 is less than the minimum value 14'],
    ['actions=output(port=NORMAL,max_len=64)', 21, 'output to unsupported truncate port: NORMAL'],
    ['actions=output(port=65280,max_len=64)', 21, 'output to 65280: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)'],
    ['actions=output(port=2,max_len=64,foo=1)', 34, "invalid key 'foo' in output_trunc argument"],
    ['actions=output(port=p9,max_len=64)', 21, 'output to unknown truncate port: p9'],
  ])('refuses %s at column %i: %s', (flow, column, reason) => {
    expect(() => parseFlow(flow)).toThrow(FlowSyntaxError);
    expect(() => parseFlow(flow)).toThrow(expect.objectContaining({ column, reason }));
  });
});
