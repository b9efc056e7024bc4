/**
 * importance=N (OpenFlow 1.4+): kept and printed in OpenFlow 1.1+ mode, as ovs-ofctl -O OpenFlow15
 * keeps it and dump-flows prints it after the timeouts; read and dropped in plain mode, as plain
 * ovs-ofctl (OpenFlow 1.0) drops it. netloom's tables never evict, so it changes nothing else.
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, parseFlow } from '../../src/switch/ofctl.js';

const ports = [1, 2].map((n) => ({ number: n, name: `p${n}` }));

describe('importance=N', () => {
  it('is printed after the timeouts in OpenFlow 1.1+ mode, and reads back the same', () => {
    const b = new Bridge('br0', ports, { protocols: 'OpenFlow13' });
    b.addFlow('importance=0x10,idle_timeout=5,priority=7,in_port=1,actions=drop');
    b.addFlow('importance=0,in_port=2,actions=drop');
    const dump = b.dumpFlows(0);
    // Higher priority first.
    expect(dump).toBe(' cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, in_port=2 actions=drop\n cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, idle_timeout=5, importance=16, priority=7,in_port=1 actions=drop');
    expect(parseFlow(dump.split('\n')[1]!, { protocols: 'OpenFlow13' }).importance).toBe(16);
  });

  it('is read and dropped in plain mode, as plain ovs-ofctl drops it', () => {
    expect(parseFlow('importance=5,actions=drop', { protocols: 'OpenFlow10' }).importance).toBeUndefined();
    expect(parseFlow('importance=5,actions=drop').importance).toBeUndefined();
  });

  it('refuses a value over 65535 at its column', () => {
    expect(() => parseFlow('importance=70000,actions=drop')).toThrow(FlowSyntaxError);
    expect(() => parseFlow('importance=70000,actions=drop')).toThrow(expect.objectContaining({ column: 12, reason: 'importance "70000" is not an integer 0-65535' }));
  });
});
