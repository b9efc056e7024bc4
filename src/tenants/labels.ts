/**
 * Which tenant a frame on a port belongs to, for traces and captures: on a tenant's edge port
 * (either end of the link to its host) the port's owner; on a trunk tenants share by VLAN, the
 * tenant of the frame's outer VLAN id; on a link between the platform's
 * switches the tenant whose physical space holds the frame's outer IPv4 source (ARP sender), as
 * the platform's table 0 classifies it. Elsewhere no tenant.
 */
import type { TraceEvent } from '../sim/recorder.js';
import { tenantOf } from './compile.js';

export interface TenantPorts {
  /** `node:port` of each end of a link to a tenant's host -> the tenant's name. */
  edges: ReadonlyMap<string, string>;
  /** `node:port` of each end of a trunk tenants have by VLAN -> VLAN id -> the tenant's name. */
  vlans: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** `node:port` of each end of a link between two switches the platform runs. */
  core: ReadonlySet<string>;
  /** Tenant names by id. */
  names: ReadonlyMap<number, string>;
}

/** An annotator for the recorder: sets `tenant` on the events of frames on tenant ports. */
export function tenantLabeler(ports: TenantPorts): (e: TraceEvent) => void {
  return (e) => {
    if (e.port === undefined || e.bytes === undefined) return;
    const where = `${e.node}:${e.port}`;
    const owner = ports.edges.get(where) ?? ports.vlans.get(where)?.get(outerVid(e.bytes));
    if (owner !== undefined) e.tenant = owner;
    else if (ports.core.has(where)) {
      const source = outerSource(e.bytes);
      const name = source === undefined ? undefined : ports.names.get(tenantOf(source));
      if (name !== undefined) e.tenant = name;
    }
  };
}

/** The outer 802.1Q VLAN id, or -1 for an untagged frame. */
function outerVid(b: Uint8Array): number {
  return b.length >= 16 && ((b[12]! << 8) | b[13]!) === 0x8100 ? ((b[14]! << 8) | b[15]!) & 0xfff : -1;
}

/** The outer IPv4 source (or ARP sender) address, past any VLAN tags. */
function outerSource(b: Uint8Array): number | undefined {
  let o = 12;
  while (o + 4 <= b.length && ((b[o]! << 8) | b[o + 1]!) === 0x8100) o += 4;
  if (o + 2 > b.length) return undefined;
  const type = (b[o]! << 8) | b[o + 1]!;
  const at = type === 0x0800 ? o + 2 + 12 : type === 0x0806 ? o + 2 + 14 : -1;
  if (at < 0 || at + 4 > b.length) return undefined;
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
