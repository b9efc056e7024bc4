/**
 * What a run's tunnels would fail on, found in the topology before it runs: a tunnel port whose
 * remoteIp is no switch's underlay address, and one whose VNI or key no tunnel port at the far end
 * takes from it (they are legal files, and lessons break them on purpose, so `netloom validate`
 * warns rather than refuses). Owns only these checks; the loader's checks are check.ts's.
 */
import type { SwitchSpec, Topology, TunnelSpec } from './types.js';

/** One warning: the tunnel port it is about (`node:port`) and what a run would do. */
export interface TunnelWarning {
  port: string;
  message: string;
}

const id = (t: TunnelSpec) => (t.type === 'vxlan' ? 'VNI' : 'key');
const kind = (t: TunnelSpec) => (t.type === 'vxlan' ? 'VXLAN' : t.type === 'gre' ? 'GRE' : 'ESP-protected GRE');

/** Every tunnel port with a fixed remote, checked against the switch that has that address. */
export function tunnelWarnings(topology: Topology): TunnelWarning[] {
  const switches = topology.nodes.filter((n): n is SwitchSpec => n.kind === 'switch');
  const vtepOf = (address: string) => switches.find((s) => s.underlay?.interface.ipv4.some((a) => a.address === address));
  const out: TunnelWarning[] = [];
  for (const s of switches) {
    const local = s.underlay?.interface.ipv4[0]?.address;
    for (const p of s.ports) {
      const t = p.tunnel;
      if (t === undefined || t.remoteIp === 'flow' || local === undefined) continue;
      const port = `${s.name}:${p.name}`;
      const far = vtepOf(t.remoteIp);
      if (far === undefined) {
        out.push({ port, message: `remoteIp ${t.remoteIp} is no switch's underlay address: its ${kind(t)} packets have no tunnel endpoint to reach` });
        continue;
      }
      if (t.key === 'flow') continue;
      // The far end's ports of the same kind: one must take this key (or any) from this switch (or anyone).
      const peers = far.ports.flatMap((q) => (q.tunnel?.type === t.type && (q.tunnel.esp === undefined) === (t.esp === undefined) ? [{ name: q.name, tunnel: q.tunnel }] : []));
      const takes = peers.some(({ tunnel: q }) => (q.key === 'flow' || q.key === t.key) && (q.remoteIp === 'flow' || q.remoteIp === local) && (t.type !== 'vxlan' || q.dstPort === t.dstPort));
      if (takes) continue;
      const what = peers.map(({ name, tunnel: q }) => `${name} takes ${id(q)} ${q.key} from ${q.remoteIp === 'flow' ? 'anyone' : q.remoteIp}${q.type === 'vxlan' ? ` on UDP ${q.dstPort}` : ''}`);
      out.push({ port, message: `sends ${id(t)} ${t.key} to ${far.name} (${t.remoteIp}), where no ${kind(t)} port takes it from ${local} (${what.length === 0 ? `${far.name} has no ${kind(t)} port` : what.join('; ')}): ${far.name} drops them` });
    }
  }
  return out;
}
