/**
 * A tenant on an external controller: the tenants-external lesson with os-ken (Debian's
 * python3-os-ken) as blue's controller and netloom's `learning` app as red's. os-ken sees two
 * OpenFlow switches with blue's datapath ids and ports, nothing of red, and PACKET_INs with blue's
 * own addresses; both tenants' pings are delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { lessonPath, loadTopology } from '../../src/index.js';
import { runTopologyRealtime } from '../../src/topology/run.js';
import { haveOsKen, LEARNING_APP, startOsKen, type OsKen } from './osken-manager.js';

if (!haveOsKen) console.warn('skipping the external tenant controller test: osken-manager is missing (apt-get install python3-os-ken)');

describe.skipIf(!haveOsKen)('a tenant whose controller is os-ken', () => {
  let osken: OsKen;

  beforeAll(async () => {
    osken = await startOsKen(LEARNING_APP);
  }, 30_000);

  afterAll(() => osken?.stop());

  it('runs the tenants-external lesson: both tenants deliver, os-ken sees only blue', async () => {
    const text = readFileSync(lessonPath('tenants-external'), 'utf8').replace('tcp:127.0.0.1:6653', `tcp:127.0.0.1:${osken.port}`);
    const summary = await runTopologyRealtime(loadTopology(text, 'tenants-external.yaml'), { until: 4.5e9 });
    expect(summary.expectations.map((e) => `${e.passed ? 'ok' : 'FAILED'} ${e.expectation}`)).toEqual([
      'ok blue b1 to b2: at least 3 delivered',
      'ok red r2 to r1: at least 3 delivered',
    ]);
    const lines = osken.log();
    // blue's two virtual switches and nothing else.
    expect(lines.filter((l) => l.startsWith('connected')).sort()).toEqual(['connected 0001000000000001', 'connected 0001000000000002']);
    // PACKET_INs on blue's virtual ports (1 to its host, 2 to the core link), never a red MAC.
    const packetIns = lines.filter((l) => l.startsWith('packet_in'));
    expect(packetIns.length).toBeGreaterThan(0);
    expect(packetIns.every((l) => /^packet_in 000100000000000[12] in_port=[12] /.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('flow_mod') && l.endsWith('priority=1')).length).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
