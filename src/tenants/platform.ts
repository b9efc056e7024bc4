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
 */
import type { SwitchEvents, SwitchNode, SwitchPortInfo } from '../switch/node.js';
import { Bridge } from '../switch/bridge.js';
import { SwitchPacket } from '../switch/packet.js';
import { Match, type Action, type Rule } from '../switch/flow.js';
import { FLOW_WORDS, W } from '../switch/fields.js';
import { OFPP_CONTROLLER } from '../switch/ofctl.js';
import type { OpenFlowDatapath } from '../openflow/agent.js';
import { actionsToInstructions, matchToOxm, portFromOfp } from '../openflow/flows.js';
import { OFPBRC, OFPET, OFPFMFC, OpenFlowError, ofpErrorName, type OfpErrorCode } from '../openflow/errors.js';
import { TokenBucket } from '../sim/token-bucket.js';
import { OFPP, OFPPR, type MessageOf } from '../openflow/messages.js';
import type { AppFactory, PacketInEvent } from '../controller/controller.js';
import type { Datapath } from '../controller/datapath.js';
import { ipv4ToNumber } from '../hosts/addressing.js';
import { WHOLE_FLOWSPACE, compileRule, frameAddresses, inSpace, physicalActions, platformFlows, rewriteFrame, toPhysical, toVirtual, virtualDatapathId, type PortMap, type TenantSpace } from './compile.js';

/** What the platform needs to know of a tenant. */
export interface PlatformTenant {
  name: string;
  id: number;
  /** Its IPv4 space; a read-only tenant (a monitoring slice) may have none. */
  prefix?: string;
  prefixLength?: number;
  /** Its flowspace (default: all of its hosts' traffic, writable). `read` entries name the tenant whose traffic they read. */
  flowspace?: FlowspaceEntry[];
  switches: { name: string; physical: SwitchNode; ports: { name: string; physical: number; edge: boolean }[] }[];
  /** The most physical rules the tenant may have on one switch (FLOW_MOD_FAILED/TABLE_FULL past it). */
  maxFlows?: number;
  /** Messages a second its controller may send each virtual switch (HELLO and ECHO exempt); past it, BAD_REQUEST/EPERM. */
  messageRate?: Rate;
  /** PACKET_INs a second each virtual switch sends its controller; past it they are dropped. */
  packetInRate?: Rate;
}

/** A region of header space (in the addresses of the tenant it concerns) and what a tenant may do there. */
export interface FlowspaceEntry {
  match: Match;
  permission: 'read' | 'write';
  /** The tenant whose traffic a `read` entry reads. */
  of?: string;
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

interface Compiled {
  cookie: bigint;
  actionsText: string;
  expansions: Rule[];
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
  readonly portMap: PortMap;
  /** Physical port -> virtual port. */
  private readonly toVirtualPort = new Map<number, number>();
  private readonly compiled = new Map<Rule, Compiled>();
  readonly byCookie = new Map<bigint, Rule>();
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
    readonly physical: SwitchNode,
    name: string,
    index: number,
    ports: readonly { name: string; physical: number; edge: boolean }[],
  ) {
    this.name = `${tenant.name}/${name}`;
    this.datapathId = virtualDatapathId(tenant.id, index);
    // A tenant without addresses writes nothing (it has no write regions), so its space is never used for a rewrite.
    this.space = { id: tenant.id, prefix: ipv4ToNumber(tenant.prefix ?? '0.0.0.0'), length: tenant.prefixLength ?? 32 };
    const flowspace = tenant.flowspace;
    this.write = flowspace === undefined ? WHOLE_FLOWSPACE : flowspace.filter((e) => e.permission === 'write').map((e) => e.match);
    this.reads = (flowspace ?? []).filter((e) => e.permission === 'read');
    if (tenant.messageRate !== undefined) this.messages = new TokenBucket(tenant.messageRate.rate, tenant.messageRate.burst);
    if (tenant.packetInRate !== undefined) this.packetIns = new TokenBucket(tenant.packetInRate.rate, tenant.packetInRate.burst);
    const toPhysicalPort = new Map<number, number>();
    const edges = new Set<number>();
    ports.forEach((p, i) => {
      toPhysicalPort.set(i + 1, p.physical);
      this.toVirtualPort.set(p.physical, i + 1);
      if (p.edge) edges.add(p.physical);
    });
    this.portMap = { toPhysical: toPhysicalPort, edges };
    // The tenant's rules as it wrote them; the physical switch times them out.
    this.bridge = new Bridge(this.name, ports.map((p, i) => ({ number: i + 1, name: p.name })), { enforceTimeouts: false });
  }

  get net(): SwitchNode['net'] {
    return this.physical.net;
  }

  virtualPort(physical: number): number | undefined {
    return this.toVirtualPort.get(physical);
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
    const physical = new Map(this.physical.portInfo().map((p) => [p.number, p]));
    return [...this.portMap.toPhysical].map(([v, p]) => ({ ...physical.get(p)!, number: v, name: this.bridge.ports[v - 1]!.name }));
  }

  /** The tenant's table changed (or the physical switch connected): compile what is new or changed, delete what is gone. */
  flowsChanged(): void {
    const dp = this.platform.datapathOf(this.physical);
    if (dp === undefined) return;
    const live = new Set(this.bridge.pipeline.allRules());
    for (const [rule, c] of this.compiled) {
      if (live.has(rule)) continue;
      this.withdraw(dp, c);
      this.compiled.delete(rule);
      this.byCookie.delete(c.cookie);
    }
    for (const rule of live) {
      const old = this.compiled.get(rule);
      if (old !== undefined && old.actionsText === rule.actionsText) continue;
      // A fresh cookie even for a rule compiled again: the FLOW_REMOVED its old rules cause must not find it.
      const cookie = (BigInt(this.tenant.id) << 56n) | this.tenant.nextRule++;
      let expansions: Rule[];
      try {
        expansions = compileRule(this.space, this.portMap, rule, cookie, this.write);
      } catch (e) {
        this.unrun(dp, rule, old);
        throw e;
      }
      const quota = this.tenant.maxFlows;
      // Counted on the physical table, as the research notes' R11: what this tenant has installed on this switch.
      if (quota !== undefined && this.platform.physicalRules(this.tenant, this.physical) - (old?.expansions.length ?? 0) + expansions.length > quota) {
        this.unrun(dp, rule, old);
        throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', `tenant ${this.tenant.name} has its ${quota} flows on ${this.physical.name}`, 'flow_mod', 0, { type: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL });
      }
      if (old !== undefined) {
        this.withdraw(dp, old);
        this.byCookie.delete(old.cookie);
      }
      for (const p of expansions) {
        dp.flowMod({
          tableId: p.table, priority: p.priority, cookie, idleTimeout: p.idleTimeout, hardTimeout: p.hardTimeout, flags: 1,
          match: matchToOxm(p.match), instructions: actionsToInstructions(p.actions, p.match),
        });
      }
      this.compiled.set(rule, { cookie, actionsText: rule.actionsText, expansions });
      this.byCookie.set(cookie, rule);
    }
  }

  /** A rule the platform will not run: the tenant's table must not keep it (nor its earlier form). */
  private unrun(dp: Datapath, rule: Rule, old: Compiled | undefined): void {
    this.bridge.pipeline.delete([rule]);
    if (old !== undefined) {
      this.withdraw(dp, old);
      this.byCookie.delete(old.cookie);
    }
    this.compiled.delete(rule);
  }

  /** Physical rules this virtual switch has installed. */
  get installed(): number {
    let n = 0;
    for (const c of this.compiled.values()) n += c.expansions.length;
    return n;
  }

  private withdraw(dp: Datapath, c: Compiled): void {
    for (const p of c.expansions) dp.flowMod({ command: 'delete_strict', tableId: p.table, priority: p.priority, cookie: c.cookie, cookieMask: ALL_ONES, match: matchToOxm(p.match) });
  }

  /** A physical rule of this tenant timed out or was deleted: so is the tenant's. */
  removed(cookie: bigint, reason: number): void {
    const rule = this.byCookie.get(cookie);
    if (rule === undefined) return;
    const c = this.compiled.get(rule)!;
    const dp = this.platform.datapathOf(this.physical);
    // Its other expansions go with it.
    if (dp !== undefined && c.expansions.length > 1) this.withdraw(dp, c);
    this.compiled.delete(rule);
    this.byCookie.delete(cookie);
    this.bridge.pipeline.delete([rule]);
    this.listener?.flowRemoved(rule, REMOVED[reason] ?? 'delete');
  }

  /** A tenant's PACKET_OUT: a real frame, in the tenant's space, out of its own ports. */
  packetOut(inPort: number, actions: readonly Action[], bytes: Uint8Array): void {
    const dp = this.platform.datapathOf(this.physical);
    const bad = (code: number, why: string): never => {
      throw new OpenFlowError('NETLOOM_OF_BAD_VALUE', why, 'packet_out', 0, { type: OFPET.BAD_REQUEST, code });
    };
    if (bytes.length < 14) bad(OFPBRC.BAD_PACKET, `a ${bytes.length}-byte frame is no Ethernet frame`);
    const words = new SwitchPacket(bytes, 0).words;
    if (!this.write.some((region) => region.matches(words))) bad(OFPBRC.EPERM, "the frame lies outside the tenant's writable flowspace");
    const addresses = frameAddresses(bytes);
    if (addresses !== undefined && !(inSpace(this.space, addresses.src) && inSpace(this.space, addresses.dst))) bad(OFPBRC.EPERM, "the frame's addresses are outside the tenant's space");
    const data = addresses === undefined ? bytes : rewriteFrame(bytes, (a) => toPhysical(this.space, a));
    if (data === undefined) bad(OFPBRC.BAD_PACKET, 'the frame does not parse');
    const physicalIn = inPort === OFPP_CONTROLLER ? OFPP.CONTROLLER : this.portMap.toPhysical.get(inPort);
    if (physicalIn === undefined) bad(OFPBRC.BAD_PORT, `in_port ${inPort} is not a port of this virtual switch`);
    const out = physicalActions(this.space, this.portMap, actions, addresses?.protocol, false);
    if (dp === undefined) return;
    const match = new Match();
    if (addresses !== undefined) match.set(W.DL_TYPE, addresses.protocol === 'ip' ? 0x0800 : 0x0806, 0xffff);
    const [apply] = actionsToInstructions(out, match);
    dp.packetOut(data!, apply?.type === 'apply_actions' ? apply.actions : [], physicalIn!);
  }

  /** A PACKET_IN may go to the tenant's controller: it has a port for it and room under its PACKET_IN rate. */
  private admitPacketIn(physicalPort: number): number | undefined {
    const port = this.virtualPort(physicalPort);
    if (port === undefined || this.listener === undefined) return undefined;
    if (this.packetIns !== undefined && !this.packetIns.take(this.net.scheduler.now)) {
      this.tenant.counters.packetInsDropped++;
      return undefined;
    }
    this.tenant.counters.packetIns++;
    return port;
  }

  /** A copy of another tenant's PACKET_IN, in that tenant's addresses, when one of this tenant's read entries covers it. */
  readCopy(ev: PacketInEvent, owner: VirtualSwitch): void {
    if (this.reads.length === 0) return;
    const data = rewriteFrame(ev.data, (a) => toVirtual(owner.space, a)) ?? ev.data;
    const words = new SwitchPacket(data, 0).words;
    if (!this.reads.some((e) => e.of === owner.tenant.name && e.match.matches(words))) return;
    const port = this.admitPacketIn(ev.inPort);
    if (port === undefined) return;
    const fields = new Uint32Array(FLOW_WORDS);
    fields[W.IN_PORT] = port;
    this.listener!.packetIn(data, { reason: ev.reason === 0 ? 'no_match' : 'action', table: 0, cookie: NO_COOKIE, totalLen: ev.totalLen, words: fields });
  }

  /** A physical PACKET_IN for this tenant: its port, its addresses, its cookie and table. */
  packetIn(ev: PacketInEvent, metadata: bigint): void {
    const port = this.admitPacketIn(ev.inPort);
    if (port === undefined) return;
    const data = rewriteFrame(ev.data, (a) => toVirtual(this.space, a)) ?? ev.data;
    const rule = this.byCookie.get(ev.cookie);
    const words = new Uint32Array(FLOW_WORDS);
    words[W.IN_PORT] = port;
    const tenantMeta = metadata >> 8n;
    words[W.METADATA] = Number(tenantMeta >> 32n);
    words[W.METADATA + 1] = Number(tenantMeta & 0xffffffffn);
    // The tenant's own table-miss flow (priority 0, matching all) is a miss to it, though the physical rule matches its tag.
    const miss = rule === undefined ? ev.reason === 0 : rule.priority === 0 && rule.match.masks.every((m) => m === 0);
    this.listener!.packetIn(data, { reason: miss ? 'no_match' : 'action', table: Math.max(0, ev.tableId - 1), cookie: rule?.cookie ?? NO_COOKIE, totalLen: ev.totalLen, words });
  }
}

/** The platform: the physical switches' controller, and every tenant's virtual switches. */
export class Platform {
  readonly tenants: TenantState[];
  readonly virtualSwitches: VirtualSwitch[] = [];
  private readonly datapaths = new Map<SwitchNode, Datapath>();
  private readonly byDatapathId = new Map<bigint, SwitchNode>();

  constructor(tenants: readonly PlatformTenant[]) {
    this.tenants = tenants.map((t) => ({ ...t, nextRule: 1n, counters: { refused: new Map(), rateLimited: 0, packetIns: 0, packetInsDropped: 0 } }));
    for (const t of this.tenants) {
      t.switches.forEach((s, i) => {
        this.virtualSwitches.push(new VirtualSwitch(this, t, s.physical, s.name, i + 1, s.ports));
        this.byDatapathId.set(s.physical.datapathId, s.physical);
      });
    }
  }

  /** Physical rules a tenant has on a switch, over all its virtual switches there. */
  physicalRules(tenant: PlatformTenant, sw: SwitchNode): number {
    return this.virtualSwitches.reduce((n, v) => n + (v.tenant.id === tenant.id && v.physical === sw ? v.installed : 0), 0);
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
      const metadata = ev.match.find((o) => o.field === 'metadata');
      const tag = metadata !== undefined && metadata.field !== 'unknown' ? (metadata as { value: bigint }).value : 0n;
      const owner = this.switchOf(dp, Number(tag & 0xffn));
      if (owner === undefined) return;
      const physical = { ...ev, inPort: portFromOfp(ev.inPort) ?? ev.inPort };
      owner.packetIn(physical, tag);
      for (const reader of this.virtualSwitches) if (reader.physical === owner.physical && reader !== owner) reader.readCopy(physical, owner);
    },
    flowRemoved: (dp, ev) => this.switchOf(dp, Number(ev.cookie >> 56n))?.removed(ev.cookie, ev.reason),
    portStatus: (dp, ev) => this.portStatus(dp, ev),
  });

  private switchOf(dp: Datapath, tenant: number): VirtualSwitch | undefined {
    const sw = this.byDatapathId.get(dp.id);
    return this.virtualSwitches.find((v) => v.physical === sw && v.tenant.id === tenant);
  }

  private connected(dp: Datapath): void {
    const sw = this.byDatapathId.get(dp.id);
    if (sw === undefined) return;
    this.datapaths.set(sw, dp);
    // What the switch held before is no tenant's: clear it, as controllers do on connecting.
    dp.deleteFlows();
    const here = this.virtualSwitches.filter((v) => v.physical === sw);
    // A read-only tenant's ports are another's: it classifies nothing.
    const writers = here.filter((v) => v.write.length > 0);
    for (const flow of platformFlows(writers.map((v) => ({ space: v.space, edges: [...v.portMap.edges], write: v.write })))) dp.addFlow(flow);
    for (const v of here) v.flowsChanged();
  }

  private portStatus(dp: Datapath, ev: MessageOf<'port_status'>): void {
    const sw = this.byDatapathId.get(dp.id);
    const physical = portFromOfp(ev.port.portNo);
    if (sw === undefined || physical === undefined || ev.reason !== OFPPR.MODIFY) return;
    for (const v of this.virtualSwitches) {
      const port = v.physical === sw ? v.virtualPort(physical) : undefined;
      if (port !== undefined) v.listener?.portStatus(v.portInfo()[port - 1]!);
    }
  }
}
