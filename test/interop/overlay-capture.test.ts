/**
 * The overlay lessons' captures in tshark: every layer of VXLAN, GRE and ESP-protected GRE is
 * dissected on the underlay, nothing is malformed or flagged, and the printed ESP options
 * decrypt every ESP packet with a good ICV.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { tsharkEspOptions } from '../../src/capture/esp-secrets.js';
import { loadTopologyFile } from '../../src/topology/load.js';
import { espSecretsOf, runTopology } from '../../src/topology/run.js';

const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
if (!haveTshark) console.warn('skipping the overlay capture test: tshark is missing. Install it with: apt-get install tshark');
const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!haveTshark)('overlay captures in tshark', () => {
  it.each([
    ['vxlan', 'r1:eth0', 'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp:data'],
    ['gre', 'r1:eth0', 'eth:ethertype:ip:gre:eth:ethertype:ip:icmp:data'],
    // The ESP lessons capture one point per segment (their capture:), the underlay at the first VTEP.
    ['esp', 's1:eth1', 'eth:ethertype:ip:esp:gre:eth:ethertype:ip:icmp:data'],
    ['docker-encrypted-overlay', 'node1:eth1', 'eth:ethertype:ip:esp:udp:vxlan:eth:ethertype:ip:icmp:data'],
    // Outer fragments too (dfDefault: false), reassembled by tshark as by s1.
    ['gre-costs', 'r1:eth0', 'eth:ethertype:ip:gre:eth:ethertype:ip:icmp:data'],
  ])('%s: every layer on the underlay (%s), nothing flagged', async (name, underlay, chain) => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-overlay-'));
    try {
      const file = join(dir, `${name}.pcapng`);
      const topology = loadTopologyFile(join(root, 'topologies', `${name}.yaml`));
      expect((await runTopology(topology, { capture: openCapture(file) })).passed).toBe(true);
      // The options as netloom prints them, split as a shell would.
      const esp = espSecretsOf(topology);
      const options = esp.length === 0 ? [] : (tsharkEspOptions(esp).match(/'[^']*'|\S+/g) ?? []).map((a) => a.replace(/^'|'$/g, ''));
      const checks = [...options, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
      const flagged = spawnSync('tshark', ['-r', file, ...checks, '-Y', '_ws.malformed || _ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8' });
      expect(flagged.status, flagged.stderr).toBe(0);
      expect(flagged.stdout).toBe('');
      const fields = spawnSync('tshark', ['-r', file, ...checks, '-Y', `frame.interface_name=="${underlay}"`, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.protocols', '-e', 'esp.icv_good'], { encoding: 'utf8' });
      const rows = fields.stdout.trim().split('\n').map((l) => l.split('|'));
      expect(rows.filter((r) => r[0] === chain).length).toBeGreaterThanOrEqual(8);
      if (esp.length > 0) expect(rows.filter((r) => r[0]!.includes(':esp:')).every((r) => r[1] === '1')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
