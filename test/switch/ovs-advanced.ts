/**
 * The Open vSwitch advanced tutorial (Documentation/tutorials/ovs-advanced.rst), step by step:
 * the ofproto/trace commands it runs, in its order, against examples/ovs-advanced.txt (its
 * tables 0-4 at once). `generate` is the tutorial's -generate: learning happens.
 */
import { readFileSync } from 'node:fs';
import { Bridge } from '../../src/switch/bridge.js';
import { formatFlow, formatTrace, packetFromFlow } from '../../src/switch/trace.js';

export const TUTORIAL_FLOWS_FILE = new URL('../../examples/ovs-advanced.txt', import.meta.url);
export const TUTORIAL_FLOWS = readFileSync(TUTORIAL_FLOWS_FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'));

export const TUTORIAL_STEPS: { flow: string; generate: boolean }[] = [
  // Table 0: admission control.
  ['in_port=1,dl_dst=01:80:c2:00:00:05', false],
  ['in_port=1,dl_dst=01:80:c2:00:00:10', false],
  // Table 1: VLAN input.
  ['in_port=1,vlan_tci=5', false],
  ['in_port=2', false],
  ['in_port=2,vlan_tci=5', false],
  // Table 2: learning.
  ['in_port=1,vlan_tci=20,dl_src=50:00:00:00:00:01', true],
  ['in_port=2,dl_src=50:00:00:00:00:01', true],
  // Table 3: look-up.
  ['in_port=1,dl_vlan=20,dl_src=f0:00:00:00:00:01,dl_dst=90:00:00:00:00:01', true],
  ['in_port=2,dl_src=90:00:00:00:00:01,dl_dst=f0:00:00:00:00:01', true],
  ['in_port=1,dl_vlan=20,dl_src=f0:00:00:00:00:01,dl_dst=90:00:00:00:00:01', true],
  // Table 4: output.
  ['in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,dl_vlan=30', false],
  ['in_port=3,dl_dst=ff:ff:ff:ff:ff:ff', false],
  ['in_port=1,dl_dst=ff:ff:ff:ff:ff:ff', false],
  ['in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,dl_vlan=55', false],
  ['in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,dl_vlan=20', false],
  ['in_port=2,dl_dst=ff:ff:ff:ff:ff:ff', false],
  ['in_port=4,dl_dst=ff:ff:ff:ff:ff:ff', false],
  ['in_port=4,dl_dst=01:00:00:00:00:00', false],
  ['in_port=1,dl_dst=90:12:34:56:78:90,dl_vlan=20', false],
  ['in_port=1,dl_dst=90:12:34:56:78:90,dl_vlan=30', false],
  ['in_port=1,dl_vlan=30,dl_src=10:00:00:00:00:01,dl_dst=20:00:00:00:00:01', true],
  ['in_port=4,dl_src=20:00:00:00:00:01,dl_dst=10:00:00:00:00:01', true],
  ['in_port=1,dl_vlan=30,dl_src=10:00:00:00:00:01,dl_dst=20:00:00:00:00:01', true],
].map(([flow, generate]) => ({ flow: flow as string, generate: generate as boolean }));

/** A bridge with the tutorial's four ports and flows, as plain ovs-ofctl adds them. */
export function tutorialBridge(): Bridge {
  const bridge = new Bridge('br0', [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}` })));
  bridge.addFlows(TUTORIAL_FLOWS.join('\n'), 'ovs-advanced.txt');
  return bridge;
}

/** netloom's `flows trace` text for one step, run at time `now`. */
export function traceStep(bridge: Bridge, step: { flow: string; generate: boolean }, now: number): string {
  const p = packetFromFlow(step.flow, bridge.ports);
  let before = '';
  const result = bridge.process(p.inPort, p.bytes, now, true, (packet) => {
    packet.describe(p.vlanTci, p.dlType);
    before = formatFlow(packet.words, packet.nwFrag);
  }, step.generate);
  return formatTrace(bridge, before, result);
}
