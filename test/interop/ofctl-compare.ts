/**
 * `ovs-ofctl -O OpenFlow13` against a netloom switch (over `listen:`) and against a real
 * ovs-vswitchd (test/interop/ovs.ts), for the tests that require both to print the same:
 * running the command on each, and the normalizations that leave out what may differ
 * (counters, durations, MAC addresses, the datapath id, xids, the switch's address).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OvsCommandError, type OpenFlowVersion, type OvsSwitch } from './ovs.js';

const run = promisify(execFile);

export interface OfctlResult {
  stdout: string;
  stderr: string;
  failed: boolean;
}

/** ovs-ofctl against the netloom switch listening on 127.0.0.1:`port` (asked for each call: a test may start it later). */
export async function ofctlNetloom(port: number, args: string[]): Promise<OfctlResult> {
  const [command, ...rest] = args;
  try {
    const { stdout, stderr } = await run('ovs-ofctl', ['-O', 'OpenFlow13', command!, `tcp:127.0.0.1:${port}`, ...rest], { timeout: 20_000 });
    return { stdout, stderr, failed: false };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', failed: true };
  }
}

/** The same command against the real switch's br0. */
export function ofctlOvs(ovs: OvsSwitch, args: string[], protocol: OpenFlowVersion = 'OpenFlow13'): OfctlResult {
  try {
    return { stdout: ovs.ofctl(args, { protocol }), stderr: '', failed: false };
  } catch (e) {
    if (!(e instanceof OvsCommandError)) throw e;
    return { stdout: e.stdout, stderr: e.stderr, failed: true };
  }
}

/** ovs-ofctl output with what may differ between the two switches left out. */
export function normalize(text: string): string {
  return text
    .replace(/duration=[\d.]+s/g, 'duration=?')
    .replace(/n_packets=\d+, n_bytes=\d+/g, 'n_packets=?, n_bytes=?')
    .replace(/(rx|tx) pkts=\d+, bytes=\d+/g, '$1 pkts=?, bytes=?')
    .replace(/lookup=\d+, matched=\d+/g, 'lookup=?, matched=?')
    .replace(/packet_count=\d+ byte_count=\d+/g, 'packet_count=? byte_count=?')
    .replace(/addr:[0-9a-f:]{17}/g, 'addr:?')
    .replace(/dpid:[0-9a-f]{16}/g, 'dpid:?')
    .replace(/xid=0x[0-9a-f]+/g, 'xid=?')
    .replace(/(tcp:127\.0\.0\.1:\d+|unix:\S+br0\.mgmt)/g, 'SWITCH')
    .trimEnd();
}

/** Reply lines in a stable order after the first: OVS lists flows, groups and ports in hash order. */
export function sorted(text: string): string {
  const [head, ...rest] = normalize(text).split('\n');
  return [head, ...rest.sort()].join('\n');
}
