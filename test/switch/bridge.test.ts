import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { encode } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const frame = (dst = '10.0.0.2') =>
  encode([{ layer: 'ethernet', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, { layer: 'ipv4', src: '10.0.0.1', dst }, { layer: 'udp', srcPort: 1, dstPort: 2 }]);
const outPorts = (b: Bridge, bytes = frame(), now = 0) => b.process(1, bytes, now).outputs.map((o) => o.port);

describe('bridge flow-table API', () => {
  const make = () => {
    const b = new Bridge('br0', ports);
    b.addFlows(['cookie=0x10,priority=100,ip,nw_dst=10.0.0.2,actions=output:2', 'cookie=0x11,priority=90,ip,actions=output:3', 'cookie=0x20,table=1,actions=output:4'].join('\n'));
    return b;
  };

  it('modifies non-strictly every flow the match covers, keeping counters', () => {
    const b = make();
    outPorts(b);
    expect(b.modFlows('ip,actions=output:4')).toBe(2);
    expect(outPorts(b)).toEqual([4]);
    expect(b.dumpFlows().split('\n')[0]).toContain('n_packets=2');
  });

  it('modifies strictly only the same priority and match', () => {
    const b = make();
    expect(b.modFlows('priority=90,ip,actions=output:4', true)).toBe(1);
    expect(b.modFlows('priority=91,ip,actions=output:4', true)).toBe(0);
    expect(outPorts(b, frame('10.9.9.9'))).toEqual([4]);
  });

  it('deletes by match, strictly, by cookie and mask, by table, or everything', () => {
    let b = make();
    expect(b.delFlows('ip,nw_dst=10.0.0.2')).toBe(1);
    expect(outPorts(b)).toEqual([3]);
    b = make();
    expect(b.delFlows('cookie=0x10/0xff')).toBe(1);
    expect(b.delFlows('table=1')).toBe(1);
    expect(b.dumpFlows()).toContain('cookie=0x11');
    b = make();
    expect(b.delFlows('priority=100,ip', true)).toBe(0);
    expect(b.delFlows()).toBe(3);
    expect(outPorts(b)).toEqual([]);
  });

  it('selects by cookie only with a mask, as ovs-ofctl -O OpenFlow15 does', () => {
    const b = new Bridge('br0', ports);
    b.addFlows('cookie=0x5,in_port=1,actions=output:2\ncookie=0x6,in_port=2,actions=output:1');
    // mod-flows: a cookie without a mask neither selects nor sets.
    expect(b.modFlows('cookie=0x9,actions=output:3')).toBe(2);
    expect(b.dumpFlows().split('\n').map((l) => l.replace(/duration=[^ ]+ /, ''))).toEqual([
      ' cookie=0x5, table=0, n_packets=0, n_bytes=0, in_port=1 actions=output:3',
      ' cookie=0x6, table=0, n_packets=0, n_bytes=0, in_port=2 actions=output:3',
    ]);
    expect(b.modFlows('cookie=0x5/-1,actions=output:4')).toBe(1);
    expect(b.modFlows('cookie=0x5/0,in_port=2,actions=output:4')).toBe(1);
    expect(() => b.delFlows('cookie=0x5')).toThrow('cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=0x5/-1)');
    expect(() => b.delFlows('cookie=0x5/zz')).toThrow(expect.objectContaining({ code: 'NETLOOM_FLOW_SYNTAX', column: 12 }));
    expect(b.delFlows('cookie=0x6/0xff')).toBe(1);
    expect(b.delFlows('cookie=0x5/-1')).toBe(1);
    expect(b.dumpFlows()).toBe('');
  });

  it('expires flows by idle and hard timeout on the virtual clock', () => {
    const b = new Bridge('br0', ports);
    b.addFlows('idle_timeout=2,priority=10,actions=output:2\nhard_timeout=5,priority=5,actions=output:3');
    expect(outPorts(b, frame(), 1e9)).toEqual([2]);
    b.pipeline.expire(2.5e9);
    expect(outPorts(b, frame(), 2.5e9)).toEqual([2]);
    b.pipeline.expire(4.6e9);
    expect(outPorts(b, frame(), 4.6e9)).toEqual([3]);
    b.pipeline.expire(5e9);
    expect(outPorts(b, frame(), 5e9)).toEqual([]);
  });

  it('sends table misses to the controller when configured', () => {
    const b = new Bridge('br0', ports);
    b.pipeline.missToController.add(0);
    expect(b.process(1, frame()).outputs.map((o) => o.port)).toEqual(['controller']);
  });

  it('stops a resubmit loop at depth 64', () => {
    const b = new Bridge('br0', ports);
    b.addFlows('actions=resubmit(,0),output:2');
    const result = b.process(1, frame(), 0, true);
    expect(result.trace.some((l) => l.includes('>> over max translation depth 64'))).toBe(true);
    expect(result.outputs).toEqual([]);
  });
});
