/**
 * Control-plane isolation: one tenant's storm of FLOW_MODs and PACKET_OUTs, or of PACKET_INs
 * from its hosts, must not slow another tenant's flow setup on a switch whose control plane
 * handles 1,000 messages a second. Without limits it does (the test that shows the limits
 * matter); with the storming tenant's message and PACKET_IN rates limited, the other tenant's
 * pings take exactly as long as beside a quiet tenant, and every refusal is counted.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTopology, runTopology } from '../../src/index.js';
import { loadApps } from '../../src/topology/apps.js';
import type { RunSummary } from '../../src/topology/run.js';

const topology = (blue: { options: string; quota?: string }) => `
name: storm
nodes:
  c-blue: { kind: controller, app: ./fixtures/storm-app.ts, options: ${blue.options} }
  c-red: { kind: controller, app: learning }
  b1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  b2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  r1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  r2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: { kind: switch, ports: [b1, b2, r1, r2], controlRate: 1000 }
links:
  - endpoints: [b1:eth0, s1:b1]
  - endpoints: [b2:eth0, s1:b2]
  - endpoints: [r1:eth0, s1:r1]
  - endpoints: [r2:eth0, s1:r2]
tenants:
  blue: { controller: c-blue, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [b1, b2] } }${blue.quota === undefined ? '' : `, quota: ${blue.quota}`} }
  red: { controller: c-red, addresses: 10.0.0.0/24, switches: { vs1: { switch: s1, ports: [r1, r2] } } }
traffic:
  - ping: { name: red, from: r1, to: r2, count: 5, interval: 200ms, start: 100ms }
  - udp: { name: blue flood, from: b1, to: b2, dstPort: 9, rate: 2000pps, count: 2000, start: 100ms }
`;

async function run(blue: { options: string; quota?: string }): Promise<RunSummary> {
  const t = loadTopology(topology(blue), join(import.meta.dirname, 'storm.yaml'));
  return runTopology(t, { apps: await loadApps(t, import.meta.dirname), until: 1.5e9 });
}

const rtts = (s: RunSummary) => s.traffic.find((t) => t.name === 'red')!.rtt;

describe('per-tenant control-plane rate limits', () => {
  it("keep one tenant's storm from slowing another's flow setup, and count what they refuse", async () => {
    const quiet = await run({ options: '{}', quota: '{ packetIns: { rate: 100, burst: 20 } }' });
    const stormy = { options: '{ flowMods: 2000, packetOuts: 2000 }' };
    const unlimited = await run(stormy);
    const limited = await run({ ...stormy, quota: '{ messages: { rate: 100, burst: 50 }, packetIns: { rate: 100, burst: 20 } }' });

    // Beside a quiet tenant, red's first ping waits for its controller's flows.
    expect(quiet.traffic.find((t) => t.name === 'red')).toMatchObject({ sent: 5, delivered: 5, rtt: { min: 4.003136, max: 27.00448 } });
    // Unlimited, blue's 4,000 messages queue on the switch's control plane ahead of red's (and the
    // platform's): four seconds of it, and red delivers nothing before the run ends.
    expect(unlimited.traffic.find((t) => t.name === 'red')).toMatchObject({ sent: 5, delivered: 0 });
    expect(unlimited.tenants!.find((t) => t.name === 'blue')).toMatchObject({ flows: 2001, rateLimited: 0 });
    // Limited, red's flow setup is exactly as beside the quiet tenant.
    expect(rtts(limited)).toEqual(rtts(quiet));
    expect(limited.traffic.find((t) => t.name === 'red')).toMatchObject({ sent: 5, delivered: 5 });

    // blue's burst of 50 takes the handshake's two requests, its table-miss flow and 47 of its
    // 2,000 FLOW_MODs (48 flows installed); the other 3,953 storm messages are refused, and 10 of
    // the hub's later PACKET_OUTs. Its hosts' 2,000 packets a second give 20 PACKET_INs at once
    // and 100 a second after, for the second the flood lasts: 119 sent, 1,883 dropped.
    expect(limited.tenants).toEqual([
      { name: 'blue', flows: 48, packetIns: 119, packetInsDropped: 1883, refused: { 'BAD_REQUEST/EPERM': 3963 }, rateLimited: 3963 },
      { name: 'red', flows: 5, packetIns: 3, packetInsDropped: 0, refused: {}, rateLimited: 0 },
    ]);
    expect(quiet.tenants!.find((t) => t.name === 'blue')).toMatchObject({ packetIns: 119, packetInsDropped: 1883, refused: {} });
  });
});
