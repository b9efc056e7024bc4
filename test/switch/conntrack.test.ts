/**
 * Connection tracking in the switch: ct_state as OVS's userspace conntrack gives it (the values
 * below are the ones ovs-vswitchd gave for the same packets, test/interop/conntrack-ovs.test.ts),
 * timeouts in virtual time, NAT bytes with their checksums, the connection table's dump and the
 * trace of a recirculation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/switch/bridge.js';
import { FlowSyntaxError, formatRule, parseFlow } from '../../src/switch/ofctl.js';
import { Writer } from '../../src/openflow/bytes.js';
import { OpenFlowError } from '../../src/openflow/errors.js';
import { actionsToInstructions, ruleFrom, matchToOxm } from '../../src/openflow/flows.js';
import { readInstructions, writeInstructions } from '../../src/openflow/actions.js';
import { Reader } from '../../src/openflow/bytes.js';
import { CT_TIMEOUTS } from '../../src/switch/conntrack.js';
import { parseCtNext } from '../../src/switch/ct-syntax.js';
import { encode, fromHex, toHex } from '../../src/index.js';
import type { LayerSpec } from '../../src/index.js';

const ports = [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` }));
const A = '02:00:00:00:00:01';
const B = '02:00:00:00:00:02';
const S = 1e9;

const tcp = (from: 'a' | 'b', flags: number, seq: number, ack: number, data = 0, window = 64240, src = '10.0.0.1', dst = '10.0.0.2'): Uint8Array =>
  encode([
    { layer: 'ethernet', src: from === 'a' ? A : B, dst: from === 'a' ? B : A },
    { layer: 'ipv4', src: from === 'a' ? src : dst, dst: from === 'a' ? dst : src },
    { layer: 'tcp', srcPort: from === 'a' ? 40000 : 80, dstPort: from === 'a' ? 80 : 40000, flags, seq, ack, window } as LayerSpec,
    ...(data > 0 ? [{ layer: 'payload', data: new Uint8Array(data).fill(0x61) } as LayerSpec] : []),
  ]);
const udp = (src: string, dst: string, sport: number, dport: number, v6 = false): Uint8Array =>
  encode([
    { layer: 'ethernet', src: A, dst: B },
    { layer: v6 ? 'ipv6' : 'ipv4', src, dst } as LayerSpec,
    { layer: 'udp', srcPort: sport, dstPort: dport },
    { layer: 'payload', data: new Uint8Array([1, 2, 3, 4]) },
  ]);

/** A bridge whose table 1 writes the ct_state a packet got into the last byte of its destination MAC, and outputs it to port 4 (no packet comes in there). */
function stateBridge(ct = 'ct(commit,table=1)'): Bridge {
  const b = new Bridge('br0', ports);
  b.addFlows([`table=0,ip,actions=${ct}`, `table=0,ipv6,actions=${ct}`, 'table=1,actions=move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],output:4'].join('\n'));
  return b;
}
const stateOf = (b: Bridge, port: number, bytes: Uint8Array, now: number): number | undefined => {
  const out = b.process(port, bytes, now).outputs;
  return out.length === 0 ? undefined : out[0]!.bytes[5];
};

describe('connection tracking', () => {
  it('follows a TCP connection as OVS does: new, established, reply, invalid out of the window or with bad flags', () => {
    const b = stateBridge();
    const seen = [
      stateOf(b, 1, tcp('a', 0x02, 1000, 0), 0),
      stateOf(b, 2, tcp('b', 0x12, 5000, 1001), 1),
      stateOf(b, 1, tcp('a', 0x10, 1001, 5001), 2),
      stateOf(b, 1, tcp('a', 0x18, 1001, 5001, 100), 3),
      stateOf(b, 2, tcp('b', 0x18, 5000 + 3_000_000, 1101, 10), 4),
      stateOf(b, 1, tcp('a', 0x03, 1101, 0), 5),
      stateOf(b, 1, tcp('a', 0x10, 1101, 905_001), 6),
      // A SYN+ACK cannot start a connection.
      stateOf(b, 1, tcp('a', 0x12, 1, 1, 0, 100, '10.9.9.9'), 7),
    ];
    // new|trk, est|rpl|trk, est|trk, est|trk, inv|trk, inv|trk, inv|trk, inv|trk
    expect(seen).toEqual([0x21, 0x2a, 0x22, 0x22, 0x30, 0x30, 0x30, 0x30]);
    expect(b.pipeline.conntrack.dump(7)).toEqual(['tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=40000),protoinfo=(state=ESTABLISHED)']);
  });

  it('keeps UDP +new until a reply, and forgets it after OVS\'s timeouts in virtual time', () => {
    const b = stateBridge();
    const out = udp('10.0.0.1', '10.0.0.2', 5000, 53);
    const back = udp('10.0.0.2', '10.0.0.1', 53, 5000);
    expect(stateOf(b, 1, out, 0)).toBe(0x21);
    expect(stateOf(b, 1, out, 1 * S)).toBe(0x21);
    expect(stateOf(b, 2, back, 2 * S)).toBe(0x2a);
    // Both ways: 30 s (udp multiple) from the last packet; at 32 s it is still there, past it gone, and the reply starts a new one.
    expect(stateOf(b, 2, back, 2 * S + CT_TIMEOUTS.otherMultiple * S - 1)).toBe(0x2a);
    expect(stateOf(b, 2, back, 2 * S + 2 * CT_TIMEOUTS.otherMultiple * S)).toBe(0x21);
  });

  it('tracks IPv6 and keeps zones apart', () => {
    const b = stateBridge('ct(commit,zone=NXM_NX_REG0[0..15],table=1)');
    b.addFlow('table=0,priority=40000,in_port=3,ipv6,actions=load:7->NXM_NX_REG0[0..15],ct(zone=NXM_NX_REG0[0..15],table=1)');
    const out = udp('2001:db8::1', '2001:db8::2', 5000, 53, true);
    const back = udp('2001:db8::2', '2001:db8::1', 53, 5000, true);
    expect(stateOf(b, 1, out, 0)).toBe(0x21);
    // The same reply in zone 7 finds nothing.
    expect(stateOf(b, 3, back, 1)).toBe(0x21);
    expect(stateOf(b, 2, back, 2)).toBe(0x2a);
  });

  it('source NAT rewrites the address with both checksums right, and the reply is un-NATed', () => {
    const b = new Bridge('br0', ports);
    b.addFlows(['in_port=1,ip,actions=ct(commit,nat(src=192.0.2.50:2000-2001)),output:2', 'in_port=2,ip,actions=ct(nat),output:1'].join('\n'));
    const first = b.process(1, tcp('a', 0x02, 1000, 0), 0).outputs[0]!.bytes;
    const natted = encode([
      { layer: 'ethernet', src: A, dst: B },
      { layer: 'ipv4', src: '192.0.2.50', dst: '10.0.0.2' },
      { layer: 'tcp', srcPort: 2000, dstPort: 80, flags: 0x02, seq: 1000, ack: 0, window: 64240 } as LayerSpec,
    ]);
    expect(toHex(first)).toBe(toHex(natted));
    const answer = encode([
      { layer: 'ethernet', src: B, dst: A },
      { layer: 'ipv4', src: '10.0.0.2', dst: '192.0.2.50' },
      { layer: 'tcp', srcPort: 80, dstPort: 2000, flags: 0x12, seq: 5000, ack: 1001, window: 64240 } as LayerSpec,
    ]);
    const reply = b.process(2, answer, 1).outputs[0]!.bytes;
    // From 10.0.0.2:80 to 192.0.2.50:2000 comes back to 10.0.0.1:40000.
    expect(toHex(reply)).toBe(toHex(encode([
      { layer: 'ethernet', src: B, dst: A },
      { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' },
      { layer: 'tcp', srcPort: 80, dstPort: 40000, flags: 0x12, seq: 5000, ack: 1001, window: 64240 } as LayerSpec,
    ])));
    // A second connection from another port takes the next port of the range.
    const second = b.process(1, encode([{ layer: 'ethernet', src: A, dst: B }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'tcp', srcPort: 40001, dstPort: 80, flags: 0x02, seq: 1, window: 64240 } as LayerSpec]), 2).outputs[0]!.bytes;
    expect((second[34]! << 8) | second[35]!).toBe(2001);
    expect(b.pipeline.conntrack.dump(2)).toEqual([
      'tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(src=10.0.0.2,dst=192.0.2.50,sport=80,dport=2000),protoinfo=(state=ESTABLISHED)',
      'tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40001,dport=80),reply=(src=10.0.0.2,dst=192.0.2.50,sport=80,dport=2001),protoinfo=(state=SYN_SENT)',
    ]);
  });

  it('a packet NATed by ct(nat) and sent through ct again is found in its own direction: UDP one way stays +new (new|trk|snat), as ovs-vswitchd gives it', () => {
    const b = new Bridge('br0', ports);
    b.addFlows([
      'table=0,ip,actions=ct(table=1,nat)',
      'table=1,ct_state=+new+trk,ip,actions=move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],ct(commit,nat(src=192.0.2.50)),output:2',
      'table=1,priority=1,ct_state=+trk,ip,actions=move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],output:3',
    ].join('\n'));
    const out = [0, 1, 2, 3].map((i) => b.process(1, udp('10.0.0.1', '10.0.0.2', 5000, 53), i).outputs.map((o) => `${o.port} ${toHex(o.bytes.subarray(0, 6))}`));
    expect(out).toEqual([['2 020000000021'], ['2 020000000061'], ['2 020000000061'], ['2 020000000061']]);
  });

  it('a SYN that re-opens a reset SNAT connection takes the next port: the old connection is replaced after the new one is NATed, as ovs-vswitchd 3.1 does', () => {
    const b = new Bridge('br0', ports);
    b.addFlows(['in_port=1,ip,actions=ct(commit,nat(src=192.0.2.50)),output:2', 'in_port=2,ip,actions=ct(nat),output:1'].join('\n'));
    const back = (flags: number, seq: number) => encode([{ layer: 'ethernet', src: B, dst: A }, { layer: 'ipv4', src: '10.0.0.2', dst: '192.0.2.50' }, { layer: 'tcp', srcPort: 80, dstPort: 40000, flags, seq, ack: 1001, window: 64240 } as LayerSpec]);
    const sport = (bytes: Uint8Array, port: number, now: number) => {
      const out = b.process(port, bytes, now).outputs[0]!.bytes;
      return port === 1 ? (out[34]! << 8) | out[35]! : (out[36]! << 8) | out[37]!;
    };
    expect([sport(tcp('a', 0x02, 1000, 0), 1, 0), sport(back(0x12, 5000), 2, 1), sport(back(0x14, 5001), 2, 2), sport(tcp('a', 0x02, 1000, 0), 1, 3)]).toEqual([40000, 40000, 40000, 40001]);
  });

  it('DNAT whose reply tuple is taken moves the source port too, both ways, as ovs-vswitchd does (pat_packet, un_pat_packet)', () => {
    const b = new Bridge('br0', ports);
    b.addFlows(['in_port=3,ip,actions=ct(commit),output:4', 'in_port=1,ip,actions=ct(commit,nat(dst=10.0.0.99)),output:2', 'in_port=2,ip,actions=ct(nat),output:1'].join('\n'));
    b.process(3, udp('10.0.0.99', '10.0.0.1', 53, 5000), 0);
    const forward = b.process(1, udp('10.0.0.1', '10.0.0.2', 5000, 53), 1).outputs[0]!.bytes;
    expect(toHex(forward)).toBe(toHex(udp('10.0.0.1', '10.0.0.99', 5001, 53)));
    const back = b.process(2, udp('10.0.0.99', '10.0.0.1', 53, 5001), 2).outputs[0]!.bytes;
    expect(toHex(back)).toBe(toHex(udp('10.0.0.2', '10.0.0.1', 53, 5000)));
  });

  it('an ICMP error about a tracked UDP flow is +rel; a packet with a bad checksum is +inv', () => {
    const b = stateBridge();
    const out = udp('10.0.0.1', '10.0.0.2', 5000, 53);
    expect(stateOf(b, 1, out, 0)).toBe(0x21);
    const error = encode([
      { layer: 'ethernet', src: B, dst: A },
      { layer: 'ipv4', src: '10.0.0.2', dst: '10.0.0.1' },
      { layer: 'icmp', type: 3, code: 3 } as LayerSpec,
      { layer: 'payload', data: out.subarray(14, 42) },
    ]);
    // rel|rpl|trk: OVS marks a related packet coming from the reply side as a reply too.
    expect(stateOf(b, 2, error, 1)).toBe(0x2c);
    const bad = out.slice();
    bad[24] = bad[24]! ^ 0xff;
    expect(stateOf(b, 1, bad, 2)).toBe(0x30);
  });

  it('traces the recirculation: the ct action, the fork, and where the clone resumes with its ct_state', () => {
    const b = stateBridge('ct(commit,zone=3,table=1)');
    const { trace } = b.process(1, udp('10.0.0.1', '10.0.0.2', 5000, 53), 0, true);
    expect(trace).toEqual([
      ' 0. ip, priority 32768',
      '    ct(commit,table=1,zone=3)',
      '     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 1.',
      '     -> Sets the packet to an untracked state, and clears all the conntrack fields.',
      'Resuming from table 1 with ct_state=new|trk,ct_zone=3',
      ' 1. priority 32768',
      '    move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7]',
      '    output:4',
    ]);
  });

  it('an exit after ct(table=…) ends the pass that forked, not the clone: its action set runs', () => {
    const b = new Bridge('br0', ports);
    b.addFlow('table=0,ip,actions=ct(table=1),exit');
    b.addFlow('table=1,ip,actions=write_actions(output:2)');
    expect(b.process(1, udp('10.0.0.1', '10.0.0.2', 5000, 53), 0).outputs.map((o) => o.port)).toEqual([2]);
  });

  it('traces a flow without side effects as ofproto/trace does: no tracker runs, the clone resumes trk|new, nothing is committed', () => {
    const b = stateBridge('ct(commit,zone=3,table=1)');
    // A bare TCP segment with no flags: the tracker would call it +inv; ofproto/trace of a flow assumes trk|new.
    const { trace, outputs } = b.process(1, tcp('a', 0, 1, 0), 0, true, undefined, false);
    expect(trace.slice(4, 6)).toEqual(['resume conntrack with default ct_state=trk|new (use --ct-next to customize; --generate or a packet runs the tracker)', 'Resuming from table 1 with ct_state=new|trk,ct_zone=3']);
    expect(outputs[0]!.bytes[5]).toBe(0x21);
    expect(b.pipeline.conntrack.dump(0)).toEqual([]);
    // With side effects the tracker runs: the same segment is +inv.
    expect(b.process(1, tcp('a', 0, 1, 0), 0).outputs[0]!.bytes[5]).toBe(0x30);
  });

  it('gives each resumed clone the state --ct-next names, in order, as ofproto/trace --ct-next does, with or without the tracker', () => {
    const b = new Bridge('br0', ports);
    b.addFlows(['table=0,ip,ct_state=-trk,actions=ct(zone=3,table=1)', 'table=1,ip,ct_state=+trk+est,actions=ct(table=2)', 'table=1,ip,actions=output:3', 'table=2,ip,ct_state=+trk+rpl,actions=output:2', 'table=2,actions=output:4'].join('\n'));
    const est = parseCtNext('trk,est') as number;
    const reply = parseCtNext('trk est rpl') as number;
    const run = (ctNext: number[], effects: boolean) => b.process(1, tcp('a', 0, 1, 0), 0, true, undefined, effects, ctNext);
    const both = run([est, reply], false);
    expect(both.outputs.map((o) => o.port)).toEqual([2]);
    expect(both.trace.filter((l) => l.startsWith('resume') || l.startsWith('Resuming'))).toEqual([
      'resume conntrack with ct_state=est|trk', 'Resuming from table 1 with ct_state=est|trk,ct_zone=3',
      'resume conntrack with ct_state=est|rpl|trk', 'Resuming from table 2 with ct_state=est|rpl|trk',
    ]);
    // Past the list, OVS's default; with side effects the tracker's state (a bare segment is +inv) where none is given.
    expect(run([est], false).outputs.map((o) => o.port)).toEqual([4]);
    expect(run([], true).outputs.map((o) => o.port)).toEqual([3]);
    expect(run([est, reply], true).outputs.map((o) => o.port)).toEqual([2]);
  });

  it('reads --ct-next as OVS does: names separated by commas or spaces, and only a state conntrack can give', () => {
    expect(parseCtNext('trk,new')).toBe(0x21);
    expect(parseCtNext('trk, est  rel')).toBe(0x26);
    expect(parseCtNext('')).toBe(0);
    expect(parseCtNext('trk,foo')).toBe('foo: unknown connection tracking state flag');
    expect(parseCtNext('+trk')).toBe('+trk: unknown connection tracking state flag');
    expect(parseCtNext('new,est')).toBe('new|est: invalid connection state: If "trk" is unset, no other flags are set; new|est: invalid connection state: "new" and "est" are mutually exclusive');
    expect(parseCtNext('trk,inv,rel')).toBe('rel|inv|trk: invalid connection state: when "inv" is set, only "trk" may also be set');
    expect(parseCtNext('trk,new,rpl')).toBe('new|rpl|trk: invalid connection state: "new" and "rpy" are mutually exclusive');
  });
});

describe('connection tracking syntax and bytes from outside', () => {
  const words = fc.constantFrom('commit', 'force', 'table=1', 'table=255', 'zone=7', 'zone=NXM_NX_REG0[0..15]', 'zone=reg1[0..7]', 'nat', 'nat(src=10.0.0.1)', 'nat(dst=10.0.0.1-10.0.0.2:80-90,random)',
    'nat(src=[2001:db8::1]:1)', 'nat(src=1.2.3.4-1.2.3.3)', 'nat(hash,random)', 'exec(set_field:1->ct_mark)', 'exec(load:1->NXM_NX_CT_LABEL[0..3])', 'exec(output:1)', 'alg=ftp', 'alg=x', 'foo', '', '(', ')');
  const args = fc.array(fc.oneof(words, fc.string({ maxLength: 6 })), { maxLength: 5 }).map((parts) => parts.join(','));

  it('any ct(…) text gives a rule or a FlowSyntaxError, and what is accepted prints and reads back the same', () => {
    fc.assert(
      fc.property(fc.constantFrom('ip', 'tcp', 'ipv6', ''), args, (match, inner) => {
        const text = `${match}${match ? ',' : ''}actions=ct(${inner})`;
        let rule;
        try {
          rule = parseFlow(text);
        } catch (e) {
          expect(e).toBeInstanceOf(FlowSyntaxError);
          return;
        }
        const printed = formatRule(rule, 0);
        const again = parseFlow(printed.slice(printed.indexOf(', table=') + 2).replace(/n_packets=0, n_bytes=0, /, '').trim());
        expect(formatRule(again, 0)).toBe(printed);
      }),
      { numRuns: 500 },
    );
  });

  it('any ct_state text gives a match or a FlowSyntaxError; accepted ones print and read back the same', () => {
    const flag = fc.constantFrom('new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat', 'bad');
    const text = fc.oneof(
      fc.array(fc.tuple(fc.constantFrom('+', '-', ''), flag), { maxLength: 4 }).map((fs) => fs.map(([s, f]) => s + f).join('')),
      fc.array(flag, { minLength: 1, maxLength: 3 }).map((fs) => fs.join('|')),
      fc.tuple(fc.nat(0x1ff), fc.option(fc.nat(0x1ff))).map(([v, m]) => `0x${v.toString(16)}${m === null ? '' : `/0x${m.toString(16)}`}`),
    );
    fc.assert(
      fc.property(text, (state) => {
        let rule;
        try {
          rule = parseFlow(`ct_state=${state},actions=drop`);
        } catch (e) {
          expect(e).toBeInstanceOf(FlowSyntaxError);
          return;
        }
        expect(parseFlow(`${rule.matchText},actions=drop`).match.equals(rule.match)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('over OpenFlow, ct_mark is written only inside ct and NXAST_NAT lives only there, as OVS refuses (OFPBAC_BAD_SET_ARGUMENT)', () => {
    const decode = (instructions: string) => {
      const b = fromHex(instructions);
      const list = readInstructions(new Reader(b, 0, b.length, 'flow_mod', { type: 1, code: 7 }), 'instructions');
      return ruleFrom({ tableId: 0, priority: 1, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: matchToOxm(parseFlow('ip,actions=drop').match), instructions: list }, () => true);
    };
    // apply_actions(set_field:1->ct_mark), as OVS encodes it in OpenFlow 1.3: OFPAT_SET_FIELD with NXM_NX_CT_MARK.
    expect(() => decode('0004001800000000' + '001900100001d6040000000100000000')).toThrow(expect.objectContaining({ ofp: { type: 2, code: 15 } }));
    // apply_actions(NXAST_NAT) on its own.
    expect(() => decode('0004001800000000' + 'ffff00100000232000240000' + '00000000')).toThrow(expect.objectContaining({ ofp: { type: 2, code: 15 } }));
    // The same set_field inside NXAST_CT(commit) is ct(commit,exec(set_field:0x1->ct_mark)).
    expect(decode('0004003000000000' + 'ffff00280000232000230001000000000000ff0000000000' + '001900100001d6040000000100000000').actionsText).toBe('ct(commit,exec(set_field:0x1->ct_mark))');
  });

  it('ct actions survive OpenFlow 1.3 bytes, and mutated bytes give actions or an OpenFlowError', () => {
    const flows = [
      'ip,actions=ct(commit,zone=5,table=6,nat(src=10.0.0.1-10.0.0.9:1000-2000,random),exec(set_field:0x1->ct_mark,load:0x2->NXM_NX_CT_LABEL[0..7]))',
      'ipv6,actions=ct(commit,force,zone=NXM_NX_REG0[0..15],nat(dst=[2001:db8::1]:80)),ct_clear',
      'ct_state=+est+trk,ip,actions=resubmit(,7,ct),ct(table=1,nat)',
    ];
    for (const f of flows) {
      const rule = parseFlow(f);
      const w = new Writer('flow_mod');
      writeInstructions(w, actionsToInstructions(rule.actions, rule.match), 'instructions');
      const bytes = w.finish();
      const decode = (b: Uint8Array) => {
        const list = readInstructions(new Reader(b, 0, b.length, 'flow_mod', { type: 1, code: 7 }), 'instructions');
        return ruleFrom({ tableId: 0, priority: rule.priority, cookie: 0n, idleTimeout: 0, hardTimeout: 0, match: matchToOxm(rule.match), instructions: list }, () => true);
      };
      expect(decode(bytes).actionsText).toBe(rule.actionsText);
      fc.assert(
        fc.property(fc.nat(bytes.length - 1), fc.nat(255), (at, value) => {
          const mutated = bytes.slice();
          mutated[at] = value;
          try {
            decode(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(OpenFlowError);
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});
