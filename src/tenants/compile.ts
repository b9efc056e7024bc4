/**
 * How a tenant's virtual network becomes physical flows, as pure functions (the platform's
 * arithmetic, kept apart from its plumbing).
 *
 * Address mapping (structure-preserving, OpenVirteX's R19b): tenant `t` (1-255) declares an IPv4
 * space `V/L` (L >= 8). Its host `v` is physical `(t << 24) | (v & hostMask)`, hostMask the low
 * 32-L bits: bits 8..31-L are zeros, so a tenant prefix `x/M` (M >= L) is the physical prefix of
 * the same length M — a tenant's `nw_dst=10.0.0.0/24` still means its whole subnet, and no two
 * tenants' physical addresses meet, whatever addresses they reuse.
 *
 * Physical pipeline (FlowVisor's priority hole avoided by construction, as the research notes'
 * R6): table 0 belongs to the platform — a tenant's edge port takes only IPv4 and ARP inside the
 * tenant's space, rewrites both addresses to physical, tags metadata's low 8 bits with the tenant
 * id and goes to table 1; a core port classifies by the physical destination's tenant byte.
 * Tenant table t is physical table t+1, and every tenant rule also matches its tenant's tag, so
 * no tenant rule, however broad and high, sees another tenant's packets. An output to an edge
 * port rewrites the addresses back to the tenant's just around that output.
 */
import { fieldByName, W, type FieldDef } from '../switch/fields.js';
import { Match, OFPG_ANY, OFPP_NONE, type Action, type Bucket, type Group, type Rule, type SubField } from '../switch/flow.js';
import { formatActions, formatInstructions, formatMatch, parseSelector } from '../switch/ofctl.js';
import { OFPBAC, OFPBMC, OFPET, OFPFMFC, OFPGMFC, OpenFlowError, type OfpErrorCode } from '../openflow/errors.js';
import { ipv4ToNumber, prefixMask, numberToIpv4 } from '../hosts/addressing.js';
import { decode } from '../wire/decode.js';
import { encode } from '../wire/encode.js';
import type { Layer, LayerSpec } from '../wire/layers.js';

export const MAX_TENANTS = 255;
/** Metadata bits the platform keeps: the tenant id. A tenant's own metadata is shifted above them. */
export const TENANT_METADATA_BITS = 8n;
const TENANT_MASK = 0xffn;

export interface TenantSpace {
  id: number;
  /** The tenant's IPv4 space: prefix address (host bits zero) and length. */
  prefix: number;
  length: number;
}

/** A flowspace of one region that holds everything: a tenant's default (all of its hosts' traffic, writable). */
export const WHOLE_FLOWSPACE: readonly Match[] = [new Match()];

const hostMask = (s: TenantSpace) => (s.length === 32 ? 0 : (2 ** (32 - s.length) - 1)) >>> 0;

/** The datapath id of a tenant's n-th virtual switch (from 1): 0x00TT0000000000NN. */
export function virtualDatapathId(tenant: number, n: number): bigint {
  return (BigInt(tenant) << 48n) | BigInt(n);
}

export function inSpace(s: TenantSpace, address: number): boolean {
  return ((address & prefixMask(s.length)) >>> 0) === s.prefix;
}

export function toPhysical(s: TenantSpace, virtual: number): number {
  return ((s.id << 24) | (virtual & hostMask(s))) >>> 0;
}

export function toVirtual(s: TenantSpace, physical: number): number {
  return (s.prefix | (physical & hostMask(s))) >>> 0;
}

/** The highest group id a tenant may use: its ids take 23 bits of the physical one (physicalGroupId), which stays at or below OFPG_MAX for tenant 255 too. */
export const MAX_TENANT_GROUP = 0x7fff7f;

/**
 * A tenant's group as a physical group id: `(t << 24) | (g << 1) | p`, the tenant's byte on top
 * (no two tenants' ids meet on a switch), then its own id, then one bit for the protocol the
 * group's copy is for (0 IPv4, 1 ARP: the rewrite back at an edge port differs, as a rule's).
 */
export function physicalGroupId(tenant: number, group: number, protocol: 'ip' | 'arp' | undefined): number {
  return ((tenant << 24) | (group << 1) | (protocol === 'arp' ? 1 : 0)) >>> 0;
}

/** A tenant's meter ids go up to this: every tenant's physical meters then lie below OFPM_MAX. */
export const MAX_TENANT_METER = 0xffffff;

/** A tenant's meter as a physical meter id: `(t << 24) | m`, the tenant's byte on top, so no two tenants' ids meet on a switch. */
export function physicalMeterId(tenant: number, meter: number): number {
  return ((tenant << 24) | meter) >>> 0;
}

/** A physical group id's tenant and the tenant's own group id. */
export function tenantGroupOf(physical: number): { tenant: number; group: number } {
  return { tenant: physical >>> 24, group: (physical & 0xffffff) >>> 1 };
}

/** The tenant whose physical space holds this address (its top byte), if any. */
export function tenantOf(physical: number): number {
  return physical >>> 24;
}

function refuse(message: string, ofp: OfpErrorCode, path: string = 'flow_mod'): never {
  throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', message, 'tenant', 0, ofp, path);
}

const EPERM_MATCH: OfpErrorCode = { type: OFPET.BAD_MATCH, code: OFPBMC.EPERM };
const EPERM_ACTION: OfpErrorCode = { type: OFPET.BAD_ACTION, code: OFPBAC.EPERM };
const BAD_OUT_PORT: OfpErrorCode = { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_OUT_PORT };

/** A tenant's ports on one physical switch: virtual number -> physical number, and which physical ports are its edges (hosts) rather than links to other switches. */
export interface PortMap {
  toPhysical: ReadonlyMap<number, number>;
  edges: ReadonlySet<number>;
  /** Edge ports it has by VLAN (a trunk it may share with other tenants): physical port -> its VLAN id there (one per tenant and port). */
  vids?: ReadonlyMap<number, number>;
  /** A big switch's virtual ports on its other physical switches: the VLAN its packets for that port travel in, and the port towards it here. */
  remote?: ReadonlyMap<number, Tunnel>;
}

/** How a big switch reaches one of its virtual ports from one of its physical switches: the port's VLAN on the core, and the port towards it here. */
export interface Tunnel {
  vid: number;
  via: number;
}

/** A big switch's tunnel through one of its switches: to its port here (`port`, with `tag` its own VLAN when it is bound by one), or on `via` towards it. */
export interface MemberTunnel {
  vid: number;
  port?: number;
  tag?: number;
  via?: number;
}

const sub = (name: string, start: number, bits: number): SubField => ({ field: fieldByName(name)!, start, bits });

/** Loads that rewrite one address field in place: to physical (tenant byte, zeros) or to virtual (the prefix bits). */
function rewrite(s: TenantSpace, field: string, to: 'physical' | 'virtual'): Action[] {
  const hb = 32 - s.length;
  if (to === 'virtual') return hb === 32 ? [] : [{ type: 'load', dst: sub(field, hb, 32 - hb), value: BigInt(s.prefix >>> hb) }];
  const out: Action[] = [{ type: 'load', dst: sub(field, 24, 8), value: BigInt(s.id) }];
  if (hb < 24) out.push({ type: 'load', dst: sub(field, hb, 24 - hb), value: 0n });
  return out;
}

/** Both addresses of an IPv4 packet (ip) or an ARP packet (arp), rewritten. */
export function rewriteAddresses(s: TenantSpace, protocol: 'ip' | 'arp', to: 'physical' | 'virtual'): Action[] {
  const [src, dst] = protocol === 'ip' ? ['nw_src', 'nw_dst'] : ['arp_spa', 'arp_tpa'];
  return [...rewrite(s, src!, to), ...rewrite(s, dst!, to)];
}

/**
 * The platform's table-0 flows for one physical switch, in ovs-ofctl syntax. A tenant's edge port
 * takes IPv4 and ARP inside its space that lie in one of its `write` regions (its flowspace);
 * everything else from that port is dropped. On a port it has by VLAN (`vids`) it takes only
 * frames tagged with its VLAN, and pops the tag: its rules see untagged frames, as on any port.
 */
export function platformFlows(tenants: readonly { space: TenantSpace; edges: readonly number[]; vids?: ReadonlyMap<number, number> | undefined; write: readonly Match[]; queue?: number }[]): string[] {
  const flows: string[] = [];
  for (const { space, edges, vids, write, queue } of tenants) {
    const net = `${numberToIpv4(space.prefix)}/${space.length}`;
    // With a bandwidth share, its packets take its own egress queue on the links between switches.
    const tag = `${queue === undefined ? '' : `set_queue:${queue},`}write_metadata:0x${space.id.toString(16)}/0xff,goto_table:1`;
    for (const port of edges) {
      const vid = vids?.get(port);
      for (const [protocol, src, dst] of [['ip', 'nw_src', 'nw_dst'], ['arp', 'arp_spa', 'arp_tpa']] as const) {
        // Untagged only (or its own VLAN, popped): a host's VLAN tag could pass for a big switch's on the core.
        const base = parseSelector(`in_port=${port},${vid === undefined ? 'vlan_tci=0x0000/0x1000' : `dl_vlan=${vid}`},${protocol},${src}=${net},${dst}=${net}`).rule.match;
        const rewrites = `${vid === undefined ? '' : 'pop_vlan,'}${formatActions(rewriteAddresses(space, protocol, 'physical'))}`;
        for (const region of write) {
          const m = base.intersect(region);
          if (m !== undefined) flows.push(`table=0,priority=200,${formatMatch(m)},actions=${rewrites},${tag}`);
        }
      }
      // Anything else from a tenant's host (another protocol, a forged source, outside its flowspace) goes nowhere.
      flows.push(`table=0,priority=100,in_port=${port},actions=drop`);
    }
    // From a link to another switch: already physical, the tenant is the destination's top byte.
    flows.push(`table=0,priority=50,ip,nw_dst=${space.id}.0.0.0/8,actions=${tag}`);
    flows.push(`table=0,priority=50,arp,arp_tpa=${space.id}.0.0.0/8,actions=${tag}`);
  }
  return flows;
}

/**
 * The platform's table-0 flows that carry a big switch's packets between its physical switches,
 * on one of them (ONOS's virtual-device realization): a packet for virtual port p crosses the
 * core tagged with p's VLAN; at p's switch it leaves untagged, in its tenant's addresses.
 * `core` are this switch's ports to the big switch's other switches: only there is a tag trusted.
 */
export function bigSwitchFlows(s: TenantSpace, core: readonly number[], tunnels: readonly MemberTunnel[], queue?: number): string[] {
  const flows: string[] = [];
  for (const c of core) {
    for (const t of tunnels) {
      if (t.port === undefined) flows.push(`table=0,priority=300,in_port=${c},dl_vlan=${t.vid},actions=${queue === undefined ? '' : `set_queue:${queue},`}output:${t.via}`);
      else {
        for (const protocol of ['ip', 'arp'] as const) {
          // A big switch's ports are all its hosts': the addresses become the tenant's again.
          // A port bound by a VLAN of its own leaves in that VLAN: the core's tag takes its id.
          const untag = t.tag === undefined ? 'pop_vlan' : `mod_vlan_vid:${t.tag}`;
          flows.push(`table=0,priority=300,in_port=${c},dl_vlan=${t.vid},${protocol},actions=${untag},${formatActions(rewriteAddresses(s, protocol, 'virtual'))},output:${t.port}`);
        }
      }
    }
  }
  return flows;
}

/** A tenant's match (virtual ports and addresses) as physical: its tag added, ports and addresses mapped. */
function physicalMatch(s: TenantSpace, ports: PortMap, m: Match, protocol: 'ip' | 'arp' | undefined): Match {
  const out = new Match();
  out.values.set(m.values);
  out.masks.set(m.masks);
  if (m.masks[W.IN_PORT] !== 0) {
    const port = ports.toPhysical.get(m.values[W.IN_PORT]!);
    if (port === undefined) refuse(`in_port ${m.values[W.IN_PORT]} is not a port of this virtual switch`, { type: OFPET.BAD_MATCH, code: OFPBMC.BAD_VALUE });
    out.values[W.IN_PORT] = port!;
  }
  for (const word of [W.NW_SRC, W.NW_DST]) {
    const mask = m.masks[word]!;
    if (mask === 0) continue;
    const value = m.values[word]!;
    // The prefix bits the mask covers must be the tenant's own: anything else is outside its flowspace.
    if ((((value ^ s.prefix) & mask & prefixMask(s.length)) >>> 0) !== 0) {
      refuse(`${word === W.NW_SRC ? 'nw_src' : 'nw_dst'} ${numberToIpv4(value)} is outside the tenant's address space ${numberToIpv4(s.prefix)}/${s.length}`, EPERM_MATCH);
    }
    out.values[word] = (toPhysical(s, value) & mask) >>> 0;
  }
  if (protocol !== undefined) out.set(W.DL_TYPE, protocol === 'ip' ? 0x0800 : 0x0806, 0xffff);
  // Metadata: the tenant's bits move above the tag, which is set.
  const meta = (BigInt(m.values[W.METADATA]!) << 32n) | BigInt(m.values[W.METADATA + 1]!);
  const metaMask = (BigInt(m.masks[W.METADATA]!) << 32n) | BigInt(m.masks[W.METADATA + 1]!);
  if (metaMask >> (64n - TENANT_METADATA_BITS) !== 0n) refuse('metadata bits 56-63 are the platform\'s', EPERM_MATCH);
  const v = ((meta << TENANT_METADATA_BITS) | BigInt(s.id)) & 0xffffffffffffffffn;
  const k = ((metaMask << TENANT_METADATA_BITS) | TENANT_MASK) & 0xffffffffffffffffn;
  out.values[W.METADATA] = Number(v >> 32n);
  out.values[W.METADATA + 1] = Number(v & 0xffffffffn);
  out.masks[W.METADATA] = Number(k >> 32n);
  out.masks[W.METADATA + 1] = Number(k & 0xffffffffn);
  return out;
}

/** Actions that end an action set: it runs only its last group, else its last of these (actionSetList). */
const FINAL = new Set<Action['type']>(['output', 'in_port', 'flood', 'all', 'controller', 'normal']);

/** Of an action set, all but the outputs and groups it does not run: so no skipped output's edge rewrite stays behind for the one it runs. */
function finalOnly(actions: readonly Action[]): readonly Action[] {
  const reversed = [...actions].reverse();
  const last = reversed.find((a) => a.type === 'group') ?? reversed.find((a) => FINAL.has(a.type));
  return actions.filter((a) => a === last || !(a.type === 'group' || FINAL.has(a.type)));
}

/**
 * A tenant's actions as physical ones: ports mapped, floods expanded, edges rewritten back, tables
 * shifted. An action set (write_actions, a group's bucket) has one output: a flood of more than
 * one port cannot be one, and is refused there.
 */
export function physicalActions(s: TenantSpace, ports: PortMap, actions: readonly Action[], protocol: 'ip' | 'arp' | undefined, actionSet: boolean, inPort?: number): Action[] {
  const out: Action[] = [];
  /** Out of a physical port (`back`: the one it came in by, with the in_port action): to a host in the tenant's addresses, on a port it has by VLAN tagged with its VLAN. */
  const emit = (port: number, back = false) => {
    const edge = ports.edges.has(port) && protocol !== undefined;
    const vid = ports.vids?.get(port);
    if (vid !== undefined) out.push({ type: 'push_vlan', tpid: 0x8100 }, { type: 'mod_vlan', what: 'vid', value: vid, push: false });
    if (edge) out.push(...rewriteAddresses(s, protocol, 'virtual'));
    out.push(back ? { type: 'in_port' } : { type: 'output', port });
    // In an action list the packet goes on: back to physical, untagged. An action set has one output.
    if (vid !== undefined && !actionSet) out.push({ type: 'pop_vlan' });
    if (edge && !actionSet) out.push(...rewriteAddresses(s, protocol, 'physical'));
  };
  // To a big switch's port on another of its switches: across the core in that port's VLAN.
  const tunnel = (t: Tunnel) => {
    out.push({ type: 'push_vlan', tpid: 0x8100 }, { type: 'mod_vlan', what: 'vid', value: t.vid, push: false }, { type: 'output', port: t.via });
    if (!actionSet) out.push({ type: 'pop_vlan' });
  };
  for (const a of actionSet ? finalOnly(actions) : actions) {
    switch (a.type) {
      case 'output': {
        const port = ports.toPhysical.get(a.port);
        const far = ports.remote?.get(a.port);
        if (port !== undefined) emit(port);
        else if (far !== undefined) tunnel(far);
        else refuse(`output:${a.port} is not a port of this virtual switch`, BAD_OUT_PORT, 'actions');
        break;
      }
      case 'flood':
      case 'all':
        if (actionSet && ports.toPhysical.size + (ports.remote?.size ?? 0) > 1) refuse(`${a.type} in an action set: a set has one output, and this virtual switch's ${a.type} is several`, BAD_OUT_PORT, 'actions');
        // The tenant's own ports only; the switch skips the input port.
        for (const port of ports.toPhysical.values()) emit(port);
        for (const far of ports.remote?.values() ?? []) tunnel(far);
        break;
      case 'pop_vlan':
      case 'push_vlan':
      case 'mod_vlan':
        // A tag a tenant pushed could pass for a big switch's VLAN on the core.
        refuse(`${a.type}: VLAN tags are the platform's (its big switches carry packets in them)`, EPERM_ACTION, 'actions');
        break;
      case 'in_port':
        // Back to a host it goes in the tenant's addresses (and VLAN): only a rule that matches in_port says where it came from.
        if (inPort === undefined) refuse('in_port: the rule must match in_port, so the platform knows whether the packet goes back to a host', BAD_OUT_PORT, 'actions');
        emit(inPort!, true);
        break;
      case 'controller':
      case 'dec_ttl':
      case 'set_ttl':
      case 'clear_actions':
        out.push(a);
        break;
      case 'normal':
        refuse('NORMAL would forward across tenants: a virtual switch has no NORMAL', BAD_OUT_PORT, 'actions');
        break;
      case 'set_field': {
        if (a.field.word === W.NW_SRC || a.field.word === W.NW_DST) {
          if (!inSpace(s, Number(a.value))) refuse(`set_field ${numberToIpv4(Number(a.value))} is outside the tenant's address space`, EPERM_ACTION, 'actions');
          out.push({ ...a, value: BigInt(toPhysical(s, Number(a.value))) });
        } else if (a.field.name === 'in_port' || a.field.name === 'metadata' || a.field.pipeline && a.field.name.startsWith('tun')) {
          refuse(`set_field ${a.field.name} is the platform's`, EPERM_ACTION, 'actions');
        } else if (a.field.word === W.VLAN_TCI) {
          // A tag written into a packet could pass for a big switch's VLAN on the core.
          refuse(`set_field ${a.field.name}: VLAN tags are the platform's (its big switches carry packets in them)`, EPERM_ACTION, 'actions');
        } else out.push(a);
        break;
      }
      case 'goto_table':
        if (a.table + 1 > 254) refuse(`goto_table:${a.table}: a tenant has tables 0-253`, { type: OFPET.BAD_INSTRUCTION, code: 2 }, 'actions');
        out.push({ type: 'goto_table', table: a.table + 1 });
        break;
      case 'write_metadata': {
        if ((a.mask >> (64n - TENANT_METADATA_BITS)) !== 0n) refuse("write_metadata bits 56-63 are the platform's", EPERM_ACTION, 'actions');
        out.push({ type: 'write_metadata', value: (a.value << TENANT_METADATA_BITS) & 0xffffffffffffffffn, mask: (a.mask << TENANT_METADATA_BITS) & 0xffffffffffffffffn });
        break;
      }
      case 'write_actions':
        out.push({ type: 'write_actions', actions: physicalActions(s, ports, a.actions, protocol, true, inPort) });
        break;
      case 'group':
        // The tenant's own group (its switch checked it exists), in this protocol's copy.
        out.push({ type: 'group', group: physicalGroupId(s.id, a.group, protocol) });
        break;
      default:
        // Registers, learn, resubmit: the platform has no safe translation for them yet.
        refuse(`${a.type} is not available to tenants`, { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_TYPE }, 'actions');
    }
  }
  return out;
}

/** Actions that send a packet on as it is now: out of a port, to the controller, a group or a later table (a PACKET_OUT's TABLE: a resubmit). */
const SENDS = new Set<Action['type']>(['output', 'in_port', 'flood', 'all', 'controller', 'group', 'goto_table', 'enqueue', 'resubmit']);

/** A region of headers with some bits of a field written (`mask` over the field's value). */
function written(h: Match, field: FieldDef, value: bigint, mask: bigint): Match {
  const out = new Match();
  out.values.set(h.values);
  out.masks.set(h.masks);
  const shift = BigInt(field.shift ?? 0);
  let v = value << shift;
  let m = mask << shift;
  for (let k = field.words - 1; k >= 0; k--) {
    out.set(field.word + k, Number(v & 0xffffffffn), Number(m & 0xffffffffn));
    v >>= 32n;
    m >>= 32n;
  }
  return out;
}

/**
 * The research notes' R8 (FlowVisor's holes #51/#73/#16): wherever a tenant's actions send a
 * packet on (an output, the controller, a group, a later table), the header its rewrites have
 * made of `headers` lies in one of its write regions; else BAD_ACTION/EPERM. `headers` is what
 * the actions can see: a rule's match within a region, a region for a group's bucket, a frame.
 */
export function checkRewrites(headers: Match, actions: readonly Action[], write: readonly Match[]): void {
  let h = headers;
  for (const a of actions) {
    if (a.type === 'set_field') h = written(h, a.field, a.value, a.mask);
    else if (a.type === 'load') h = written(h, a.dst.field, a.value << BigInt(a.dst.start), ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start));
    else if (a.type === 'write_actions') checkRewrites(h, a.actions, write);
    else if (SENDS.has(a.type) && !write.some((region) => h.within(region))) {
      refuse(`${a.type === 'goto_table' ? `goto_table:${a.table}` : a.type} sends on a header its rewrites have taken outside the tenant's writable flowspace (${formatMatch(h) || 'everything'})`, EPERM_ACTION, 'actions');
    }
  }
}

/**
 * A tenant's rule as the physical rules that carry it: one per protocol when its actions reach
 * an edge port (the rewrite back differs for IPv4 and ARP), else one. Table +1, the tenant's tag
 * in the match, `cookie` the platform's (it names the tenant and the rule), SEND_FLOW_REM always.
 */
export function compileRule(s: TenantSpace, ports: PortMap, rule: Rule, cookie: bigint, write: readonly Match[]): Rule[] {
  if (rule.table >= 254) refuse(`table ${rule.table}: a tenant has tables 0-253`, { type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.BAD_TABLE_ID });
  // A big switch's rule for a port on another of its switches has nothing to do here.
  if (rule.match.masks[W.IN_PORT] !== 0 && ports.remote?.has(rule.match.values[W.IN_PORT]!)) return [];
  // A rule that can match none of the traffic it may write is outside its flowspace (the research notes' R7).
  if (!write.some((region) => region.intersect(rule.match) !== undefined)) refuse(`${rule.matchText || 'the rule'} lies outside the tenant's writable flowspace`, { type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.EPERM });
  for (const region of write) {
    const headers = region.intersect(rule.match);
    if (headers !== undefined) checkRewrites(headers, rule.actions, write);
  }
  const type = (rule.match.masks[W.DL_TYPE]! & 0xffff) === 0xffff ? rule.match.values[W.DL_TYPE] : undefined;
  const reachesEdge = (actions: readonly Action[]): boolean =>
    actions.some((a) => (a.type === 'output' && ports.edges.has(ports.toPhysical.get(a.port) ?? -1)) || a.type === 'flood' || a.type === 'all' || a.type === 'group' || a.type === 'in_port' || (a.type === 'write_actions' && reachesEdge(a.actions)));
  const protocols: ('ip' | 'arp' | undefined)[] =
    type === 0x0800 ? ['ip'] : type === 0x0806 ? ['arp'] : type !== undefined || !reachesEdge(rule.actions) ? [undefined] : ['ip', 'arp'];
  return protocols.map((protocol) => {
    const match = physicalMatch(s, ports, rule.match, type === undefined ? protocol : undefined);
    const inPort = rule.match.masks[W.IN_PORT] === 0 ? undefined : ports.toPhysical.get(rule.match.values[W.IN_PORT]!);
    const actions = physicalActions(s, ports, rule.actions, protocol ?? (type === 0x0800 ? 'ip' : type === 0x0806 ? 'arp' : undefined), false, inPort);
    // Its meter is the tenant's own, as a physical meter no other tenant can name.
    const meter = rule.meter === undefined ? undefined : physicalMeterId(s.id, rule.meter);
    return {
      table: rule.table + 1, priority: rule.priority, cookie, idleTimeout: rule.idleTimeout, hardTimeout: rule.hardTimeout, match, matchText: formatMatch(match),
      actions, actionsText: formatInstructions(meter, actions), flags: 1, packets: 0, bytes: 0, created: 0, modified: 0, lastUsed: 0, ...(meter !== undefined && { meter }),
    };
  });
}

/**
 * A tenant's group as the physical groups that carry it, one per protocol (physicalGroupId): each
 * bucket's actions checked and mapped as a rule's are (its own ports, rewrites in its space and
 * its flowspace, no VLAN tags), its watched port and group mapped. On a big switch a bucket may watch no port: the
 * port may be on another of its switches, whose liveness this one cannot see.
 */
export function compileGroup(s: TenantSpace, ports: PortMap, group: Group, write: readonly Match[]): Group[] {
  if (group.id > MAX_TENANT_GROUP) refuse(`group ${group.id}: a tenant's group ids go up to ${MAX_TENANT_GROUP}`, { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.INVALID_GROUP }, 'group_mod');
  // Any packet in its flowspace may come to the group: each bucket keeps every one of them in it.
  for (const b of group.buckets) for (const region of write) checkRewrites(region, b.actions, write);
  return (['ip', 'arp'] as const).map((protocol) => ({
    ...group,
    id: physicalGroupId(s.id, group.id, protocol),
    buckets: group.buckets.map((b, i): Bucket => {
      let watchPort = OFPP_NONE;
      if (b.watchPort !== OFPP_NONE) {
        const port = ports.toPhysical.get(b.watchPort);
        if (port === undefined && ports.remote?.has(b.watchPort)) refuse(`bucket ${i} watches port ${b.watchPort}, on another switch of the big switch`, { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.WATCH_UNSUPPORTED }, 'group_mod');
        if (port === undefined) refuse(`bucket ${i} watches port ${b.watchPort}, not a port of this virtual switch`, { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_WATCH }, 'group_mod');
        watchPort = port!;
      }
      if (b.watchGroup !== OFPG_ANY && b.watchGroup > MAX_TENANT_GROUP) refuse(`bucket ${i} watches group ${b.watchGroup}; a tenant's group ids go up to ${MAX_TENANT_GROUP}`, { type: OFPET.GROUP_MOD_FAILED, code: OFPGMFC.BAD_WATCH }, 'group_mod');
      const watchGroup = b.watchGroup === OFPG_ANY ? OFPG_ANY : physicalGroupId(s.id, b.watchGroup, protocol);
      return { weight: b.weight, watchPort, watchGroup, actions: physicalActions(s, ports, b.actions, protocol, true), packets: 0, bytes: 0 };
    }),
    packets: 0,
    bytes: 0,
  }));
}

/**
 * A frame with the IPv4 (or ARP) addresses of its outer packet rewritten by `map`, checksums
 * recomputed (a UDP checksum of 0, meaning none, stays 0). Frames of other protocols come back
 * unchanged; undefined when the bytes do not decode.
 */
export function rewriteFrame(bytes: Uint8Array, map: (address: number) => number): Uint8Array | undefined {
  let layers: Layer[];
  try {
    layers = decode(bytes);
  } catch {
    return undefined;
  }
  const specs: LayerSpec[] = [];
  let changed = false;
  for (const [i, layer] of layers.entries()) {
    const previous = layers[i - 1]?.layer;
    if (layer.layer === 'ipv4' && !layers.slice(0, i).some((l) => l.layer === 'ipv4')) {
      const { checksum: _checksum, ...rest } = layer;
      specs.push({ ...rest, src: numberToIpv4(map(ipv4ToNumber(layer.src))), dst: numberToIpv4(map(ipv4ToNumber(layer.dst))) });
      changed = true;
    } else if (layer.layer === 'arp' && (previous === 'ethernet' || previous === 'vlan')) {
      specs.push({ ...layer, senderIp: numberToIpv4(map(ipv4ToNumber(layer.senderIp))), targetIp: numberToIpv4(map(ipv4ToNumber(layer.targetIp))) });
      changed = true;
    } else if ((layer.layer === 'udp' || layer.layer === 'tcp') && changed && layers[i - 1]?.layer === 'ipv4') {
      const { checksum, ...rest } = layer;
      specs.push(layer.layer === 'udp' && checksum === 0 ? layer : rest);
    } else specs.push(layer);
  }
  return changed ? encode(specs) : bytes;
}

/** The outer IPv4 or ARP addresses of a frame (source, destination), if it has them. */
export function frameAddresses(bytes: Uint8Array): { protocol: 'ip' | 'arp'; src: number; dst: number } | undefined {
  try {
    for (const layer of decode(bytes)) {
      if (layer.layer === 'ipv4') return { protocol: 'ip', src: ipv4ToNumber(layer.src), dst: ipv4ToNumber(layer.dst) };
      if (layer.layer === 'arp') return { protocol: 'arp', src: ipv4ToNumber(layer.senderIp), dst: ipv4ToNumber(layer.targetIp) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
