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
