/** `netloom tenants`: each tenant's virtual network, its address mapping and the physical ports behind its virtual ones. */
import { loadTopologyFile } from '../topology/load.js';
import { farEnds } from '../topology/build.js';
import { ipv4ToNumber, numberToIpv4 } from '../hosts/addressing.js';
import { toPhysical, virtualDatapathId } from '../tenants/compile.js';
import { printable } from './output.js';

export function tenantsCommand(file: string): void {
  const topology = loadTopologyFile(file);
  const tenants = topology.tenants ?? [];
  if (tenants.length === 0) {
    process.stdout.write(`${file} declares no tenants\n`);
    return;
  }
  const far = farEnds(topology);
  const out: string[] = [];
  for (const t of tenants) {
    const controller = 'node' in t.controller ? t.controller.node : `tcp:${t.controller.host}:${t.controller.port}`;
    if (t.prefix === undefined) out.push(`${t.name}: tenant ${t.id}, controller ${controller}, read only`);
    else {
      const space = { id: t.id, prefix: ipv4ToNumber(t.prefix), length: t.prefixLength! };
      out.push(`${t.name}: tenant ${t.id}, controller ${controller}, addresses ${t.prefix}/${t.prefixLength} -> physical ${numberToIpv4(toPhysical(space, space.prefix))}/${t.prefixLength}`);
    }
    for (const e of t.flowspace ?? []) out.push(`  flowspace: ${e.permission} ${e.match === '' ? 'everything' : e.match}${e.of === undefined ? '' : ` of ${e.of}`}${e.switches === undefined ? '' : ` on ${e.switches.join(', ')}`}`);
    const limits = [
      t.maxFlows !== undefined && `${t.maxFlows} flows a switch`,
      t.maxGroups !== undefined && `${t.maxGroups} groups a virtual switch`,
      t.messageRate !== undefined && `${t.messageRate.rate} messages/s (burst ${t.messageRate.burst})`,
      t.packetInRate !== undefined && `${t.packetInRate.rate} PACKET_INs/s (burst ${t.packetInRate.burst})`,
      t.bandwidthWeight !== undefined && `bandwidth weight ${t.bandwidthWeight} (queue ${t.id} on links between switches)`,
    ].filter(Boolean);
    if (limits.length > 0) out.push(`  quota: ${limits.join(', ')}`);
    t.switches.forEach((s, i) => {
      const over = [...new Set(s.ports.map((p) => p.switch))];
      out.push(`  ${s.name}: datapath ${virtualDatapathId(t.id, i + 1).toString(16).padStart(16, '0')} ${over.length > 1 ? `a big switch over ${over.join(', ')}` : `on ${over[0]}`}`);
      s.ports.forEach((p, j) => {
        const end = far.get(`${p.switch}:${p.port}`);
        const role = end === undefined ? 'not linked' : end.kind === 'switch' ? `link to ${end.port}, shared by tenants` : `edge, to ${end.port}`;
        const physical = `${p.switch}:${p.port}${p.vlan === undefined ? '' : ` VLAN ${p.vlan}`}`;
        const named = `${p.port}${p.vlan === undefined ? '' : `.${p.vlan}`}`;
        const why = p.vlan === undefined ? role : `edge by VLAN, to ${end?.port ?? 'nothing'}`;
        out.push(over.length > 1 ? `    port ${j + 1} ${p.switch}:${named} (${why})` : `    port ${j + 1} ${named}: ${physical} (${why})`);
      });
    });
  }
  process.stdout.write(`${printable(out.join('\n'))}\n`);
}
