/** `netloom tenants`: each tenant's virtual network, its address mapping and the physical ports behind its virtual ones. */
import { loadTopologyFile } from '../topology/load.js';
import { ipv4ToNumber, numberToIpv4 } from '../hosts/addressing.js';
import { toPhysical } from '../tenants/compile.js';

export function tenantsCommand(file: string): void {
  const topology = loadTopologyFile(file);
  const tenants = topology.tenants ?? [];
  if (tenants.length === 0) {
    process.stdout.write(`${file} declares no tenants\n`);
    return;
  }
  const peer = new Map<string, string>();
  for (const l of topology.links) {
    peer.set(l.endpoints[0], l.endpoints[1]);
    peer.set(l.endpoints[1], l.endpoints[0]);
  }
  const kind = new Map(topology.nodes.map((n) => [n.name, n.kind]));
  const out: string[] = [];
  for (const t of tenants) {
    const space = { id: t.id, prefix: ipv4ToNumber(t.prefix), length: t.prefixLength };
    out.push(`${t.name}: tenant ${t.id}, controller ${t.controller}, addresses ${t.prefix}/${t.prefixLength} -> physical ${numberToIpv4(toPhysical(space, space.prefix))}/${t.prefixLength}`);
    t.switches.forEach((s, i) => {
      out.push(`  ${s.name}: datapath ${((BigInt(t.id) << 48n) | BigInt(i + 1)).toString(16).padStart(16, '0')} on ${s.switch}`);
      s.ports.forEach((p, j) => {
        const far = peer.get(`${s.switch}:${p}`);
        const farKind = far === undefined ? undefined : kind.get(far.slice(0, far.indexOf(':')));
        const role = far === undefined ? 'not linked' : farKind === 'switch' ? `link to ${far}, shared by tenants` : `edge, to ${far}`;
        out.push(`    port ${j + 1} ${p}: ${s.switch}:${p} (${role})`);
      });
    });
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
