/**
 * os-ken (Debian's python3-os-ken, `osken-manager`) runs a learning-switch app written for these
 * tests (osken_learning.py, what simple_switch_13 did) and controls a netloom topology of four
 * switches in a loop-free mesh over TCP: every host pair pings, and the app saw every switch
 * connect and installed flows on them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/index.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { haveOsKen, LEARNING_APP, startOsKen, type OsKen } from './osken-manager.js';

if (!haveOsKen) console.warn('skipping the os-ken controller test: osken-manager is missing (apt-get install python3-os-ken)');

const HOSTS = ['h1', 'h2', 'h3', 'h4'];
const topology = (port: number) => `
name: osken-tree
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  h3: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.3/24 } } }
  h4: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.4/24 } } }
  s1: { kind: switch, ports: [s2, s3, s4], controller: "tcp:127.0.0.1:${port}", failMode: secure }
  s2: { kind: switch, ports: [h1, s1], controller: "tcp:127.0.0.1:${port}", failMode: secure }
  s3: { kind: switch, ports: [h2, h3, s1], controller: "tcp:127.0.0.1:${port}", failMode: secure }
  s4: { kind: switch, ports: [h4, s1], controller: "tcp:127.0.0.1:${port}", failMode: secure }
links:
  - endpoints: [s1:s2, s2:s1]
  - endpoints: [s1:s3, s3:s1]
  - endpoints: [s1:s4, s4:s1]
  - endpoints: [h1:eth0, s2:h1]
  - endpoints: [h2:eth0, s3:h2]
  - endpoints: [h3:eth0, s3:h3]
  - endpoints: [h4:eth0, s4:h4]
traffic:
${HOSTS.flatMap((a, i) => HOSTS.slice(i + 1).map((b, j) => `  - ping: { from: ${a}, to: ${b}, count: 2, interval: 500ms, start: ${2 + 0.3 * (3 * i + j)}s }`)).join('\n')}
`;

describe.skipIf(!haveOsKen)('os-ken controls a netloom topology', () => {
  let osken: OsKen;

  beforeAll(async () => {
    osken = await startOsKen(LEARNING_APP);
  }, 30_000);

  afterAll(() => osken?.stop());

  it('every host pair pings through four switches os-ken programs', async () => {
    const summary = await runTopologyRealtime(loadTopology(topology(osken.port), 'osken-tree.yaml'), { until: 7e9 });
    expect(summary.traffic.map((t) => `${t.name}: ${t.delivered}/${t.sent}`)).toEqual(
      HOSTS.flatMap((a, i) => HOSTS.slice(i + 1).map((b) => `ping ${a} → ${b}: 2/2`)),
    );
    const lines = osken.log();
    expect(lines.filter((l) => l.startsWith('connected')).sort()).toEqual(['connected 0000000000000001', 'connected 0000000000000002', 'connected 0000000000000003', 'connected 0000000000000004']);
    expect(lines.filter((l) => l.startsWith('flow_mod') && l.endsWith('priority=1')).length).toBeGreaterThanOrEqual(6);
    expect(lines.some((l) => l.startsWith('packet_in'))).toBe(true);
  }, 30_000);
});
