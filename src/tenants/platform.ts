/**
 * The network virtualization platform (after FlowVisor and OpenVirteX): towards the physical
 * switches it is their controller; towards each tenant's controller it is that tenant's
 * switches. Each tenant virtual switch is a netloom OpenFlow datapath of its own — the same
 * agent as a real netloom switch answers the tenant's controller, over a table of the tenant's
 * rules as the tenant wrote them — and the platform compiles every change to that table onto the
 * physical switch (compile.ts: the tenant's tag, its ports, its addresses), so a tenant sees its
 * ports, its flows, its addresses and nothing else, and its rules cannot touch another's traffic.
 *
 * Physical PACKET_INs go to the tenant whose tag they carry, its addresses restored; PACKET_OUTs
 * must parse and stay in the tenant's space; physical FLOW_REMOVEDs remove the tenant's rule.
 *
 * A big switch is one virtual switch over several physical ones (its members): the tenant's
 * rules run on each member where a packet enters, and an output to a port on another member
 * crosses the core in that port's VLAN along a shortest path the platform installs.
 *
 * Groups and meters are the tenant's own: its virtual switch keeps them in its ids (GROUP_DESC,
 * GROUP_STATS, METER and METER_CONFIG answer from there, counters fetched from the members), and
 * each is installed on every member under an id no other tenant can have (compile.ts
 * physicalGroupId, physicalMeterId).
 */
import { OFPPC, type SwitchEvents, type SwitchNode, type SwitchPortInfo } from '../switch/node.js';
import { Bridge } from '../switch/bridge.js';
import { SwitchPacket } from '../switch/packet.js';
import { GROUP_TYPES, Match, OFPG_ALL, type Action, type Group, type Rule } from '../switch/flow.js';
import { usesGroup } from '../switch/pipeline.js';
import { FLOW_WORDS, W, fieldByName } from '../switch/fields.js';
import { OFPP_CONTROLLER, formatMatch } from '../switch/ofctl.js';
import { DEFAULT_ASYNC, type OpenFlowDatapath } from '../openflow/agent.js';
import { actionsToInstructions, bandsToOfp, bucketsToOfp, matchToOxm, portFromOfp } from '../openflow/flows.js';
import { MAX_METERS, OFPM_ALL, type Meter } from '../switch/meter.js';
import { OFPBRC, OFPET, OFPFMFC, OFPGMFC, OFPMMFC, OpenFlowError, ofpErrorName, type OfpErrorCode } from '../openflow/errors.js';
import { TokenBucket } from '../sim/token-bucket.js';
import { OFPGC, OFPMC, OFPP, OFPPR, OFPPS, OFPRR, type MessageOf } from '../openflow/messages.js';
import type { OfPort } from '../openflow/structs.js';
import type { MultipartReplyBody, MultipartRequestBody } from '../openflow/multipart.js';
import type { AppFactory, PacketInEvent } from '../controller/controller.js';
import type { Datapath } from '../controller/datapath.js';
import { ipv4ToNumber } from '../hosts/addressing.js';
import { ETH_LLDP, isLldp, tagLldp, untagLldp } from './lldp.js';
import { MAX_TENANT_GROUP, MAX_TENANT_METER, WHOLE_FLOWSPACE, physicalMeterId, type MemberTunnel, type Tunnel, bigSwitchFlows, checkRewrites, compileGroup, compileRule, physicalGroupId, tenantGroupOf, frameAddresses, inSpace, physicalActions, platformFlows, rewriteFrame, toPhysical, toVirtual, virtualDatapathId, type PortMap, type TenantSpace } from './compile.js';

/** What the platform needs to know of a tenant. */
export interface PlatformTenant {
  name: string;
  id: number;
  /** Its IPv4 space; a read-only tenant (a monitoring slice) may have none. */
  prefix?: string;
  prefixLength?: number;
  /** Its flowspace (default: all of its hosts' traffic, writable). `read` entries name the tenant whose traffic they read. */
  flowspace?: FlowspaceEntry[];
  /** Its virtual switches; a big switch's ports are on several physical switches. */
  switches: { name: string; ports: VirtualPortSpec[] }[];
  /** The most physical rules the tenant may have on one switch (FLOW_MOD_FAILED/TABLE_FULL past it). */
  maxFlows?: number;
  /** The most groups each of its virtual switches may have (GROUP_MOD_FAILED/OUT_OF_GROUPS past it). */
  maxGroups?: number;
  /** The most meters each of its virtual switches may have (METER_MOD_FAILED/OUT_OF_METERS past it). */
  maxMeters?: number;
  /** Messages a second its controller may send each virtual switch (HELLO and ECHO exempt); past it, BAD_REQUEST/EPERM. */
  messageRate?: Rate;
  /** PACKET_INs a second each virtual switch sends its controller; past it they are dropped. */
  packetInRate?: Rate;
  /** It has a bandwidth share: its packets take egress queue `id` (its id) on the links between switches. */
  queued?: boolean;
}

/** A virtual port: the physical switch and port behind it, and whether a host (not another switch) is at its far end. */
export interface VirtualPortSpec {
  name: string;
  switch: SwitchNode;
  physical: number;
  edge: boolean;
  /** Bound by this VLAN of the physical port (a trunk to hosts): frames come in tagged with it, and leave so. */
  vlan?: number;
}

/** A link between two physical switches: how the platform routes inside a big switch. */
export interface SwitchLink {
  a: { switch: SwitchNode; physical: number };
  b: { switch: SwitchNode; physical: number };
}

/** A region of header space (in the addresses of the tenant it concerns) and what a tenant may do there. */
export interface FlowspaceEntry {
  match: Match;
  permission: 'read' | 'write';
  /** The tenant whose traffic a `read` entry reads. */
  of?: string;
  /** The tenant's virtual switches it holds on (by name); every one when absent (FlowVisor's dpid, or ALL_DPIDS). */
  switches?: readonly string[];
}

/** A rate limit: `rate` a second, `burst` at once after a quiet spell. */
export interface Rate {
  rate: number;
  burst: number;
}

/** What the platform counted for a tenant, over all its virtual switches. */
export interface TenantCounters {
  /** Messages from its controller refused, by OpenFlow error (`BAD_ACTION/EPERM`). */
  refused: Map<string, number>;
  /** Of those, refused because it was past its message rate. */
  rateLimited: number;
  /** PACKET_INs sent to its controller, and dropped past its PACKET_IN rate. */
  packetIns: number;
  packetInsDropped: number;
}

type TenantState = PlatformTenant & { nextRule: bigint; counters: TenantCounters };

/** The node the platform runs as, beside the topology's own (which may not use the name). */
export const PLATFORM_NODE = 'platform';
const NO_COOKIE = 0xffffffffffffffffn;
const REMOVED = ['idle_timeout', 'hard_timeout', 'delete', 'group_delete'] as const;
const ALL_ONES = 0xffffffffffffffffn;

/**
 * A tenant rule as placed: its physical cookie and what it became on each member, installed there
 * or, on a member not connected yet, to be installed when it connects (and counted against the
 * tenant's quota there already, so that connecting can never find the quota exceeded).
 */
interface Compiled {
  cookie: bigint;
  actionsText: string;
  installed: Map<SwitchNode, Rule[]>;
}

/** A tenant's group as installed: the group of its table compiled (a MODIFY puts another in its place), and the members it is on. */
interface InstalledGroup {
  group: Group;
  on: Set<SwitchNode>;
}

/** A tenant's meter as installed, likewise. */
interface InstalledMeter {
  meter: Meter;
  on: Set<SwitchNode>;
}

/** How a big switch's member reaches a port on another member: that port's VLAN, and the port here on a shortest path to `to` over the links up. */
interface RemoteTunnel extends Tunnel {
  to: SwitchNode;
}

/** One physical switch a virtual switch is carved from: its ports there, and the way to the others. */
export interface Member {
  physical: SwitchNode;
  portMap: PortMap;
  /** Physical port -> virtual port, for the ports on this member. */
  toVirtual: ReadonlyMap<number, number>;
  /** A big switch's tunnels through this member (bigSwitchFlows), and its ports to the other members. */
  tunnels: MemberTunnel[];
  core: number[];
  /** Its tunnels to ports on other members (the same objects as in `tunnels` and `portMap.remote`: a reroute changes their `via`). */
  remote: RemoteTunnel[];
}

/** A tenant's virtual switch: the OpenFlow datapath its controller sees. */
export class VirtualSwitch implements OpenFlowDatapath {
  readonly bridge: Bridge;
  readonly failMode = 'secure';
  controllerName = 'the controller';
  readonly datapathId: bigint;
  readonly name: string;
  listener: SwitchEvents | undefined;
  readonly space: TenantSpace;
  readonly members: readonly Member[];
  private readonly compiled = new Map<Rule, Compiled>();
  readonly byCookie = new Map<bigint, Rule>();
  /** Rules of the tenant's table added, changed or removed since they were last compiled. */
  private readonly dirty = new Set<Rule>();
  /** Physical rules placed, by member: what quotas count. */
  private readonly installedOn = new Map<SwitchNode, number>();
  /** The tenant's groups as installed, by its group id; and those added, changed or deleted since. */
  private readonly groups = new Map<number, InstalledGroup>();
  private readonly dirtyGroups = new Set<number>();
  /** The tenant's meters as installed, by its meter id; and those added, changed or deleted since. */
  private readonly meters = new Map<number, InstalledMeter>();
  private readonly dirtyMeters = new Set<number>();
  /** The regions of its own traffic it may program and send (virtual addresses). */
  readonly write: readonly Match[];
  /** Other tenants' traffic it reads: PACKET_IN copies, as FlowVisor gives READ slices. */
  private readonly reads: readonly FlowspaceEntry[];
  /** FlowVisor's per-slice, per-switch buckets (the research notes' R15), both directions. */
  private readonly messages: TokenBucket | undefined;
  private readonly packetIns: TokenBucket | undefined;

  constructor(
    private readonly platform: Platform,
    readonly tenant: TenantState,
    name: string,
    index: number,
    readonly ports: readonly VirtualPortSpec[],
    members: readonly Member[],
  ) {
    this.name = `${tenant.name}/${name}`;
    this.datapathId = virtualDatapathId(tenant.id, index);
    // A tenant without addresses writes nothing (it has no write regions), so its space is never used for a rewrite.
    this.space = { id: tenant.id, prefix: ipv4ToNumber(tenant.prefix ?? '0.0.0.0'), length: tenant.prefixLength ?? 32 };
    // Its entries that hold here: those for every switch, and those that name this one.
    const flowspace = tenant.flowspace?.filter((e) => e.switches === undefined || e.switches.includes(name));
    this.write = flowspace === undefined ? WHOLE_FLOWSPACE : flowspace.filter((e) => e.permission === 'write').map((e) => e.match);
    this.reads = (flowspace ?? []).filter((e) => e.permission === 'read');
    if (tenant.messageRate !== undefined) this.messages = new TokenBucket(tenant.messageRate.rate, tenant.messageRate.burst);
    if (tenant.packetInRate !== undefined) this.packetIns = new TokenBucket(tenant.packetInRate.rate, tenant.packetInRate.burst);
    this.members = members;
    // The tenant's rules as it wrote them; the physical switches time them out.
    this.bridge = new Bridge(this.name, ports.map((p, i) => ({ number: i + 1, name: p.name })), { enforceTimeouts: false, local: false });
    this.bridge.pipeline.watch = (rule) => this.dirty.add(rule);
    this.bridge.pipeline.watchGroups = (id) => this.dirtyGroups.add(id);
    this.bridge.pipeline.meters.watch = (id) => this.dirtyMeters.add(id);
  }

  /** GROUP_FEATURES' max_groups: its quota, else every id it may use. */
  get maxGroups(): number {
    return this.tenant.maxGroups ?? MAX_TENANT_GROUP + 1;
  }

  /** METER_FEATURES' max_meter: its quota, else as many as a physical switch holds. */
  get maxMeters(): number {
    return this.tenant.maxMeters ?? MAX_METERS;
  }

  get net(): SwitchNode['net'] {
    return this.members[0]!.physical.net;
  }

  member(sw: SwitchNode): Member | undefined {
    return this.members.find((m) => m.physical === sw);
  }

  virtualPort(sw: SwitchNode, physical: number): number | undefined {
    return this.member(sw)?.toVirtual.get(physical);
  }

  admit(): OfpErrorCode | undefined {
    if (this.messages === undefined || this.messages.take(this.net.scheduler.now)) return undefined;
    this.tenant.counters.rateLimited++;
    return { type: OFPET.BAD_REQUEST, code: OFPBRC.EPERM };
  }

  refused(ofp: OfpErrorCode): void {
    const name = ofpErrorName(ofp);
    this.tenant.counters.refused.set(name, (this.tenant.counters.refused.get(name) ?? 0) + 1);
  }

  listen(listener: SwitchEvents | undefined): void {
    this.listener = listener;
  }

  noteInstalled(): void {
    // Traces show the rules where they run: on the physical switch.
  }

  modPort(): SwitchPortInfo | undefined {
    // A tenant's port is the platform's to configure.
    return undefined;
  }

  portInfo(): SwitchPortInfo[] {
    return this.ports.map((p, i) => ({ ...p.switch.portInfo().find((q) => q.number === p.physical)!, number: i + 1, name: p.name }));
  }

  /**
   * The tenant's rules' or groups' counters, from the physical switches (OpenVirteX's statistics,
   * fetched when asked): each rule counts the packets and bytes of all its expansions on every
   * member, each group (and bucket) those of its copies.
   */
  async refreshCounters(kind: 'flow' | 'group' | 'meter'): Promise<void> {
    if (kind === 'flow') {
      await Promise.all([this, ...this.readFrom()].map((v) => v.fetchFlowCounters()));
      return;
    }
    if (kind === 'meter') {
      await this.fetchMeterCounters();
      return;
    }
    const counted = new Set<Group>();
    for (const body of await this.ask({ kind: 'group', groupId: OFPG_ALL })) {
      if (body.kind !== 'group') continue;
      for (const stats of body.groups) {
        const { tenant, group: id } = tenantGroupOf(stats.groupId);
        const group = this.groups.get(id)?.group;
        if (tenant !== this.tenant.id || group === undefined || group !== this.bridge.pipeline.group(id)) continue;
        if (!counted.has(group)) {
          counted.add(group);
          group.packets = group.bytes = 0;
          for (const b of group.buckets) b.packets = b.bytes = 0;
        }
        group.packets += Number(stats.packetCount);
        group.bytes += Number(stats.byteCount);
        stats.buckets.forEach((b, i) => {
          const bucket = group.buckets[i];
          if (bucket === undefined) return;
          bucket.packets += Number(b.packetCount);
          bucket.bytes += Number(b.byteCount);
        });
      }
    }
  }

  /** Its meters' counters, and their bands', summed over their copies on the members. */
  private async fetchMeterCounters(): Promise<void> {
    const counted = new Set<Meter>();
    for (const body of await this.ask({ kind: 'meter', meterId: OFPM_ALL })) {
      if (body.kind !== 'meter') continue;
      for (const stats of body.meters) {
        const meter = stats.meterId >>> 24 === this.tenant.id ? this.meters.get(stats.meterId & MAX_TENANT_METER)?.meter : undefined;
        if (meter === undefined || meter !== this.bridge.pipeline.meters.get(meter.id)) continue;
        if (!counted.has(meter)) {
          counted.add(meter);
          meter.packets = meter.bytes = 0;
          for (const b of meter.bands) b.packets = b.bytes = 0;
        }
        meter.packets += Number(stats.packetInCount);
        meter.bytes += Number(stats.byteInCount);
        stats.bands.forEach((b, i) => {
          const band = meter.bands[i];
          if (band === undefined) return;
          band.packets += Number(b.packetBandCount);
          band.bytes += Number(b.byteBandCount);
        });
      }
    }
  }

  /** Its rules' counters, from the physical switches. */
  private async fetchFlowCounters(): Promise<void> {
    const totals = new Map<bigint, { packets: bigint; bytes: bigint }>();
    for (const body of await this.ask({ kind: 'flow', tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: BigInt(this.tenant.id) << 56n, cookieMask: 0xffn << 56n, match: [] })) {
      if (body.kind !== 'flow') continue;
      for (const f of body.flows) {
        const t = totals.get(f.cookie) ?? { packets: 0n, bytes: 0n };
        t.packets += f.packetCount;
        t.bytes += f.byteCount;
        totals.set(f.cookie, t);
      }
    }
    for (const [rule, c] of this.compiled) {
      const t = totals.get(c.cookie);
      if (t === undefined) continue;
      rule.packets = Number(t.packets);
      rule.bytes = Number(t.bytes);
    }
  }

  /**
   * A READ slice's view of the flows of the tenants it reads (FlowVisor #244: all entries in its
   * flowspace): their rules that can match traffic in its read regions, as they wrote them (their
   * tables, addresses and cookies) with their counters, on its own ports (a rule for a port it does
   * not have is not in its view), and without their actions: how another tenant forwards is not
   * the reader's to see.
   */
  readRules(): Rule[] {
    const out: Rule[] = [];
    for (const owner of this.readFrom()) {
      for (const r of owner.bridge.pipeline.allRules()) {
        if (!this.reads.some((e) => e.of === owner.tenant.name && e.match.intersect(r.match) !== undefined)) continue;
        const match = new Match();
        match.values.set(r.match.values);
        match.masks.set(r.match.masks);
        if (r.match.masks[W.IN_PORT] !== 0) {
          const port = owner.ports[r.match.values[W.IN_PORT]! - 1];
          const mine = port === undefined ? undefined : this.virtualPort(port.switch, port.physical);
          if (mine === undefined) continue;
          match.set(W.IN_PORT, mine, 0xffffffff);
        }
        // Nor its meter: the rule as a match, a place and counters.
        const { table, priority, cookie, idleTimeout, hardTimeout, packets, bytes, created, modified, lastUsed } = r;
        out.push({ table, priority, cookie, idleTimeout, hardTimeout, match, matchText: formatMatch(match), actions: [], actionsText: 'drop', packets, bytes, created, modified, lastUsed });
      }
    }
    return out;
  }

  /** The virtual switches of the tenants it reads that share a physical switch with it. */
  private readFrom(): VirtualSwitch[] {
    const owners = new Set(this.reads.map((e) => e.of));
    return this.platform.virtualSwitches.filter((o) => o !== this && owners.has(o.tenant.name) && this.members.some((m) => o.member(m.physical) !== undefined));
  }

  /** A statistics request to every connected member; the reply bodies of all (a member that fails answers nothing). */
  private async ask(body: MultipartRequestBody): Promise<MultipartReplyBody[]> {
    const replies = await Promise.all(this.members.map((m) => this.platform.datapathOf(m.physical)?.multipart(body).catch(() => []) ?? []));
    return replies.flat();
  }

  /**
   * A member (re)connected with an empty table: everything of this tenant goes on it again. A rule
   * it has no room for now (an idle timeout took its copy there, and the tenant filled its quota
   * since) leaves the tenant's table, counted, and its controller hears of it as of a deleted flow;
   * the other rules, and the other tenants, are not held up by it.
   */
  reinstall(sw: SwitchNode): void {
    this.memberCleared(sw);
    this.flowsChanged((rule, e) => {
      this.refused(e.ofp);
      this.listener?.flowRemoved(rule, 'delete');
    });
  }

  /** Nothing of this tenant is installed on a member any more; every rule and group is to install again. */
  private memberCleared(sw: SwitchNode): void {
    for (const [rule, c] of this.compiled) {
      this.count(sw, -(c.installed.get(sw)?.length ?? 0));
      c.installed.delete(sw);
      this.dirty.add(rule);
    }
    for (const [id, g] of this.groups) {
      g.on.delete(sw);
      this.dirtyGroups.add(id);
    }
    for (const [id, m] of this.meters) {
      m.on.delete(sw);
      this.dirtyMeters.add(id);
    }
  }

  /**
   * The tenant's table changed (or a member connected): compile what changed onto every connected
   * member, withdraw what is gone. Groups are installed before the rules that may use them, and
   * deleted after the rules that used them are withdrawn. A rule refused throws (the FLOW_MOD's
   * answer), or is handed to `onRefused` and the rest go on.
   */
  flowsChanged(onRefused?: (rule: Rule, e: OpenFlowError) => void): void {
    const meters = [...this.dirtyMeters];
    const groups = [...this.dirtyGroups];
    this.dirtyMeters.clear();
    this.dirtyGroups.clear();
    const presentMeters = meters.filter((id) => this.bridge.pipeline.meters.get(id) !== undefined);
    const present = groups.filter((id) => this.bridge.pipeline.group(id) !== undefined);
    const ordered = this.chainOrder(present);
    /** On a refusal: what is not done yet stays to do (`from` on), and so do the withdrawals, which come last. */
    const later = (from: { meters: number; groups: number; rules: number }, changed: readonly Rule[] = []) => {
      for (const id of presentMeters.slice(from.meters)) this.dirtyMeters.add(id);
      for (const id of meters) if (!presentMeters.includes(id)) this.dirtyMeters.add(id);
      for (const id of ordered.slice(from.groups)) this.dirtyGroups.add(id);
      for (const id of groups) if (!present.includes(id)) this.dirtyGroups.add(id);
      for (const r of changed.slice(from.rules)) this.dirty.add(r);
    };
    // Meters and groups go on before the rules that may use them.
    for (const [i, id] of presentMeters.entries()) {
      try {
        this.installMeter(id);
      } catch (e) {
        later({ meters: i + 1, groups: 0, rules: 0 });
        throw e;
      }
    }
    for (const [i, id] of ordered.entries()) {
      try {
        this.installGroup(id);
      } catch (e) {
        later({ meters: presentMeters.length, groups: i + 1, rules: 0 });
        throw e;
      }
    }
    const changed = [...this.dirty];
    this.dirty.clear();
    for (const [i, rule] of changed.entries()) {
      try {
        this.recompile(rule);
      } catch (e) {
        if (onRefused !== undefined && e instanceof OpenFlowError) {
          onRefused(rule, e);
          continue;
        }
        // The refused rule is answered; the rest are still to do.
        later({ meters: presentMeters.length, groups: ordered.length, rules: i + 1 }, changed);
        throw e;
      }
    }
    // And go after the rules that used them.
    for (const id of groups) if (!present.includes(id)) this.withdrawGroup(id);
    for (const id of meters) if (!presentMeters.includes(id)) this.withdrawMeter(id);
  }

  /** A meter of the tenant's table, new or changed, onto every connected member as the tenant's own physical meter; refused (and undone in its table) when the platform will not run it. */
  private installMeter(id: number): void {
    const table = this.bridge.pipeline.meters;
    const meter = table.get(id)!;
    const old = this.meters.get(id);
    const connected = (m: Member) => this.platform.datapathOf(m.physical) !== undefined;
    if (old?.meter === meter && this.members.every((m) => !connected(m) || old.on.has(m.physical))) return;
    try {
      if (this.write.length === 0) throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `tenant ${this.tenant.name} is read-only: it writes no meters`, 'meter_mod', 0, { type: OFPET.BAD_REQUEST, code: OFPBRC.EPERM });
      if (id > MAX_TENANT_METER) throw meterRefusal(`meter ${id}: a tenant's meter ids go up to ${MAX_TENANT_METER} (no slowpath or controller meter)`, OFPMMFC.INVALID_METER);
      if (old === undefined && table.all().length > this.maxMeters) throw meterRefusal(`tenant ${this.tenant.name} has its ${this.maxMeters} meters on ${this.name}`, OFPMMFC.OUT_OF_METERS);
      // A dscp_remark band rewrites DSCP where no action list is checked: only where no write region of the tenant matches DSCP can it not take a packet out of its flowspace.
      if (meter.bands.some((b) => b.type === 'dscp_remark') && this.write.some((region) => (region.masks[W.NW_TOS]! & 0xfc) !== 0)) {
        throw meterRefusal(`meter ${id}: a dscp_remark band could move packets out of a flowspace region that matches DSCP`, OFPMMFC.BAD_BAND);
      }
    } catch (e) {
      // Its table keeps what the platform runs: the meter as it was, or none.
      if (old === undefined) table.delete(id);
      else table.modify(old.meter, this.net.scheduler.now);
      this.dirtyMeters.delete(id);
      throw e;
    }
    const on = new Set<SwitchNode>();
    for (const m of this.members) {
      const dp = this.platform.datapathOf(m.physical);
      if (dp === undefined) continue;
      const command = old?.on.has(m.physical) === true ? OFPMC.MODIFY : OFPMC.ADD;
      dp.send({ type: 'meter_mod', xid: 0, command, flags: meter.flags, meterId: physicalMeterId(this.tenant.id, id), bands: bandsToOfp(meter.bands) });
      on.add(m.physical);
    }
    this.meters.set(id, { meter, on });
  }

  /** A meter gone from the tenant's table: its copies go from every member. */
  private withdrawMeter(id: number): void {
    const old = this.meters.get(id);
    if (old === undefined) return;
    for (const sw of old.on) this.platform.datapathOf(sw)?.send({ type: 'meter_mod', xid: 0, command: OFPMC.DELETE, flags: 0, meterId: physicalMeterId(this.tenant.id, id), bands: [] });
    this.meters.delete(id);
  }

  /** Groups in an order that puts each after the groups its buckets send to (a physical switch refuses a group that chains to one it lacks). */
  private chainOrder(ids: readonly number[]): number[] {
    const wanted = new Set(ids);
    const out: number[] = [];
    const visit = (id: number) => {
      if (!wanted.delete(id)) return;
      for (const b of this.bridge.pipeline.group(id)!.buckets) usesGroup(b.actions, (g) => (visit(g), false));
      out.push(id);
    };
    for (const id of ids) visit(id);
    return out;
  }

  /** A group of the tenant's table, new or changed, onto every connected member; refused (and undone in its table) when the platform will not run it. */
  private installGroup(id: number): void {
    const group = this.bridge.pipeline.group(id)!;
    const old = this.groups.get(id);
    const connected = (m: Member) => this.platform.datapathOf(m.physical) !== undefined;
    if (old?.group === group && this.members.every((m) => !connected(m) || old.on.has(m.physical))) return;
    let physical: Group[][];
    try {
      if (this.write.length === 0) throw groupRefusal(`tenant ${this.tenant.name} is read-only: it writes no groups`, OFPGMFC.EPERM);
      if (old === undefined && this.bridge.pipeline.allGroups().length > this.maxGroups) throw groupRefusal(`tenant ${this.tenant.name} has its ${this.maxGroups} groups on ${this.name}`, OFPGMFC.OUT_OF_GROUPS);
      // Checked for every member, connected or not: what it accepts now it can install on any of them later.
      physical = this.members.map((m) => compileGroup(this.space, m.portMap, group, this.write));
    } catch (e) {
      // Its table keeps what the platform runs: the group as it was, or none.
      if (old === undefined) this.bridge.pipeline.deleteGroups(id);
      else this.bridge.pipeline.modifyGroup(old.group);
      this.dirtyGroups.delete(id);
      throw e;
    }
    const on = new Set<SwitchNode>();
    this.members.forEach((m, i) => {
      if (!connected(m)) return;
      const command = old?.on.has(m.physical) === true ? OFPGC.MODIFY : OFPGC.ADD;
      for (const g of physical[i]!) sendGroup(this.platform.datapathOf(m.physical)!, command, g);
      on.add(m.physical);
    });
    this.groups.set(id, { group, on });
  }

  /** A group gone from the tenant's table: its copies go from every member. */
  private withdrawGroup(id: number): void {
    const old = this.groups.get(id);
    if (old === undefined) return;
    for (const sw of old.on) {
      const dp = this.platform.datapathOf(sw);
      for (const protocol of ['ip', 'arp'] as const) dp?.send({ type: 'group_mod', xid: 0, command: OFPGC.DELETE, groupType: 0, groupId: physicalGroupId(this.tenant.id, id, protocol), buckets: [] });
    }
    this.groups.delete(id);
  }

  private recompile(rule: Rule): void {
    const old = this.compiled.get(rule);
    if (!this.bridge.pipeline.holds(rule)) {
      if (old === undefined) return;
      this.withdraw(old);
      this.compiled.delete(rule);
      this.byCookie.delete(old.cookie);
      return;
    }
    const current = old !== undefined && old.actionsText === rule.actionsText;
    // A fresh cookie even for a rule compiled again: the FLOW_REMOVED its old rules cause must not find it.
    const c: Compiled = current ? old : { cookie: (BigInt(this.tenant.id) << 56n) | this.tenant.nextRule++, actionsText: rule.actionsText, installed: new Map() };
    const pending = new Map<SwitchNode, Rule[]>();
    for (const m of this.members) {
      if (c.installed.has(m.physical)) continue;
      try {
        pending.set(m.physical, this.expand(m, rule, c.cookie, current ? 0 : (old?.installed.get(m.physical)?.length ?? 0)));
      } catch (e) {
        this.unrun(rule, old);
        throw e;
      }
    }
    if (!current && old !== undefined) {
      // What the new expansions replace in place (same table, priority and match) the switch drops as it adds them.
      for (const [sw, rules] of old.installed) {
        const again = pending.get(sw) ?? [];
        old.installed.set(sw, rules.filter((r) => !again.some((n) => n.table === r.table && n.priority === r.priority && n.match.equals(r.match))));
        this.count(sw, -(rules.length - old.installed.get(sw)!.length));
      }
      this.withdraw(old);
      this.byCookie.delete(old.cookie);
    }
    for (const [sw, rules] of pending) {
      const dp = this.platform.datapathOf(sw);
      if (dp !== undefined) {
        for (const p of rules) {
          dp.flowMod({
            tableId: p.table, priority: p.priority, cookie: c.cookie, idleTimeout: p.idleTimeout, hardTimeout: p.hardTimeout, flags: 1,
            match: matchToOxm(p.match), instructions: actionsToInstructions(p.actions, p.match, p.meter),
          });
        }
      }
      c.installed.set(sw, rules);
      this.count(sw, rules.length);
    }
    this.compiled.set(rule, c);
    this.byCookie.set(c.cookie, rule);
  }

  /** A rule as it runs on one member, within the tenant's quota there (`replacing`: physical rules it takes the place of). */
  private expand(m: Member, rule: Rule, cookie: bigint, replacing: number): Rule[] {
    const rules = compileRule(this.space, m.portMap, rule, cookie, this.write);
    const quota = this.tenant.maxFlows;
    // Counted on the physical table, as the research notes' R11: what this tenant has installed on this switch.
    if (quota !== undefined && this.platform.physicalRules(this.tenant, m.physical) - replacing + rules.length > quota) {
      throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `tenant ${this.tenant.name} has its ${quota} flows on ${m.physical.name}`, 'flow_mod', 0, { type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL });
    }
    return rules;
  }

  /** A rule the platform will not run: the tenant's table must not keep it (nor its earlier form). */
  private unrun(rule: Rule, old: Compiled | undefined): void {
    this.bridge.pipeline.delete([rule]);
    if (old !== undefined) {
      this.withdraw(old);
      this.byCookie.delete(old.cookie);
    }
    this.compiled.delete(rule);
  }

  /** The platform's table-0 flows that carry this big switch's packets through a member (none for a one-to-one virtual switch). */
  coreFlows(m: Member): string[] {
    return bigSwitchFlows(this.space, m.core, m.tunnels, this.tenant.queued === true ? this.tenant.id : undefined);
  }

  /**
   * The links between the platform's switches changed (one went down or came back up): each
   * member's tunnels take a shortest path over the links up (OpenVirteX's path recovery), and
   * where one changed, the member's transit flows and the tenant's rules and groups that send into
   * it are changed in place (MODIFY: counters kept). A port no path reaches any more keeps its old
   * way, and its packets stop where that way is broken.
   */
  reroute(links: readonly SwitchLink[]): void {
    const switches = this.members.map((m) => m.physical);
    const inside = links.filter((l) => switches.includes(l.a.switch) && switches.includes(l.b.switch));
    for (const m of this.members) {
      const next = nextHops(m.physical, inside);
      let changed = false;
      for (const t of m.remote) {
        const via = next.get(t.to);
        if (via === undefined || via === t.via) continue;
        t.via = via;
        changed = true;
      }
      // A member not connected gets everything, on the new ways, when it connects.
      const dp = this.platform.datapathOf(m.physical);
      if (changed && dp !== undefined) this.rerouted(m, dp);
    }
  }

  private rerouted(m: Member, dp: Datapath): void {
    // Same matches, new outputs: an ADD replaces each transit flow in place.
    for (const flow of this.coreFlows(m)) dp.addFlow(flow);
    for (const [rule, c] of this.compiled) {
      if (!c.installed.has(m.physical)) continue;
      const rules = compileRule(this.space, m.portMap, rule, c.cookie, this.write);
      for (const p of rules) dp.flowMod({ command: 'modify_strict', tableId: p.table, priority: p.priority, match: matchToOxm(p.match), instructions: actionsToInstructions(p.actions, p.match, p.meter) });
      c.installed.set(m.physical, rules);
    }
    for (const g of this.groups.values()) {
      if (g.on.has(m.physical)) for (const physical of compileGroup(this.space, m.portMap, g.group, this.write)) sendGroup(dp, OFPGC.MODIFY, physical);
    }
  }

  /** Physical rules this virtual switch has placed on a switch (all switches when none is named). */
  installed(sw?: SwitchNode): number {
    if (sw !== undefined) return this.installedOn.get(sw) ?? 0;
    let n = 0;
    for (const k of this.installedOn.values()) n += k;
    return n;
  }

  private count(sw: SwitchNode, delta: number): void {
    this.installedOn.set(sw, (this.installedOn.get(sw) ?? 0) + delta);
  }

  private withdraw(c: Compiled, only?: SwitchNode): void {
    for (const [sw, rules] of c.installed) {
      if (only !== undefined && sw !== only) continue;
      const dp = this.platform.datapathOf(sw);
      for (const p of rules) dp?.flowMod({ command: 'delete_strict', tableId: p.table, priority: p.priority, cookie: c.cookie, cookieMask: ALL_ONES, match: matchToOxm(p.match) });
      c.installed.delete(sw);
      this.count(sw, -rules.length);
    }
  }

  /**
   * A physical rule of this tenant timed out or was deleted on one member: its other expansions
   * there go with it. An idle timeout removes the tenant's rule once it is idle on every member;
   * anything else removes it everywhere at once.
   */
  removed(sw: SwitchNode, cookie: bigint, reason: number): void {
    const rule = this.byCookie.get(cookie);
    if (rule === undefined) return;
    const c = this.compiled.get(rule)!;
    this.withdraw(c, sw);
    if (REMOVED[reason] === 'idle_timeout' && [...c.installed.keys()].some((m) => this.platform.datapathOf(m) !== undefined)) return;
    this.withdraw(c);
    this.compiled.delete(rule);
    this.byCookie.delete(cookie);
    this.bridge.pipeline.delete([rule]);
    this.listener?.flowRemoved(rule, REMOVED[reason] ?? 'delete');
  }

  /** A tenant's PACKET_OUT: a real frame, in the tenant's space, out of its own ports (from the member its in_port is on). */
  packetOut(inPort: number, actions: readonly Action[], bytes: Uint8Array): void {
    const bad = (code: number, why: string): never => {
      throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', why, 'packet_out', 0, { type: OFPET.BAD_REQUEST, code });
    };
    if (bytes.length < 14) bad(OFPBRC.BAD_PACKET, `a ${bytes.length}-byte frame is no Ethernet frame`);
    const words = new SwitchPacket(bytes, 0).words;
    if ((words[W.VLAN_TCI]! & VLAN_PRESENT) !== 0) bad(OFPBRC.EPERM, "VLAN tags are the platform's (its big switches carry packets in them)");
    let data: Uint8Array | undefined;
    let addresses: ReturnType<typeof frameAddresses>;
    if (isLldp(bytes)) {
      // Discovery is every tenant's, whatever its flowspace: its LLDP goes out naming it, and comes back to it alone.
      data = tagLldp(bytes, this.tenant.id);
      if (data === undefined) bad(OFPBRC.BAD_PACKET, "the LLDP frame's TLVs run past its end");
    } else {
      if (!this.write.some((region) => region.matches(words))) bad(OFPBRC.EPERM, "the frame lies outside the tenant's writable flowspace");
      const frame = new Match();
      frame.values.set(words);
      frame.masks.fill(0xffffffff);
      checkRewrites(frame, actions, this.write);
      addresses = frameAddresses(bytes);
      if (addresses !== undefined && !(inSpace(this.space, addresses.src) && inSpace(this.space, addresses.dst))) bad(OFPBRC.EPERM, "the frame's addresses are outside the tenant's space");
      data = addresses === undefined ? bytes : rewriteFrame(bytes, (a) => toPhysical(this.space, a));
      if (data === undefined) bad(OFPBRC.BAD_PACKET, 'the frame does not parse');
    }
    const from = inPort === OFPP_CONTROLLER ? this.ports[0] : this.ports[inPort - 1];
    if (from === undefined) bad(OFPBRC.BAD_PORT, `in_port ${inPort} is not a port of this virtual switch`);
    const m = this.member(from!.switch)!;
    // Its share of the links covers what its controller sends, too.
    const back = inPort === OFPP_CONTROLLER ? undefined : from!.physical;
    // Output to TABLE (OFPP_TABLE, a resubmit to table 0) runs the frame through the tenant's own tables: under its tag, from its table 0.
    const toTables: Action[] = [{ type: 'load', dst: { field: METADATA, start: 0, bits: 8 }, value: BigInt(this.tenant.id) }, { type: 'resubmit', port: undefined, table: 1 }];
    const translated = actions.flatMap((a) => (a.type === 'resubmit' && a.port === undefined && a.table === 0 ? toTables : physicalActions(this.space, m.portMap, [a], addresses?.protocol, false, back)));
    const out: Action[] = [...(this.tenant.queued === true ? [{ type: 'set_queue' as const, queue: this.tenant.id }] : []), ...translated];
    const dp = this.platform.datapathOf(m.physical);
    if (dp === undefined) return;
    // Encoded for the frame as it is (a set_field of udp_dst is OXM udp_dst only for a UDP packet).
    const physical = new Match();
    physical.values.set(new SwitchPacket(data!, 0).words);
    physical.masks.fill(0xffffffff);
    const [apply] = actionsToInstructions(out, physical);
    dp.packetOut(data!, apply?.type === 'apply_actions' ? apply.actions : [], inPort === OFPP_CONTROLLER ? OFPP.CONTROLLER : from!.physical);
  }

  /**
   * A PACKET_IN for the tenant's controller, if it has a port for it and room under its PACKET_IN
   * rate: on its virtual port, with the tenant's own metadata, table and cookie.
   */
  private deliver(sw: SwitchNode, physicalPort: number, data: Uint8Array, cause: { reason: 'no_match' | 'action'; table: number; cookie: bigint; totalLen: number; metadata: bigint }): void {
    const port = this.virtualPort(sw, physicalPort);
    if (port === undefined || this.listener === undefined) return;
    if (this.packetIns !== undefined && !this.packetIns.take(this.net.scheduler.now)) {
      this.tenant.counters.packetInsDropped++;
      return;
    }
    this.tenant.counters.packetIns++;
    const words = new Uint32Array(FLOW_WORDS);
    words[W.IN_PORT] = port;
    words[W.METADATA] = Number(cause.metadata >> 32n);
    words[W.METADATA + 1] = Number(cause.metadata & 0xffffffffn);
    this.listener.packetIn(data, { reason: cause.reason, table: cause.table, cookie: cause.cookie, totalLen: cause.totalLen, words });
  }

  /** A copy of another tenant's PACKET_IN, in that tenant's addresses, when one of this tenant's read entries covers it. */
  readCopy(sw: SwitchNode, ev: PacketInEvent, owner: VirtualSwitch): void {
    if (this.reads.length === 0) return;
    const data = rewriteFrame(ev.data, (a) => toVirtual(owner.space, a)) ?? ev.data;
    const words = new SwitchPacket(data, 0).words;
    if (!this.reads.some((e) => e.of === owner.tenant.name && e.match.matches(words))) return;
    this.deliver(sw, ev.inPort, data, { reason: ev.reason === 0 ? 'no_match' : 'action', table: 0, cookie: NO_COOKIE, totalLen: ev.totalLen, metadata: 0n });
  }

  /** The tenant's own LLDP, back from a link: as it sent it. */
  lldpIn(sw: SwitchNode, ev: PacketInEvent, frame: Uint8Array): void {
    this.deliver(sw, ev.inPort, frame, { reason: 'action', table: 0, cookie: NO_COOKIE, totalLen: frame.length, metadata: 0n });
  }

  /** A physical PACKET_IN for this tenant: its port, its addresses, its cookie and table. */
  packetIn(sw: SwitchNode, ev: PacketInEvent, metadata: bigint): void {
    const data = rewriteFrame(ev.data, (a) => toVirtual(this.space, a)) ?? ev.data;
    const rule = this.byCookie.get(ev.cookie);
    // The tenant's own table-miss flow (priority 0, matching all) is a miss to it, though the physical rule matches its tag.
    const miss = rule === undefined ? ev.reason === 0 : rule.priority === 0 && rule.match.masks.every((m) => m === 0);
    this.deliver(sw, ev.inPort, data, { reason: miss ? 'no_match' : 'action', table: Math.max(0, ev.tableId - 1), cookie: rule?.cookie ?? NO_COOKIE, totalLen: ev.totalLen, metadata: metadata >> 8n });
  }
}

function groupRefusal(message: string, code: number): OpenFlowError {
  return new OpenFlowError('NETLOOM_OF_BAD_VALUE', message, 'group_mod', 0, { type: OFPET.GROUP_MOD_FAILED, code });
}

function meterRefusal(message: string, code: number): OpenFlowError {
  return new OpenFlowError('NETLOOM_OF_BAD_VALUE', message, 'meter_mod', 0, { type: OFPET.METER_MOD_FAILED, code });
}

/** A GROUP_MOD of a physical group to a physical switch. */
function sendGroup(dp: Datapath, command: number, g: Group): void {
  dp.send({ type: 'group_mod', xid: 0, command, groupType: GROUP_TYPES.indexOf(g.type), groupId: g.id, buckets: bucketsToOfp(g.buckets) });
}

/** A port that carries traffic: it has carrier and is not set down. */
function portUp(p: OfPort): boolean {
  return (p.state & OFPPS.LINK_DOWN) === 0 && (p.config & OFPPC.PORT_DOWN) === 0;
}

const METADATA = fieldByName('metadata')!;

/** OVS's vlan_tci bit that says a tag is present. */
const VLAN_PRESENT = 0x1000;

/** VLAN ids for big switches' ports: 1-4094 (802.1Q), one per port over all tenants. */
const MAX_VID = 4094;

/** The platform: the physical switches' controller, and every tenant's virtual switches. */
export class Platform {
  readonly tenants: TenantState[];
  readonly virtualSwitches: VirtualSwitch[] = [];
  private readonly datapaths = new Map<SwitchNode, Datapath>();
  private readonly byDatapathId = new Map<bigint, SwitchNode>();
  private nextVid = 1;
  /** LLDP from a link that names no tenant with a port there: a host's, or forged. */
  unclaimedLldp = 0;
  private readonly links: readonly SwitchLink[];
  /** Ends of those links that are down (no carrier, or set down), as the switches' port states say. */
  private readonly downPorts = new Map<SwitchNode, Set<number>>();

  constructor(tenants: readonly PlatformTenant[], links: readonly SwitchLink[] = []) {
    this.links = links;
    this.tenants = tenants.map((t) => ({ ...t, nextRule: 1n, counters: { refused: new Map(), rateLimited: 0, packetIns: 0, packetInsDropped: 0 } }));
    for (const t of this.tenants) {
      t.switches.forEach((s, i) => {
        this.virtualSwitches.push(new VirtualSwitch(this, t, s.name, i + 1, s.ports, this.members(s.ports, links)));
        for (const p of s.ports) this.byDatapathId.set(p.switch.datapathId, p.switch);
      });
    }
  }

  /** A virtual switch's members; for a big switch, each port's VLAN and the shortest paths between members. */
  private members(ports: readonly VirtualPortSpec[], links: readonly SwitchLink[]): Member[] {
    const switches = [...new Set(ports.map((p) => p.switch))];
    const big = switches.length > 1;
    const vids = ports.map(() => (big ? this.nextVid++ : 0));
    if (this.nextVid > MAX_VID + 1) throw new Error(`big switches have ${this.nextVid - 1} ports over all tenants; the core's VLANs hold ${MAX_VID}`);
    const inside = links.filter((l) => switches.includes(l.a.switch) && switches.includes(l.b.switch));
    return switches.map((sw) => {
      const toPhysical = new Map<number, number>();
      const toVirtual = new Map<number, number>();
      const edges = new Set<number>();
      const vlans = new Map<number, number>();
      const remote = new Map<number, RemoteTunnel>();
      const tunnels: Member['tunnels'] = [];
      const next = big ? nextHops(sw, inside) : new Map<SwitchNode, number>();
      ports.forEach((p, i) => {
        if (p.switch === sw) {
          toPhysical.set(i + 1, p.physical);
          toVirtual.set(p.physical, i + 1);
          if (p.edge) edges.add(p.physical);
          if (p.vlan !== undefined) vlans.set(p.physical, p.vlan);
          if (big) tunnels.push({ vid: vids[i]!, port: p.physical, ...(p.vlan !== undefined && { tag: p.vlan }) });
        } else {
          const far = { vid: vids[i]!, via: next.get(p.switch)!, to: p.switch };
          remote.set(i + 1, far);
          tunnels.push(far);
        }
      });
      const core = inside.flatMap((l) => (l.a.switch === sw ? [l.a.physical] : l.b.switch === sw ? [l.b.physical] : []));
      return { physical: sw, portMap: { toPhysical, edges, ...(vlans.size > 0 && { vids: vlans }), ...(big && { remote }) }, toVirtual, tunnels, core, remote: [...remote.values()] };
    });
  }

  /** Physical rules a tenant has on a switch, over all its virtual switches there. */
  physicalRules(tenant: PlatformTenant, sw: SwitchNode): number {
    return this.virtualSwitches.reduce((n, v) => n + (v.tenant.id === tenant.id ? v.installed(sw) : 0), 0);
  }

  datapathOf(sw: SwitchNode): Datapath | undefined {
    return this.datapaths.get(sw);
  }

  /** The app the platform runs on the physical switches' controller. */
  readonly app: AppFactory = () => ({
    switchConnected: (dp) => this.connected(dp),
    switchDisconnected: (dp) => {
      const sw = this.byDatapathId.get(dp.id);
      if (sw !== undefined && this.datapaths.get(sw) === dp) this.datapaths.delete(sw);
    },
    packetIn: (dp, ev) => {
      const sw = this.byDatapathId.get(dp.id);
      if (sw !== undefined && isLldp(ev.data)) {
        const tagged = untagLldp(ev.data);
        const to = tagged === undefined ? undefined : this.switchOf(sw, tagged.tenant);
        if (to === undefined) this.unclaimedLldp++;
        else to.lldpIn(sw, { ...ev, inPort: portFromOfp(ev.inPort) ?? ev.inPort }, tagged!.frame);
        return;
      }
      const metadata = ev.match.find((o) => o.field === 'metadata');
      const tag = metadata !== undefined && metadata.field !== 'unknown' ? (metadata as { value: bigint }).value : 0n;
      const owner = sw === undefined ? undefined : this.switchOf(sw, Number(tag & 0xffn));
      if (owner === undefined) return;
      const physical = { ...ev, inPort: portFromOfp(ev.inPort) ?? ev.inPort };
      owner.packetIn(sw!, physical, tag);
      for (const reader of this.virtualSwitches) if (reader !== owner && reader.member(sw!) !== undefined) reader.readCopy(sw!, physical, owner);
    },
    flowRemoved: (dp, ev) => {
      const sw = this.byDatapathId.get(dp.id);
      if (sw !== undefined) this.switchOf(sw, Number(ev.cookie >> 56n))?.removed(sw, ev.cookie, ev.reason);
    },
    portStatus: (dp, ev) => this.portStatus(dp, ev),
  });

  private switchOf(sw: SwitchNode, tenant: number): VirtualSwitch | undefined {
    return this.virtualSwitches.find((v) => v.tenant.id === tenant && v.member(sw) !== undefined);
  }

  private connected(dp: Datapath): void {
    const sw = this.byDatapathId.get(dp.id);
    if (sw === undefined) return;
    // Its links as its ports are now (a reroute this causes reaches the other switches; this one is set up below on the ways it gives).
    for (const p of dp.ports.values()) {
      const physical = portFromOfp(p.portNo);
      if (physical !== undefined) this.linkEnd(sw, physical, portUp(p));
    }
    this.datapaths.set(sw, dp);
    // FLOW_REMOVED for timeouts only: its own deletes (this clearing above all, of a switch that kept
    // the tenants' rules while it was away) must not come back as the tenants' rules going.
    dp.send({ type: 'set_async', xid: 0, ...DEFAULT_ASYNC, flowRemovedMaster: (1 << OFPRR.IDLE_TIMEOUT) | (1 << OFPRR.HARD_TIMEOUT) });
    // What the switch held before is no tenant's: clear it, as controllers do on connecting.
    dp.deleteFlows();
    dp.send({ type: 'group_mod', xid: 0, command: OFPGC.DELETE, groupType: 0, groupId: OFPG_ALL, buckets: [] });
    dp.send({ type: 'meter_mod', xid: 0, command: OFPMC.DELETE, flags: 0, meterId: OFPM_ALL, bands: [] });
    const here = this.virtualSwitches.filter((v) => v.member(sw) !== undefined);
    // A read-only tenant's ports are another's: it classifies nothing.
    const writers = here.filter((v) => v.write.length > 0);
    const queue = (v: VirtualSwitch) => (v.tenant.queued === true ? { queue: v.tenant.id } : {});
    for (const flow of platformFlows(writers.map((v) => ({ space: v.space, edges: [...v.member(sw)!.portMap.edges], vids: v.member(sw)!.portMap.vids, write: v.write, ...queue(v) })))) dp.addFlow(flow);
    // LLDP from a link to another switch is the platform's to hand to the tenant it names; from a host it is dropped.
    for (const l of this.links) {
      for (const end of [l.a, l.b]) if (end.switch === sw) dp.addFlow(`table=0,priority=400,in_port=${end.physical},dl_type=0x${ETH_LLDP.toString(16)},actions=CONTROLLER:65535`);
    }
    for (const v of writers) for (const flow of v.coreFlows(v.member(sw)!)) dp.addFlow(flow);
    for (const v of here) v.reinstall(sw);
  }

  private portStatus(dp: Datapath, ev: MessageOf<'port_status'>): void {
    const sw = this.byDatapathId.get(dp.id);
    const physical = portFromOfp(ev.port.portNo);
    if (sw === undefined || physical === undefined) return;
    this.linkEnd(sw, physical, ev.reason !== OFPPR.DELETE && portUp(ev.port));
    if (ev.reason !== OFPPR.MODIFY) return;
    for (const v of this.virtualSwitches) {
      const port = v.virtualPort(sw, physical);
      if (port !== undefined) v.listener?.portStatus(v.portInfo()[port - 1]!);
    }
  }

  /** A port of a switch it runs is up or down: if it ends a link between its switches and that changes, big switches take other ways. */
  private linkEnd(sw: SwitchNode, physical: number, up: boolean): void {
    if (!this.links.some((l) => [l.a, l.b].some((e) => e.switch === sw && e.physical === physical))) return;
    const down = this.downPorts.get(sw) ?? new Set<number>();
    if (up !== down.has(physical)) return;
    if (up) down.delete(physical);
    else down.add(physical);
    this.downPorts.set(sw, down);
    const live = this.links.filter((l) => ![l.a, l.b].some((e) => this.downPorts.get(e.switch)?.has(e.physical) === true));
    for (const v of this.virtualSwitches) if (v.members.length > 1) v.reroute(live);
  }
}

/** From `from`, the port that starts a shortest path to each other switch over `links` (breadth first, links in order). */
function nextHops(from: SwitchNode, links: readonly SwitchLink[]): Map<SwitchNode, number> {
  const first = new Map<SwitchNode, number>();
  const queue: SwitchNode[] = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const l of links) {
      const [near, far] = l.a.switch === at ? [l.a, l.b] : l.b.switch === at ? [l.b, l.a] : [undefined, undefined];
      if (near === undefined || seen.has(far!.switch)) continue;
      seen.add(far!.switch);
      first.set(far!.switch, at === from ? near.physical : first.get(at)!);
      queue.push(far!.switch);
    }
  }
  return first;
}
