/**
 * The platform's control channels fail and come back (`platform.schedule`): the switches keep
 * forwarding meanwhile (fail secure), and each switch that reconnects is cleared and given every
 * tenant's rules again. A rule the switch has no room for any more is one tenant's problem: it
 * leaves that tenant's table (FLOW_REMOVED, reason DELETE, counted), and the other tenants' rules
 * still go back on.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTopology } from '../../src/index.js';
import { build } from '../../src/topology/build.js';
import { loadApps } from '../../src/topology/apps.js';
import type { ControllerNode } from '../../src/controller/node.js';
import type { Datapath } from '../../src/controller/datapath.js';
import type { SwitchNode } from '../../src/switch/node.js';
import type { Host } from '../../src/hosts/host.js';
import { removed } from './fixtures/removed-app.js';

const TOPOLOGY = `
name: platform-reconnect
nodes:
  c-blue: { kind: controller, app: ./fixtures/removed-app.ts }
  c-red: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  b2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, r1, r2, s2] }
  s2: { kind: switch, ports: [b2, s1] }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
  - endpoints: [b2:eth0, s2:b2]
  - endpoints: [s1:s2, s2:s1]
platform: { schedule: [{ at: 4s, state: down }, { at: 4.5s, state: up }] }
tenants:
  blue:
    controller: c-blue
    addresses: 10.0.0.0/24
    switches: { big: { switches: { s1: [b1], s2: [b2] } } }
    quota: { flows: 4 }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs: { switch: s1, ports: [r1, r2] } } }
`;

const SEND_FLOW_REM = 1;

describe('the platform reconnecting to a switch', () => {
  it("puts every tenant's rules back; a rule with no room left leaves its tenant's table alone", async () => {
    const topology = loadTopology(TOPOLOGY, join(import.meta.dirname, 'reconnect.yaml'));
    const built = build(topology, { apps: await loadApps(topology, import.meta.dirname) });
    const s1 = built.net.nodes.get('s1') as SwitchNode;
    const blueOn = (sw: SwitchNode) => sw.bridge.pipeline.allRules().filter((r) => r.cookie >> 56n === 1n).map((r) => `${r.matchText} ${r.actionsText}`).sort();
    const redOn = (sw: SwitchNode) => sw.bridge.pipeline.allRules().filter((r) => r.cookie >> 56n === 2n).length;
    const blue = (index: number): Datapath => (built.net.nodes.get('c-blue') as ControllerNode).controller.datapaths.get((1n << 48n) | BigInt(index))!;
    removed.length = 0;
    await built.net.run(0.5e9);
    const big = blue(1);

    // The big switch's rule lives on while b2's ARP requests (for a host that is not there, once a second) hit its copy on s2; on s1 it idles out.
    big.addFlow('priority=10,arp,arp_tpa=10.0.0.9,idle_timeout=2,actions=drop');
    (built.net.nodes.get('b2') as Host).ping(0x0a000009, { count: 40, interval: 2e8, start: 0.6e9, size: 56, ttl: 64, df: false, timeout: 1e9 });
    await built.net.run(3e9);
    const s2 = built.net.nodes.get('s2') as SwitchNode;
    expect(blueOn(s1)).toEqual([]);
    expect(blueOn(s2)).toEqual(['arp,metadata=0x1/0xff,arp_tpa=1.0.0.9 drop']);
    expect(removed).toEqual([]);

    // Rules for b1's port (on s1 alone) take the room the copy left there: four flows, the fifth past the quota.
    for (let n = 1; n <= 5; n++) big.addFlow(`priority=10,in_port=1,arp,arp_tpa=10.0.0.${20 + n},actions=drop`, SEND_FLOW_REM);
    await built.net.run(3.5e9);
    const refused = () => built.platform!.tenants[0]!.counters.refused;
    expect(refused()).toEqual(new Map([['FLOW_MOD_FAILED/TABLE_FULL', 1]]));
    const fillers = [21, 22, 23, 24].map((n) => `arp,metadata=0x1/0xff,in_port=1,arp_tpa=1.0.0.${n} drop`);
    expect(blueOn(s1)).toEqual(fillers);
    const redBefore = redOn(s1);

    // Down at 4 s, up at 4.5 s: s1 kept every rule meanwhile (fail secure), and is cleared and filled again. Blue's rules go
    // back in the order it added them, and the last has no room on s1 now: it leaves blue's table (blue hears FLOW_REMOVED,
    // reason DELETE); the others, and red's rules, are back.
    await built.net.run(6e9);
    expect(blueOn(s1)).toEqual(['arp,metadata=0x1/0xff,arp_tpa=1.0.0.9 drop', ...fillers.slice(0, 3)]);
    expect(blueOn(s2)).toEqual(['arp,metadata=0x1/0xff,arp_tpa=1.0.0.9 drop']);
    expect(removed.map((m) => ({ reason: m.reason, priority: m.priority, match: m.match.map((o) => o.field) }))).toEqual([{ reason: 2, priority: 10, match: ['in_port', 'eth_type', 'arp_tpa'] }]);
    expect(redOn(s1)).toBe(redBefore);
    expect(refused()).toEqual(new Map([['FLOW_MOD_FAILED/TABLE_FULL', 2]]));

    // red's hosts still reach each other through the rules put back.
    const stats = (built.net.nodes.get('r1') as Host).ping(0x0a000002, { count: 3, interval: 1e8, start: 6.1e9, size: 56, ttl: 64, df: false, timeout: 1e9 });
    await built.net.run(7e9);
    expect(stats.received).toBe(3);
  });
});
