/**
 * mod_tp_src/mod_tp_dst and set_field to L4 ports on the protocols OVS's set_l4_port knows:
 * SCTP's CRC32c is redone keeping any error it had (packet_set_sctp_port), ICMPv6's type and code
 * are written with its checksum adjusted. The bytes out are ovs-vswitchd's
 * (test/interop/actions-ovs.test.ts compares every kind of packet in both modes).
 */
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../src/switch/bridge.js';
import { fromHex, toHex } from '../../src/index.js';
import { crc32c } from '../../src/wire/checksum.js';

const ports = [1, 2].map((n) => ({ number: n, name: `p${n}` }));
const HEAD4 = '02000000000202000000000108004500002400010000408466530a0000010a000002';
const HEAD6 = '02000000000202000000000186dd6000000000083a4020010db800000000000000000000000120010db8000000000000000000000002';
const run = (flow: string, frame: string) => {
  const b = new Bridge('br0', ports, { protocols: 'OpenFlow10' });
  b.addFlow(flow);
  return toHex(b.process(1, fromHex(frame)).outputs[0]!.bytes);
};

describe('L4 port rewrites beyond TCP and UDP', () => {
  it('crc32c is RFC 4960\'s (the test vector of RFC 3720 B.4: 32 zero bytes)', () => {
    expect(crc32c(new Uint8Array(32)).toString(16)).toBe('8a9136aa');
  });

  it.each([
    ['SCTP, a right checksum stays right', `${HEAD4}04d2162e00000001c6d64dee00000000`, `${HEAD4}00070008000000018d7c770600000000`],
    ['SCTP, a wrong checksum stays as wrong', `${HEAD4}04d2162e000000019cd64dee00000000`, `${HEAD4}0007000800000001d77c770600000000`],
    ['ICMPv6: type and code, checksum adjusted', `${HEAD6}8000244600010001`, `${HEAD6}07089d3e00010001`],
  ])('%s', (_name, frame, out) => {
    expect(run('actions=mod_tp_src:7,mod_tp_dst:8,output:2', frame)).toBe(out);
  });
});
