/**
 * The OpenFlow pipeline of one switch: tables of rules (add, modify, delete — strict or not, by
 * cookie), timeouts, lookup, and action execution with Open vSwitch's semantics: output to the
 * input port is skipped unless `in_port` names it, flood and all never send back out the input
 * port, `dec_ttl` at TTL 0 or 1 abandons the rest of its action list, resubmit returns,
 * goto_table moves on, the action set written by write_actions runs at the end in OpenFlow's
 * order. Each output carries the egress queue the packet is in then: set_queue changes it for
 * later outputs, enqueue uses one for its own output only, pop_queue goes back to queue 0 (a
 * packet arrives in none, as skb_priority 0 in OVS). Resubmits are limited as OVS limits them: depth 64, counted only on a resubmit to the
 * same or an earlier table, and 4,096 lookups in all; past either limit the packet is dropped,
 * whatever it was output to before. Every decision is recorded as an ofproto/trace-style line.
 *
 * It also holds the group table. A group action runs buckets as OVS 3.1's xlate_group_action
 * does: each bucket's actions as an action set, on its own copy of the packet (after the bucket
 * the packet is as it was before it), one level deeper; all runs every bucket, indirect its one,
 * fast failover the first live one, select the one group.ts chooses. A group that does not
 * exist ends the action list it is in. Deleting a group deletes the flows that use it.
 *
 * Translation runs as a loop over a stack of action lists, not as recursion, so no flow table
 * can overflow the JavaScript stack.
 */
import { Random } from '../sim/random.js';
import { Classifier } from './classifier.js';
import { MPLS_MAX_LABELS, W, fieldByName, readBits, readField, writeBits, type FieldDef } from './fields.js';
import { Match, PACKET_IN_REASONS, type PacketInReason, OFPG_ANY, OFPG_MAX, OFPP_NONE, type Action, type Bucket, type Group, type GroupType, type LearnSource, type LearnSpec, type Rule, type SubField } from './flow.js';
import { OFPP_CONTROLLER, OFPP_IN_PORT, formatActions, formatInstructions, formatMatch, prerequisiteHolds, subText } from './ofctl.js';
import { PacketState, SwitchPacket } from './packet.js';
import { NormalSwitching, type NormalOutput, type PortConfig } from './normal.js';
import { GroupError, bestBucket, checkGroup, dpHashTable, watches } from './group.js';
import { MeterTable, OFPM_CONTROLLER, remarkedTos, type Meter } from './meter.js';
import { symmetricL3L4, symmetricL4 } from './hash.js';
import { CS, ConnTrack, formatCtStateBits, type CtCache } from './conntrack.js';
import { CT_WORDS } from './fields.js';
import { NO_MEMBER, bundleMember, flowHashFields, multipathLink } from './multipath.js';

export const MAX_RESUBMIT_DEPTH = 64;
/** TCP's FIN and RST flag bits, which fin_timeout looks for. */
const TCP_FIN = 0x01;
const TCP_RST = 0x04;
/** ovs-ofctl set-frags' modes that OVS's userspace datapath has. */
export const FRAGS_MODES = ['normal', 'drop', 'nx-match'] as const;
export type FragsMode = (typeof FRAGS_MODES)[number];
export const MAX_RESUBMITS = 4096;
/** How many recirculations deep a packet may go (dpif-netdev's MAX_RECIRC_DEPTH); past it the packet is dropped. */
export const MAX_RECIRC_DEPTH = 6;

/** Why a packet went to the controller, and from which rule (OpenFlow's PACKET_IN reason, table and cookie). */
export interface PacketInCause {
  /** The controller action's own reason (`controller(reason=…)`); else 'no_match' for a table-miss rule (priority 0, matching everything), as OVS reports it, 'action' otherwise. */
  reason: PacketInReason;
  table: number;
  cookie: bigint;
  /** The packet's whole length (bytes may be cut to the action's max_len). */
  totalLen: number;
  /** The flow words then (in_port, metadata, registers, tunnel fields go with a PACKET_IN). */
  words: Uint32Array;
}

export interface Output {
  port: number | 'controller';
  bytes: Uint8Array;
  /** Set when port is 'controller'. */
  packetIn?: PacketInCause;
  /** tun_id (low 32 bits), tun_dst and tun_ipv6_dst when it was output, for tunnel ports taking them from the flow. */
  tunId: number;
  tunDst: number;
  tunIpv6Dst: bigint;
  /** The port's egress queue it goes into (set_queue, enqueue; 0, the default, otherwise). */
  queue: number;
}

export interface PipelineResult {
  outputs: Output[];
  /** A meter band dropped the packet: the meter and the band (outputs made before it stand). */
  meterDrop?: { meter: number; band: number };
  /** ofproto/trace-style lines. */
  trace: string[];
  packet: SwitchPacket;
}

export interface PipelinePort extends PortConfig {
  number: number;
  name: string;
}

const NOTHING: readonly Rule[] = Object.freeze([]);
/** What a switch in fail-open mode does with every packet. */
const FAIL_OPEN: readonly Action[] = Object.freeze([{ type: 'normal' }]);
/** The cookie OVS reports for a packet no rule sent (OVS_BE64_MAX). */
const NO_COOKIE = 0xffffffffffffffffn;
const NW_TTL = fieldByName('nw_ttl')!;
const MPLS_TTL = fieldByName('mpls_ttl')!;
const IP_DSCP = fieldByName('ip_dscp')!;
const ICMP_TYPE = fieldByName('icmp_type')!;
const ICMP_CODE = fieldByName('icmp_code')!;
/** OVS's MAX_LIVENESS_RECURSION: how deep watch_group liveness is followed. */
const MAX_LIVENESS_DEPTH = 128;

/** A group as the pipeline runs it. */
interface InstalledGroup {
  group: Group;
  /** Each bucket's actions as the action set they run as. */
  lists: Action[][];
  /** Select groups: the bucket for each dp_hash value (group.ts), or undefined for OVS's default hash. */
  slots: Uint8Array | undefined;
}

/**
 * Whether a non-strict selection (flow statistics, MODIFY and DELETE) takes a rule: in `table`
 * (any when undefined), its match within `match` (any when undefined), its cookie under the mask.
 */
export function selects(r: Rule, table: number | undefined, match: Match | undefined, cookie = 0n, cookieMask = 0n): boolean {
  return (table === undefined || r.table === table) && (cookieMask === 0n || (r.cookie & cookieMask) === (cookie & cookieMask)) && (match === undefined || r.match.within(match));
}

export class Pipeline {
  /** Told of every rule added, replaced, modified or removed (the tenant platform compiles only what changed). */
  watch: ((rule: Rule) => void) | undefined;
  /** Told of every group added, modified or deleted, by id. */
  watchGroups: ((id: number) => void) | undefined;
  private readonly tables = new Map<number, Classifier>();
  /** Tables whose misses go to the controller (OpenFlow table-miss). */
  readonly missToController = new Set<number>();
  /** Standalone fail mode with the controller gone: every packet takes NORMAL, whatever the tables hold. */
  failOpen = false;
  /**
   * What lookups do with an IP fragment (ovs-ofctl set-frags): 'normal', OVS's default, looks
   * it up with tp_src and tp_dst 0 (a first fragment's ports too); 'drop' drops every fragment;
   * 'nx-match' looks it up as it is. OVS's userspace has no 'reassemble'.
   */
  frags: FragsMode = 'normal';
  /** Packets sample actions picked, by collector set id: what OVS would send to IPFIX (netloom has no collector). */
  readonly samples = new Map<number, number>();
  /** Where sample actions draw: the network's seeded source once the switch is in one (a lone bridge has its own, seed 1). */
  random = new Random(1);
  /** Per table: packets looked up, and those that matched a rule (OpenFlow table statistics). */
  readonly lookups = new Float64Array(256);
  readonly matches = new Float64Array(256);
  readonly normal: NormalSwitching;
  private readonly portNumbers = new Map<number, PipelinePort>();
  /** Installed rules with a timeout, and a heap of when each may next be due. */
  private readonly timed = new Set<Rule>();
  private readonly deadlines = new DeadlineHeap();
  /** One translation context, reused for every packet (process is not re-entered). */
  private readonly x: Translation;
  /** The match a learn action builds, reused: a new rule is made only when the flow is new or changed. */
  private readonly learnMatch = new Match();
  private readonly groups = new Map<number, InstalledGroup>();
  /** The meter table (meter.ts): meter instructions run through it, and so do packets to the controller when it holds OFPM_CONTROLLER. */
  readonly meters = new MeterTable();
  /** The connection tracker ct actions run packets through. */
  readonly conntrack = new ConnTrack();
  /**
   * Whether a port is up, for fast failover buckets watching it (a watched port must also exist).
   * The switch node answers it; asked for OFPP_CONTROLLER, it answers whether a controller is
   * connected. Until set, every port is up.
   */
  portLive: (port: number) => boolean = () => true;

  /**
   * `enforceTimeouts: false` keeps rules' timeouts as data only: a table that mirrors rules
   * another switch holds and times out (a tenant's virtual switch, whose physical rules expire).
   */
  constructor(
    readonly ports: readonly PipelinePort[],
    private readonly enforceTimeouts = true,
  ) {
    for (const p of ports) this.portNumbers.set(p.number, p);
    this.normal = new NormalSwitching(ports);
    this.x = new Translation(this, this.groups);
  }

  table(id: number): Classifier {
    let t = this.tables.get(id);
    if (t === undefined) {
      t = new Classifier();
      this.tables.set(id, t);
    }
    return t;
  }

  /**
   * Adds a rule. One with the same table, priority and match is replaced, and, as in OVS, the
   * new rule takes over its packet and byte counts and its last-used time; its duration and
   * hard timeout start again.
   */
  add(rule: Rule, now: number): void {
    const t = this.table(rule.table);
    const old = t.find(rule.match, rule.priority);
    rule.created = now;
    rule.modified = now;
    rule.lastUsed = now;
    if (old !== undefined) {
      rule.packets = old.packets;
      rule.bytes = old.bytes;
      rule.lastUsed = old.lastUsed;
      this.unlink(t, old);
    }
    this.link(t, rule);
  }

  /**
   * A learn action: the flow `spec` makes from this packet's words. As OVS's learn (a strict
   * modify that adds when nothing matches): an identical flow already there is only refreshed
   * (its hard timeout starts again; nothing else changes, so lookups stay cached); a flow with
   * the same match and priority but other actions, timeouts or cookie is replaced, keeping its
   * counters and creation time. Returns the rule now installed.
   */
  learn(spec: LearnSpec, words: Uint32Array, now: number): Rule {
    const match = this.learnMatch;
    match.values.fill(0);
    match.masks.fill(0);
    for (const m of spec.matches) {
      const { field, start, bits } = m.dst;
      for (let off = 0; off < bits; off += 32) {
        const n = Math.min(32, bits - off);
        writeBits(match.values, field, start + off, n, sourceBits(m.src, words, off, n));
        writeBits(match.masks, field, start + off, n, 0xffffffff);
      }
    }
    const t = this.table(spec.table);
    const old = t.find(match, spec.priority);
    if (old !== undefined && sameLearned(old, spec, words)) {
      old.modified = now;
      return old;
    }
    const rule = learned(spec, match, words);
    rule.created = old?.created ?? now;
    rule.modified = now;
    rule.lastUsed = old?.lastUsed ?? now;
    if (old !== undefined) {
      rule.packets = old.packets;
      rule.bytes = old.bytes;
      this.unlink(t, old);
    }
    this.link(t, rule);
    return rule;
  }

  /**
   * Rules selected as ovs-ofctl does: strict means same priority and match; otherwise every rule
   * whose match is within `match`. A cookie mask of 0 selects any cookie.
   */
  select(table: number | undefined, match: Match, options: { strict?: boolean; priority?: number; cookie?: bigint; cookieMask?: bigint } = {}): Rule[] {
    const out: Rule[] = [];
    const tables = table === undefined ? [...this.tables.values()] : [this.table(table)];
    const cookieMatches = (r: Rule) => selects(r, undefined, undefined, options.cookie, options.cookieMask);
    if (options.strict) {
      // At most one rule per table has this priority and match: find it, as OVS's classifier_find_rule_exactly does.
      for (const t of tables) {
        const r = options.priority === undefined ? undefined : t.find(match, options.priority);
        if (r !== undefined && cookieMatches(r)) out.push(r);
      }
      return out;
    }
    for (const t of tables) for (const r of t.rules()) if (selects(r, undefined, match, options.cookie, options.cookieMask)) out.push(r);
    return out;
  }

  /** Replaces the instructions of the selected rules, their meter with their actions (counters kept). */
  modify(rules: Rule[], actions: Action[], meter?: number): void {
    for (const r of rules) {
      // Out and back in: the classifier keeps count of conjunctive flows, and its cache holds old answers.
      const t = this.table(r.table);
      t.remove(r);
      r.actions = actions;
      t.insert(r);
      if (meter === undefined) delete r.meter;
      else r.meter = meter;
      r.actionsText = formatInstructions(meter, actions, r.match);
      this.watch?.(r);
    }
  }

  /** Whether the rule is in its table now (not deleted, replaced or expired). */
  holds(rule: Rule): boolean {
    return this.tables.get(rule.table)?.find(rule.match, rule.priority) === rule;
  }

  delete(rules: Rule[]): void {
    for (const r of rules) this.unlink(this.table(r.table), r);
  }

  /**
   * Removes rules whose idle or hard timeout has passed at `now` (ns) and returns them. Costs
   * one comparison when nothing is due, so it can run before every packet.
   */
  expire(now: number): readonly Rule[] {
    const heap = this.deadlines;
    if (heap.size === 0 || heap.peek() > now) return NOTHING;
    const gone: Rule[] = [];
    while (heap.size > 0 && heap.peek() <= now) {
      const rule = heap.pop();
      // Deleted or replaced since it was queued.
      if (!this.timed.has(rule)) continue;
      const due = deadline(rule);
      if (due <= now) {
        this.unlink(this.table(rule.table), rule);
        gone.push(rule);
      } else {
        // Used or refreshed since: due later.
        heap.push(due, rule);
      }
    }
    return gone;
  }

  /** When the next flow may time out (ns), if any flow has a timeout. */
  nextDeadline(): number | undefined {
    return this.deadlines.size === 0 ? undefined : this.deadlines.peek();
  }

  allRules(): Rule[] {
    return [...this.tables.keys()].sort((a, b) => a - b).flatMap((id) => this.tables.get(id)!.rules());
  }

  /**
   * Runs one packet through the tables from table 0; `trace` records ofproto/trace-style lines.
   * `effects` false is ofproto/trace without -generate: no MAC learning, no learn installs, no
   * counters or last-used times, no meter buckets spent — the bridge is left as it was.
   * `ctNext` is ofproto/trace's --ct-next: the ct_state each clone a ct action forks resumes
   * with, in order, in place of what the tracker (or, without effects, OVS's default trk|new) gives.
   */
  process(packet: SwitchPacket, now: number, trace = false, effects = true, ctNext: readonly number[] = []): PipelineResult {
    return this.x.run(packet, now, trace, effects, undefined, ctNext);
  }

  /** Runs an action list on a packet, as a PACKET_OUT does (output to TABLE is a resubmit to table 0). */
  execute(packet: SwitchPacket, actions: readonly Action[], now: number, trace = false): PipelineResult {
    return this.x.run(packet, now, trace, true, actions);
  }

  port(number: number): PipelinePort | undefined {
    return this.portNumbers.get(number);
  }

  group(id: number): Group | undefined {
    return this.groups.get(id)?.group;
  }

  /** Every group, by id. */
  allGroups(): Group[] {
    return [...this.groups.keys()].sort((a, b) => a - b).map((id) => this.groups.get(id)!.group);
  }

  /** A new group (OpenFlow's OFPGC_ADD), checked as OVS checks it; its counters and duration start at `now`. */
  addGroup(group: Group, now: number): void {
    checkGroup(group.id, group.type, group.buckets);
    if (this.groups.has(group.id)) throw new GroupError('GROUP_EXISTS', `group ${group.id} exists`);
    if (group.id > OFPG_MAX) throw new GroupError('INVALID_GROUP', `group id ${group.id} is above OFPG_MAX (${OFPG_MAX})`);
    group.created = now;
    this.install(group);
  }

  /** Replaces a group's type and buckets (OFPGC_MODIFY); as in OVS its counters start again, its duration does not. */
  modifyGroup(group: Group): void {
    checkGroup(group.id, group.type, group.buckets);
    const old = this.groups.get(group.id);
    if (old === undefined) throw new GroupError('UNKNOWN_GROUP', `group ${group.id} does not exist`);
    group.created = old.group.created;
    this.install(group);
  }

  /** Deletes one group, or all; a group that does not exist is no error. The flows that use a deleted group are deleted too (OFPRR_GROUP_DELETE). */
  deleteGroups(id: number | 'all'): { groups: Group[]; rules: Rule[] } {
    const ids = id === 'all' ? [...this.groups.keys()] : this.groups.has(id) ? [id] : [];
    const groups = ids.map((g) => this.groups.get(g)!.group);
    for (const g of ids) {
      this.groups.delete(g);
      this.watchGroups?.(g);
    }
    const gone = new Set(ids);
    const rules = this.allRules().filter((r) => usesGroup(r.actions, (g) => gone.has(g)));
    this.delete(rules);
    return { groups, rules };
  }

  /** How many flows use the group (OpenFlow's ref_count). */
  groupRefs(id: number): number {
    return this.allRules().filter((r) => usesGroup(r.actions, (g) => g === id)).length;
  }

  /** The first group these actions use that does not exist (OVS refuses such a flow: OFPBAC_BAD_OUT_GROUP). */
  missingGroup(actions: readonly Action[]): number | undefined {
    let missing: number | undefined;
    usesGroup(actions, (g) => {
      if (this.groups.has(g)) return false;
      missing = g;
      return true;
    });
    return missing;
  }

  /** Deletes one meter, or all; a meter that does not exist is no error. The flows that use a deleted meter are deleted too (OVS's meter_destroy). */
  deleteMeters(id: number | 'all'): { meters: Meter[]; rules: Rule[] } {
    const meters = this.meters.delete(id);
    const gone = new Set(meters.map((m) => m.id));
    const rules = gone.size === 0 ? [] : this.allRules().filter((r) => r.meter !== undefined && gone.has(r.meter));
    this.delete(rules);
    return { meters, rules };
  }

  /** How many flows use the meter (OpenFlow's flow_count). */
  meterFlows(id: number): number {
    return this.allRules().filter((r) => r.meter === id).length;
  }

  /** Whether a bucket of a group of type `type` is live (OVS's bucket_is_alive); `depth` counts watch_group hops. */
  bucketLive(type: GroupType, b: Bucket, depth: number): boolean {
    if (depth >= MAX_LIVENESS_DEPTH) return false;
    // A select bucket of weight 0 is never used.
    if (type === 'select' && b.weight === 0) return false;
    if (!watches(b)) return true;
    const port = b.watchPort;
    if (port !== OFPP_NONE && (port === OFPP_CONTROLLER ? this.portLive(port) : this.port(port) !== undefined && this.portLive(port))) return true;
    return b.watchGroup !== OFPG_ANY && this.firstLive(b.watchGroup, depth + 1) >= 0;
  }

  /** The first live bucket of a group (-1: none, or no such group). */
  firstLive(id: number, depth = 0): number {
    const g = this.groups.get(id)?.group;
    if (g === undefined) return -1;
    return g.buckets.findIndex((b) => this.bucketLive(g.type, b, depth));
  }

  private install(group: Group): void {
    group.packets = group.bytes = 0;
    for (const b of group.buckets) b.packets = b.bytes = 0;
    this.groups.set(group.id, { group, lists: group.buckets.map((b) => actionSetList(b.actions)), slots: group.type === 'select' ? dpHashTable(group.buckets) : undefined });
    this.watchGroups?.(group.id);
  }

  /** fin_timeout's ofproto_rule_reduce_timeouts: a timeout given (not 0) replaces the rule's when it has none or a longer one. */
  reduceTimeouts(rule: Rule, idle: number, hard: number): void {
    if (idle === 0 && hard === 0) return;
    if (idle !== 0 && (rule.idleTimeout === 0 || rule.idleTimeout > idle)) rule.idleTimeout = idle;
    if (hard !== 0 && (rule.hardTimeout === 0 || rule.hardTimeout > hard)) rule.hardTimeout = hard;
    if (this.enforceTimeouts && (rule.idleTimeout > 0 || rule.hardTimeout > 0)) {
      this.timed.add(rule);
      this.deadlines.push(deadline(rule), rule);
    }
  }

  private link(t: Classifier, rule: Rule): void {
    t.insert(rule);
    this.watch?.(rule);
    if (this.enforceTimeouts && (rule.idleTimeout > 0 || rule.hardTimeout > 0)) {
      this.timed.add(rule);
      this.deadlines.push(deadline(rule), rule);
    }
  }

  private unlink(t: Classifier, rule: Rule): void {
    t.remove(rule);
    this.watch?.(rule);
    this.timed.delete(rule);
  }
}

/** Some group action of the list (write_actions included) names a group that passes `test`. */
export function usesGroup(actions: readonly Action[], test: (group: number) => boolean): boolean {
  return actions.some((a) => (a.type === 'group' && test(a.group)) || (a.type === 'write_actions' && usesGroup(a.actions, test)));
}

/** When a rule times out (ns): `modified` + hard timeout, or `lastUsed` + idle timeout, whichever comes first. */
function deadline(rule: Rule): number {
  const hard = rule.hardTimeout > 0 ? rule.modified + rule.hardTimeout * 1e9 : Infinity;
  const idle = rule.idleTimeout > 0 ? rule.lastUsed + rule.idleTimeout * 1e9 : Infinity;
  return Math.min(hard, idle);
}

/** A binary min-heap of (time, rule). */
class DeadlineHeap {
  private readonly times: number[] = [];
  private readonly rules: Rule[] = [];

  get size(): number {
    return this.times.length;
  }

  peek(): number {
    return this.times[0]!;
  }

  push(time: number, rule: Rule): void {
    const times = this.times;
    const rules = this.rules;
    let i = times.length;
    times.push(time);
    rules.push(rule);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      rules[i] = rules[parent]!;
      i = parent;
    }
    times[i] = time;
    rules[i] = rule;
  }

  pop(): Rule {
    const times = this.times;
    const rules = this.rules;
    const top = rules[0]!;
    const lastTime = times.pop()!;
    const lastRule = rules.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && times[child + 1]! < times[child]!) child++;
        if (times[child]! >= lastTime) break;
        times[i] = times[child]!;
        rules[i] = rules[child]!;
        i = child;
      }
      times[i] = lastTime;
      rules[i] = lastRule;
    }
    return top;
  }
}

/**
 * One packet's way through the pipeline (OVS's xlate context). The action lists being run are a
 * stack of frames — the actions, the next one to run, the table they came from, their trace
 * indentation level, and whether entering them deepened the resubmit depth — so a resubmit
 * pushes a frame and the loop carries on with it, and a finished list pops back to its caller.
 */
class Translation {
  private outputs: Output[] = [];
  private trace: string[] = [];
  /** The action set: write_actions appends, clear_actions empties, the end of the pipeline runs it in OpenFlow's order. */
  private readonly actionSet: Action[] = [];
  private resubmits = 0;
  private depth = 0;
  /** A resubmit limit was hit: the packet goes nowhere (OVS drops it, outputs included). */
  private failed = false;
  /** An exit ended the pipeline: the action set does not run (OVS's ctx->exit stops it before its first action). */
  private exited = false;
  /** A meter band dropped the packet: nothing more happens to it (outputs before the meter stand). */
  private meterDrop: { meter: number; band: number } | undefined;
  private tracing = false;
  /** Whether the bridge may change (learning, learn, counters, meters): false for ofproto/trace without -generate. */
  private effects = true;
  private packet!: SwitchPacket;
  /** The packet's length when OVS's datapath last committed its changes (at arrival, then at each output). */
  private committedLength = 0;
  private now = 0;
  private sp = 0;
  private readonly frameActions: (readonly Action[])[] = [];
  private readonly frameNext: number[] = [];
  private readonly frameTable: number[] = [];
  private readonly frameLevel: number[] = [];
  private readonly frameDeepens: number[] = [];
  /** The rule whose actions each frame runs (undefined for an action set or a PACKET_OUT's actions). */
  private readonly frameRule: (Rule | undefined)[] = [];
  /** The group whose bucket each frame runs, and which bucket; the packet as it was before the group, to restore when the bucket is done. */
  private readonly frameGroup: (InstalledGroup | undefined)[] = [];
  private readonly frameBucket: number[] = [];
  private readonly frameBefore: PacketState[] = [];
  /** A clone's frame: the action set outside it (restored with the packet when the clone is done; a reused array), and whether its own action set has run yet. */
  private readonly frameCloneSet: (Action[] | undefined)[] = [];
  private readonly cloneSets: Action[][] = [];
  private readonly frameCloneRan: boolean[] = [];
  /** Whether OVS leaves a clone unisolated (OVS 3.1's reversible_actions: no ct, meter or truncated output at its top), rolling back only its flow. */
  private readonly frameCloneReversible: boolean[] = [];
  /** A check_pkt_larger branch: the rest of a list, run as OVS runs it in the datapath's check_pkt_len. */
  private readonly frameBranch: boolean[] = [];
  /** The packet's length as it arrived: group counters count it, as OVS's datapath statistics do. */
  private arrivedBytes = 0;
  /** The connection the packet was last found in (OVS's md.conn), so a second ct action does not update it again. */
  private ctCache: CtCache = { conn: undefined, reply: false, related: false };
  /** Clones of the packet a ct(table=N) forked, to resume at their table once this pass is done (OVS recirculates them). */
  private readonly recirculations: { state: PacketState; table: number; actionSet: Action[]; cache: CtCache; depth: number }[] = [];
  private recircDepth = 0;
  private readonly forkStates: PacketState[] = [];
  private readonly tupleSave = new Uint32Array(TUPLE_WORDS.length);

  constructor(
    private readonly p: Pipeline,
    private readonly groups: ReadonlyMap<number, InstalledGroup>,
  ) {}

  run(packet: SwitchPacket, now: number, tracing: boolean, effects: boolean, actions?: readonly Action[], ctNext: readonly number[] = []): PipelineResult {
    this.packet = packet;
    this.now = now;
    this.tracing = tracing;
    this.effects = effects;
    this.outputs = [];
    this.trace = [];
    this.actionSet.length = 0;
    this.resubmits = 0;
    this.depth = 0;
    this.failed = false;
    this.exited = false;
    this.meterDrop = undefined;
    this.sp = 0;
    this.arrivedBytes = packet.bytes.length;
    this.committedLength = packet.bytes.length;
    this.ctCache = { conn: undefined, reply: false, related: false };
    this.recirculations.length = 0;
    this.recircDepth = 0;
    if (actions !== undefined) this.push(actions, 0, 0, 0);
    else if (this.p.failOpen) {
      // Open vSwitch's fail-open flow: above every other, NORMAL.
      if (tracing) this.line(0, 'fail-open (no controller): NORMAL');
      this.push(FAIL_OPEN, 0, 0, 0);
    } else this.lookup(0, undefined, 0, 0);
    this.finishPass(0);
    // Each clone a ct action forked resumes at its table, as OVS's recirculation does, after the pass that forked it.
    for (let r = 0; r < this.recirculations.length; r++) {
      const fork = this.recirculations[r]!;
      packet.restoreFrom(fork.state);
      packet.recirculate();
      this.ctCache = fork.cache;
      this.recircDepth = fork.depth;
      this.actionSet.length = 0;
      for (const a of fork.actionSet) this.actionSet.push(a);
      this.resubmits = 0;
      this.depth = 0;
      this.failed = false;
      // The clone's pass is a translation of its own: an exit in the pass that forked it does not reach it.
      this.exited = false;
      const given = ctNext[r];
      if (given !== undefined) packet.words[W.CT_STATE] = given;
      if (tracing) {
        if (given !== undefined) this.line(0, `resume conntrack with ct_state=${formatCtStateBits(given)}`);
        else if (!this.effects) this.line(0, 'resume conntrack with default ct_state=trk|new (use --ct-next to customize; --generate or a packet runs the tracker)');
        this.line(0, `Resuming from table ${fork.table} with ct_state=${formatCtStateBits(packet.words[W.CT_STATE]!)}${packet.words[W.CT_ZONE] ? `,ct_zone=${packet.words[W.CT_ZONE]}` : ''}`);
      }
      const before = this.outputs.length;
      if (fork.depth > MAX_RECIRC_DEPTH) {
        if (tracing) this.line(0, `>> recirculation depth over ${MAX_RECIRC_DEPTH}: dropped`);
        continue;
      }
      this.lookup(fork.table, undefined, 0, 0);
      this.finishPass(before);
    }
    const result: PipelineResult = { outputs: this.outputs, trace: this.trace, packet };
    if (this.meterDrop !== undefined) result.meterDrop = this.meterDrop;
    return result;
  }

  /** Runs the frames, then the action set; a pass that failed takes back its outputs (from index `from`). */
  private finishPass(from: number): void {
    this.loop();
    if (!this.failed && !this.exited && this.meterDrop === undefined && this.actionSet.length > 0) {
      const list = actionSetList(this.actionSet);
      this.actionSet.length = 0;
      if (list.length > 0) {
        if (this.tracing) this.line(0, 'Action set:');
        this.push(list, 0, 0, 0);
        this.loop();
      }
    }
    if (this.failed) this.outputs.length = from;
  }

  /**
   * ct(…) (OVS's compose_conntrack_action): the nested actions write ct_mark and ct_label, the
   * tracker runs the packet (NAT changes its bytes), a clone resumes at `table` with the ct_*
   * fields, and this packet goes on untracked.
   */
  private conntrack(a: Extract<Action, { type: 'ct' }>, indent: number): void {
    const pk = this.packet;
    const w = pk.words;
    if (this.tracing) this.line(indent, formatActions([a]));
    // ct commits the packet's changes in OVS's datapath, as an output does.
    this.committedLength = pk.bytes.length;
    let markMask = 0;
    let labelMask = 0n;
    for (const x of a.actions) {
      if (x.type !== 'set_field' && x.type !== 'load' && x.type !== 'move') continue;
      const field = x.type === 'set_field' ? x.field : x.dst.field;
      const mask = x.type === 'set_field' ? x.mask : ((1n << BigInt(x.dst.bits)) - 1n) << BigInt(x.dst.start);
      const value = x.type === 'set_field' ? x.value : x.type === 'load' ? x.value << BigInt(x.dst.start) : subfield(w, x.src) << BigInt(x.dst.start);
      pk.setField(field, value, mask);
      if (field.word === W.CT_MARK) markMask = (markMask | Number(mask)) >>> 0;
      else labelMask |= mask;
    }
    const zone = a.zoneSrc === undefined ? a.zone : readBits(w, a.zoneSrc.field, a.zoneSrc.start, 16);
    if (this.effects) this.p.conntrack.execute(pk, { zone, commit: a.commit, force: a.force, nat: a.nat, markMask, labelMask }, this.ctCache, this.now);
    else {
      // ofproto/trace of a flow runs no tracker (nothing is committed): the clone resumes as trk|new in its zone, OVS's default.
      w[W.CT_STATE] = CS.TRK | CS.NEW;
      w[W.CT_ZONE] = zone;
    }
    if (a.table !== undefined) {
      // States are reused from packet to packet: a fork allocates nothing once the pool has grown.
      const state = (this.forkStates[this.recirculations.length] ??= new PacketState());
      pk.saveTo(state);
      this.recirculations.push({ state, table: a.table, actionSet: this.actionSet.slice(), cache: { ...this.ctCache }, depth: this.recircDepth + 1 });
      if (this.tracing) this.line(indent, ` -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${a.table}.`);
    }
    // The ct_* fields are only the recirculated clone's.
    w.fill(0, CT_WORDS[0], CT_WORDS[1]);
    this.ctCache = { conn: undefined, reply: false, related: false };
    if (this.tracing) this.line(indent, ' -> Sets the packet to an untracked state, and clears all the conntrack fields.');
  }

  /** Writes a trace line at an indentation in columns; a note (`-> `, `>> `) one column further, as ofproto/trace prints a detail or warning under its action. */
  private line(indent: number, text: string): void {
    const note = text.startsWith('>>') || text.startsWith('->');
    this.trace.push(`${' '.repeat(note ? indent + 1 : indent)}${text}`);
  }

  /**
   * ofproto/trace's layout: a table visited at nesting level d starts at column 0 (d = 0) or
   * 4 + 8(d - 1), and its actions are indented 4 (d = 0) or 8 further.
   */
  private static tableIndent(level: number): number {
    return level === 0 ? 0 : 4 + 8 * (level - 1);
  }

  private static actionIndent(level: number): number {
    return level === 0 ? 4 : Translation.tableIndent(level) + 8;
  }

  private push(actions: readonly Action[], table: number, level: number, deepens: number, rule?: Rule): void {
    const i = this.sp++;
    this.frameRule[i] = rule;
    this.frameGroup[i] = undefined;
    this.frameCloneSet[i] = undefined;
    this.frameBranch[i] = false;
    this.frameActions[i] = actions;
    this.frameNext[i] = 0;
    this.frameTable[i] = table;
    this.frameLevel[i] = level;
    this.frameDeepens[i] = deepens;
    this.depth += deepens;
  }

  /**
   * Ends the top frame; a finished bucket puts the packet back as it was before the group, and an
   * all group's next bucket runs. A finished clone runs its action set first (as OVS's
   * clone_xlate_actions does, unless `exiting`), then puts back the packet and the action set outside it.
   */
  private pop(exiting = false): void {
    const top = this.sp - 1;
    const outside = this.frameCloneSet[top];
    if (outside !== undefined) {
      if (!this.frameCloneRan[top] && !exiting && this.actionSet.length > 0) {
        // The same frame runs the clone's action set, one level deeper.
        this.frameCloneRan[top] = true;
        if (this.tracing) this.line(Translation.actionIndent(this.frameLevel[top]!), 'Action set:');
        this.frameActions[top] = actionSetList(this.actionSet);
        this.frameNext[top] = 0;
        this.frameLevel[top]!++;
        this.actionSet.length = 0;
        return;
      }
      if (this.frameCloneReversible[top]) this.packet.rollBackTo(this.frameBefore[top]!);
      else this.packet.restoreFrom(this.frameBefore[top]!);
      this.actionSet.length = 0;
      for (const a of outside) this.actionSet.push(a);
    }
    const i = --this.sp;
    this.depth -= this.frameDeepens[i]!;
    const g = this.frameGroup[i];
    if (g === undefined) return;
    this.packet.rollBackTo(this.frameBefore[i]!);
    const next = this.frameBucket[i]! + 1;
    if (g.group.type === 'all' && next < g.lists.length && !this.failed) this.enterBucket(g, next, this.frameTable[i]!, this.frameLevel[i]! - 1, this.frameRule[i]);
  }

  /** Runs a group action (OVS's xlate_group_action), from frame `f`. */
  private group(id: number, f: number, indent: number): void {
    const g = this.groups.get(id);
    if (g === undefined) {
      // OVS ends the action list here (the pipeline goes on).
      if (this.tracing) this.line(indent, `>> output to nonexistent group ${id}`);
      this.pop();
      return;
    }
    const { group } = g;
    if (group.type === 'all' || group.type === 'indirect') {
      // Every bucket runs and is credited (OVS's group_dpif_credit_stats); an all group may have none.
      this.count(group, undefined);
      if (group.buckets.length > 0) this.enterBucket(g, 0, this.frameTable[f]!, this.frameLevel[f]!, this.frameRule[f]);
      return;
    }
    const bucket = group.type === 'ff' ? this.p.firstLive(id) : this.select(g);
    if (bucket < 0) {
      if (this.tracing) this.line(indent, '>> no live bucket');
      return;
    }
    this.count(group, group.buckets[bucket]);
    this.enterBucket(g, bucket, this.frameTable[f]!, this.frameLevel[f]!, this.frameRule[f]);
  }

  private count(group: Group, bucket: Bucket | undefined): void {
    if (!this.effects) return;
    group.packets++;
    group.bytes += this.arrivedBytes;
    for (const b of bucket === undefined ? group.buckets : [bucket]) {
      b.packets++;
      b.bytes += this.arrivedBytes;
    }
  }

  /** Pushes a bucket's action set one level deeper, the packet saved to be restored when it is done. */
  private enterBucket(g: InstalledGroup, bucket: number, table: number, level: number, rule: Rule | undefined): void {
    if (this.tracing) this.line(Translation.actionIndent(level), `bucket ${bucket}`);
    const i = this.sp;
    const before = (this.frameBefore[i] ??= new PacketState());
    this.packet.saveTo(before);
    this.push(g.lists[bucket]!, table, level + 1, 1, rule);
    this.frameGroup[i] = g;
    this.frameBucket[i] = bucket;
  }

  /** A select group's bucket (-1: none live): by the dp_hash table when the group has one, else by OVS's default hash. */
  private select(g: InstalledGroup): number {
    const { group, slots } = g;
    const live = (i: number) => this.p.bucketLive('select', group.buckets[i]!, 0);
    if (slots === undefined) return bestBucket(group.buckets, symmetricL4(this.packet, 0), live);
    const pk = this.packet;
    // The datapath hashes the packet as it is now, once: later select groups reuse the hash (a bucket's ends with the bucket).
    if (pk.dpHash === 0) {
      // OVS has the datapath hash the packet and recirculates it: the flow is read again from the bytes.
      pk.dpHash = symmetricL3L4(pk, 0);
      pk.recirculate();
    }
    // From the packet's slot on, the first live bucket: dead buckets' share spreads by weight.
    for (let k = 0; k < slots.length; k++) {
      const bucket = slots[(pk.dpHash + k) & (slots.length - 1)]!;
      if (live(bucket)) return bucket;
    }
    return -1;
  }

  /**
   * Looks the packet up in a table (with `inPort` as in_port for the lookup only, as resubmit(port,table)
   * does — OVS restores the real in_port before the actions run) and pushes the rule's actions.
   */
  private lookup(tableId: number, inPort: number | undefined, level: number, deepens: number, ctOrig = false): void {
    const pk = this.packet;
    const words = pk.words;
    const realInPort = words[W.IN_PORT]!;
    const tableAt = Translation.tableIndent(level);
    // OVS's rule_dpif_lookup_from_table: a fragment is dropped, or looked up without its ports, per the frags mode.
    const fragment = (pk.nwFrag & 1) !== 0 && this.p.frags !== 'nx-match';
    if (fragment && this.p.frags === 'drop') {
      if (this.tracing) this.line(tableAt, `${String(tableId).padStart(2)}. ip,nw_frag=yes, priority 0 (fragment dropped, frags mode drop)`);
      if (this.tracing) this.line(Translation.actionIndent(level), 'drop');
      if (this.effects) this.p.lookups[tableId]!++;
      return;
    }
    const tpSrc = words[W.TP_SRC]!;
    const tpDst = words[W.TP_DST]!;
    if (fragment) words[W.TP_SRC] = words[W.TP_DST] = 0;
    if (inPort !== undefined) words[W.IN_PORT] = inPort;
    // resubmit(…,ct): the lookup sees the connection's original tuple (OVS's tuple_swap), when there is one.
    const swap = ctOrig && words[W.CT_NW_PROTO] !== 0;
    if (swap) swapTuple(words, this.tupleSave);
    const rule = this.p.table(tableId).lookup(words);
    if (swap) swapTuple(words, this.tupleSave);
    words[W.IN_PORT] = realInPort;
    words[W.TP_SRC] = tpSrc;
    words[W.TP_DST] = tpDst;
    if (this.effects) {
      this.p.lookups[tableId]!++;
      if (rule !== undefined) this.p.matches[tableId]!++;
    }
    if (rule === undefined) {
      if (this.tracing) this.line(tableAt, `${String(tableId).padStart(2)}. No match.`);
      if (this.p.missToController.has(tableId)) {
        if (this.tracing) this.line(Translation.actionIndent(level), 'CONTROLLER (table miss)');
        // No rule: OVS reports the cookie as all ones.
        this.toController(pk.bytes.length, { reason: 'no_match', table: tableId, cookie: NO_COOKIE, totalLen: pk.bytes.length, words: words.slice() });
      } else if (this.tracing) this.line(Translation.actionIndent(level), 'drop');
      return;
    }
    if (this.effects) {
      rule.packets++;
      rule.bytes += pk.bytes.length;
      rule.lastUsed = this.now;
    }
    if (this.tracing) {
      const match = rule.matchText;
      this.line(tableAt, `${String(tableId).padStart(2)}. ${match}${match ? ', ' : ''}priority ${rule.priority}${rule.cookie ? `, cookie 0x${rule.cookie.toString(16)}` : ''}`);
      // A rule with no actions drops: ofproto/trace says so.
      if (rule.actions.length === 0 && rule.meter === undefined) this.line(Translation.actionIndent(level), 'drop');
    }
    // The meter instruction runs before the actions (OpenFlow 1.3.5 §5.9).
    if (rule.meter !== undefined && !this.meter(rule.meter, Translation.actionIndent(level))) return;
    this.push(rule.actions, tableId, level, deepens, rule);
  }

  /** OVS's xlate_resubmit_resource_check, before each resubmit or goto_table lookup. */
  private withinLimits(indent: number): boolean {
    const tooDeep = this.depth >= MAX_RESUBMIT_DEPTH;
    if (!tooDeep && this.resubmits < MAX_RESUBMITS) return true;
    if (this.tracing) this.line(indent, `>>>> over ${tooDeep ? `max translation depth ${MAX_RESUBMIT_DEPTH}` : `${MAX_RESUBMITS} resubmit actions`} <<<<`);
    this.failed = true;
    return false;
  }

  /**
   * Whether nothing follows frame `f`'s list in the translation (OVS's is_last_action, the final
   * action set aside): each frame below has no action left after the one that started the next,
   * an all group's bucket is its last, and a check_pkt_larger branch or an isolated clone starts afresh.
   */
  private lastList(f: number): boolean {
    for (let k = f; k > 0; k--) {
      if (this.frameBranch[k] || (this.frameCloneSet[k] !== undefined && !this.frameCloneReversible[k])) return true;
      const g = this.frameGroup[k];
      if (g !== undefined && g.group.type === 'all' && this.frameBucket[k]! < g.lists.length - 1) return false;
      if (this.frameNext[k - 1]! < this.frameActions[k - 1]!.length) return false;
    }
    return true;
  }

  /** Runs the frames on the stack until it is empty or the translation fails. */
  private loop(): void {
    const pk = this.packet;
    while (this.sp > 0 && !this.failed && this.meterDrop === undefined) {
      const f = this.sp - 1;
      const actions = this.frameActions[f]!;
      const i = this.frameNext[f]!;
      if (i >= actions.length) {
        this.pop();
        continue;
      }
      this.frameNext[f] = i + 1;
      const level = this.frameLevel[f]!;
      const indent = Translation.actionIndent(level);
      const a = actions[i]!;
      switch (a.type) {
        case 'output':
          if (this.tracing) this.line(indent, formatActions([a]));
          this.output(a.port, indent);
          break;
        case 'output_reg': {
          const port = readBits(pk.words, a.src.field, a.src.start, Math.min(a.src.bits, 32));
          if (this.tracing) this.line(indent, `output:${port}`);
          this.output(port, indent);
          break;
        }
        case 'in_port':
          if (this.tracing) this.line(indent, 'IN_PORT');
          // The in_port now (a load may have changed it), which must be a port, as OVS's compose_output_action looks it up.
          if (this.p.port(pk.words[W.IN_PORT]!) === undefined) {
            if (this.tracing) this.line(indent, '>> Nonexistent output port');
            break;
          }
          this.emit(pk.words[W.IN_PORT]!, pk.bytes);
          break;
        case 'normal':
          if (this.tracing) this.line(indent, 'NORMAL');
          this.normal(this.p.normal.forward(pk, this.now, this.tracing ? (text: string) => this.line(indent, text) : undefined, this.effects));
          break;
        case 'flood':
        case 'all':
          if (this.tracing) this.line(indent, a.type === 'flood' ? 'FLOOD' : 'ALL');
          for (const port of this.p.ports) {
            if (port.number === pk.words[W.IN_PORT]) continue;
            this.emit(port.number, pk.bytes);
          }
          break;
        case 'controller': {
          if (this.tracing) this.line(indent, formatActions([a]));
          const rule = this.frameRule[f];
          // From a group's bucket the reason is the group (OpenFlow 1.3 sends that as action).
          const miss = this.frameGroup[f] === undefined && rule !== undefined && rule.priority === 0 && rule.match.masks.every((m) => m === 0);
          const own = (PACKET_IN_REASONS as readonly string[]).includes(a.reason) ? (a.reason as PacketInReason) : 'action';
          const reason: PacketInReason = own !== 'action' ? own : miss ? 'no_match' : 'action';
          this.toController(a.maxLen, { reason, table: rule?.table ?? this.frameTable[f]!, cookie: rule?.cookie ?? NO_COOKIE, totalLen: pk.bytes.length, words: pk.words.slice() });
          break;
        }
        case 'drop':
          break;
        case 'push_vlan':
          if (this.tracing) this.line(indent, `push_vlan:0x${a.tpid.toString(16)}`);
          pk.pushVlan(a.tpid);
          break;
        case 'pop_vlan':
          if (this.tracing) this.line(indent, a.strip ? 'strip_vlan' : 'pop_vlan');
          pk.popVlan();
          break;
        case 'push_mpls':
        case 'pop_mpls': {
          if (this.tracing) this.line(indent, formatActions([a]));
          if (a.type === 'push_mpls' ? pk.pushMpls(a.ethertype) : pk.popMpls(a.ethertype)) break;
          // OVS's XLATE_TOO_MANY_MPLS_LABELS: the whole translation is dropped.
          if (this.tracing) this.line(indent, `>> dropping packet on which an MPLS ${a.type === 'push_mpls' ? 'push' : 'pop'} action can't be performed as it ${a.type === 'push_mpls' ? 'would have' : 'has'} more MPLS LSEs than the ${MPLS_MAX_LABELS} supported.`);
          this.failed = true;
          break;
        }
        case 'dec_mpls_ttl': {
          if (this.tracing) this.line(indent, 'dec_mpls_ttl');
          const ttl = pk.words[W.MPLS_LSE]! & 0xff;
          if (prerequisiteHolds(pk.words[W.DL_TYPE], undefined, 'mpls') && ttl > 1) {
            pk.setField(MPLS_TTL, BigInt(ttl - 1), 0xffn);
            break;
          }
          // OVS's compose_dec_mpls_ttl_action: a TTL of 0 or 1, or no MPLS at all, ends this action list (the packet would go to a controller, invalid_ttl).
          if (this.tracing) this.line(indent, '>> MPLS decrement TTL exception');
          this.pop();
          break;
        }
        case 'mod_vlan':
          if (a.push) {
            if (this.tracing) this.line(indent, 'push_vlan:0x8100');
            pk.pushVlan(0x8100);
          }
          // OpenFlow 1.0's mod_vlan_vid is its own action in OVS's trace; 1.1+'s is the set_field it becomes.
          if (this.tracing) this.line(indent, !a.push && !a.oxm ? formatActions([a]) : `set_field:${a.what === 'vid' ? `${0x1000 | a.value}->vlan_vid` : `${a.value}->vlan_pcp`}`);
          pk.setVlan(a.what, a.value);
          break;
        case 'set_field':
          if (this.tracing) this.line(indent, formatActions([a]));
          // OVS's set_l4_port on ICMP and ICMPv6: the flow's tp_src and tp_dst are their type and code there.
          if (a.legacy && (a.field.word === W.TP_SRC || a.field.word === W.TP_DST) && (prerequisiteHolds(pk.words[W.DL_TYPE], pk.words[W.NW_PROTO], 'icmp') || (pk.words[W.DL_TYPE] === 0x86dd && pk.words[W.NW_PROTO] === 58))) {
            pk.setField(a.field.word === W.TP_SRC ? ICMP_TYPE : ICMP_CODE, a.value & 0xffn, 0xffn);
            break;
          }
          if (this.unmet(a.field, indent)) break;
          pk.setField(a.field, a.value, a.mask);
          break;
        case 'load': {
          if (this.tracing) this.line(indent, formatActions([a]));
          if (this.unmet(a.dst.field, indent)) break;
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          pk.setField(a.dst.field, a.value << BigInt(a.dst.start), mask);
          break;
        }
        case 'move': {
          if (this.tracing) this.line(indent, formatActions([a]));
          if (this.unmet(a.src.field, indent) || this.unmet(a.dst.field, indent)) break;
          const value = subfield(pk.words, a.src);
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          pk.setField(a.dst.field, value << BigInt(a.dst.start), mask);
          break;
        }
        case 'dec_ttl': {
          if (this.tracing) this.line(indent, 'dec_ttl');
          const type = pk.words[W.DL_TYPE];
          if (type !== 0x0800 && type !== 0x86dd) break;
          const ttl = pk.words[W.NW_TTL]!;
          if (ttl <= 1) {
            // OVS: the rest of this action list is abandoned; the packet would go to a controller (invalid_ttl).
            if (this.tracing) this.line(indent, `>> ${type === 0x0800 ? 'IPv4' : 'IPv6'} decrement TTL exception`);
            this.pop();
            break;
          }
          pk.setTtl(ttl - 1);
          break;
        }
        case 'set_ttl':
          if (this.tracing) this.line(indent, `mod_nw_ttl:${a.ttl}`);
          if (this.unmet(NW_TTL, indent)) break;
          pk.setTtl(a.ttl);
          break;
        case 'resubmit': {
          if (!this.withinLimits(indent)) break;
          const from = this.frameTable[f]!;
          const table = a.table ?? from;
          if (this.tracing) this.line(indent, formatActions([a]));
          this.resubmits++;
          // A resubmit that is the last action is a tail call: ofproto/trace prints it flat.
          const last = i === actions.length - 1;
          // Only a resubmit to the same or an earlier table deepens (tables only ever increasing must end).
          this.lookup(table, a.port === undefined || a.port === OFPP_IN_PORT ? undefined : a.port, last ? level : level + 1, table <= from ? 1 : 0, a.ct === true);
          break;
        }
        case 'goto_table': {
          if (!this.withinLimits(indent)) break;
          if (this.tracing) this.line(indent, `goto_table:${a.table}`);
          this.resubmits++;
          this.lookup(a.table, undefined, level, a.table <= this.frameTable[f]! ? 1 : 0);
          break;
        }
        case 'write_metadata': {
          if (this.tracing) this.line(indent, formatActions([a]));
          const hi = Number((a.value >> 32n) & 0xffffffffn);
          const lo = Number(a.value & 0xffffffffn);
          const mhi = Number((a.mask >> 32n) & 0xffffffffn);
          const mlo = Number(a.mask & 0xffffffffn);
          pk.words[W.METADATA] = ((pk.words[W.METADATA]! & ~mhi) | (hi & mhi)) >>> 0;
          pk.words[W.METADATA + 1] = ((pk.words[W.METADATA + 1]! & ~mlo) | (lo & mlo)) >>> 0;
          break;
        }
        case 'clear_actions':
          if (this.tracing) this.line(indent, 'clear_actions');
          this.actionSet.length = 0;
          break;
        case 'write_actions':
          if (this.tracing) this.line(indent, formatActions([a]));
          for (const w of a.actions) this.actionSet.push(w);
          break;
        case 'group':
          if (!this.withinLimits(indent)) break;
          if (this.tracing) this.line(indent, `group:${a.group}`);
          this.group(a.group, f, indent);
          break;
        case 'set_queue':
          if (this.tracing) this.line(indent, `set_queue:${a.queue}`);
          pk.queue = a.queue;
          break;
        case 'pop_queue':
          if (this.tracing) this.line(indent, 'pop_queue');
          pk.queue = 0;
          break;
        case 'enqueue': {
          // OVS's xlate_enqueue_action: the queue for this output only; IN_PORT names the input port, which is otherwise skipped.
          if (this.tracing) this.line(indent, formatActions([a]));
          const before = pk.queue;
          pk.queue = a.queue;
          if (a.port === OFPP_IN_PORT) this.emit(pk.words[W.IN_PORT]!, pk.bytes);
          else this.output(a.port, indent);
          pk.queue = before;
          break;
        }
        case 'ct':
          // OVS commits the packet before handing it to conntrack.
          this.packet.commit();
          this.conntrack(a, indent);
          break;
        case 'ct_clear':
          if (this.tracing) this.line(indent, 'ct_clear');
          pk.words.fill(0, CT_WORDS[0], CT_WORDS[1]);
          this.ctCache = { conn: undefined, reply: false, related: false };
          break;
        case 'conjunction':
        case 'note':
          // A conjunction only a packet-out can run: it does nothing, as in OVS; a note never does.
          if (this.tracing) this.line(indent, formatActions([a]));
          break;
        case 'output_trunc': {
          if (this.tracing) this.line(indent, formatActions([a]));
          // OVS's xlate_output_trunc_action: never back out of the input port; IN_PORT and absent ports are no datapath port.
          if (a.port === pk.words[W.IN_PORT]) {
            if (this.tracing) this.line(indent, '>> skipping output to input port');
          } else if (a.port === OFPP_IN_PORT || this.p.port(a.port) === undefined) {
            if (this.tracing) this.line(indent, `>> output_trunc does not support patch port ${a.port === OFPP_IN_PORT ? 'IN_PORT' : a.port}`);
          } else {
            // OVS's datapath sets the cut (dp_packet_set_cutlen, at least an Ethernet header kept) before it commits this output's
            // VLAN changes: the cut is from the packet as the last commit left it; shorter than an Ethernet header, nothing is sent.
            const keep = Math.max(a.maxLen, 14);
            const length = pk.bytes.length - (this.committedLength > keep ? this.committedLength - keep : 0);
            if (length >= 14) this.emit(a.port, pk.bytes.subarray(0, length));
          }
          break;
        }
        case 'exit':
          if (this.tracing) this.line(indent, 'exit');
          // Every frame ends, up to and including a group bucket's (the group's next bucket then runs, and what follows the group).
          for (;;) {
            if (this.sp === 0) {
              this.exited = true;
              break;
            }
            const bucket = this.frameGroup[this.sp - 1] !== undefined;
            this.pop(true);
            if (bucket) break;
          }
          break;
        case 'multipath': {
          if (this.tracing) this.line(indent, formatActions([a]));
          const link = multipathLink(flowHashFields(pk, a.fields, a.basis), a.algorithm, a.links, a.arg);
          this.load(a.dst, link, indent);
          break;
        }
        case 'bundle': {
          if (this.tracing) this.line(indent, formatActions([a]));
          const member = bundleMember(pk, a.fields, a.basis, a.algorithm, a.members, this.memberLive);
          // With no member live, bundle outputs nowhere and ofproto/trace says nothing more.
          if (a.dst !== undefined) this.load(a.dst, member, indent);
          else if (member !== NO_MEMBER) this.output(member, indent);
          break;
        }
        case 'check_pkt_larger': {
          if (this.tracing) this.line(indent, formatActions([a]));
          // OVS translates nothing for it when nothing follows in the whole translation, the action set empty (its `last`).
          if (i === actions.length - 1 && this.actionSet.length === 0 && this.lastList(f)) break;
          // OVS commits the changes so far before the datapath's check_pkt_len (xlate_check_pkt_larger): a later output(max_len) cuts from here.
          this.committedLength = pk.bytes.length;
          // The rest of this list, then the action set, run in the datapath's branch for the packet's length (OVS translates both; netloom
          // knows the packet and takes its own); then the flow, the packet and the action set are as they were, and this list is done.
          // OVS translates the larger branch first and its action set empties the one the other branch starts with.
          const c = this.sp;
          pk.saveTo((this.frameBefore[c] ??= new PacketState()));
          const outside = (this.cloneSets[c] ??= []);
          outside.length = 0;
          for (const x of this.actionSet) outside.push(x);
          const larger = pk.lengthWithoutPadding() > a.length;
          if (!larger) this.actionSet.length = 0;
          this.load(a.dst, larger ? 1 : 0, indent);
          this.frameNext[f] = actions.length;
          this.push(actions.slice(i + 1), this.frameTable[f]!, level, 0, this.frameRule[f]);
          this.frameCloneSet[c] = outside;
          this.frameCloneRan[c] = false;
          this.frameCloneReversible[c] = false;
          this.frameBranch[c] = true;
          break;
        }
        case 'clone': {
          if (this.tracing) this.line(indent, formatActions([a]));
          // Its actions print at this level, as ofproto/trace prints them; the packet and action set are saved to put back.
          const c = this.sp;
          const before = (this.frameBefore[c] ??= new PacketState());
          pk.saveTo(before);
          const outside = (this.cloneSets[c] ??= []);
          outside.length = 0;
          for (const x of this.actionSet) outside.push(x);
          this.push(a.actions, this.frameTable[f]!, level, 0, this.frameRule[f]);
          this.frameCloneSet[c] = outside;
          this.frameCloneRan[c] = false;
          this.frameCloneReversible[c] = !a.actions.some((x) => x.type === 'ct' || x.type === 'output_trunc');
          break;
        }
        case 'fin_timeout': {
          if (this.tracing) this.line(indent, formatActions([a]));
          const rule = this.frameRule[f];
          // OVS's xlate_fin_timeout: the flags the packet carries (TCP only), and only when the packet may change the bridge.
          if (this.effects && rule !== undefined && (pk.tcpFlags() & (TCP_FIN | TCP_RST)) !== 0) this.p.reduceTimeouts(rule, a.idleTimeout, a.hardTimeout);
          break;
        }
        case 'sample':
          if (this.tracing) this.line(indent, formatActions([a]));
          // OVS's datapath sample: probability/65535 scaled to 32 bits, compared with a 32-bit random draw.
          if (this.effects && (a.probability === 0xffff || this.p.random.nextUint32() <= ((a.probability << 16) | a.probability) >>> 0)) {
            this.p.samples.set(a.collectorSetId, (this.p.samples.get(a.collectorSetId) ?? 0) + 1);
          }
          break;
        case 'learn': {
          if (this.tracing) this.line(indent, a.learn.text);
          if (!this.effects) {
            if (this.tracing) this.line(indent, '>> suppressing side effects, so learn action ignored');
            break;
          }
          const rule = this.p.learn(a.learn, pk.words, this.now);
          if (this.tracing) this.line(indent, `-> table=${rule.table} ${rule.matchText ? `${rule.matchText} ` : ''}priority=${rule.priority} actions=${rule.actionsText}`);
          break;
        }
      }
    }
  }

  /** bundle's member_enabled: a port of this switch that is up (OVS's may_enable). */
  private readonly memberLive = (port: number): boolean => this.p.port(port) !== undefined && this.p.portLive(port);

  /**
   * A number multipath or bundle_load chose, loaded into a subfield as OVS's nxm_reg_load does
   * (registers and metadata without BigInt), and traced as xlate_report_subfield does.
   */
  private load(dst: SubField, value: number, indent: number): void {
    const pk = this.packet;
    if (dst.field.pipeline && dst.bits <= 32) writeBits(pk.words, dst.field, dst.start, dst.bits, value);
    else {
      if (this.unmet(dst.field, indent)) return;
      pk.setField(dst.field, BigInt(value) << BigInt(dst.start), ((1n << BigInt(dst.bits)) - 1n) << BigInt(dst.start));
    }
    if (this.tracing) {
      const now = subfield(pk.words, dst);
      this.line(indent, ` -> ${subText(dst)} is now ${now === 0n ? '0' : `0x${now.toString(16)}`}`);
    }
  }

  /**
   * A field an action would write or read that the packet does not have (a bucket's, or an
   * OpenFlow 1.0 flow's whose match does not prove it): as OVS's xlate does, the action is skipped.
   */
  private unmet(field: FieldDef, indent: number): boolean {
    const w = this.packet.words;
    // nw_src and nw_dst are IPv4's here (OVS's ipv4_src and ipv4_dst; ARP's addresses are fields of their own).
    const needs = field.prerequisite === 'ipv4-or-arp' ? 'ipv4' : field.prerequisite;
    if (prerequisiteHolds(w[W.DL_TYPE], w[W.NW_PROTO], needs, w[W.TP_SRC], w[W.TP_DST], w[W.NW_FRAG])) return false;
    if (this.tracing) this.line(indent, `>> unmet prerequisites for ${field.name}, ignored`);
    return true;
  }

  /**
   * Runs the packet through a meter: a drop band ends its way (the action set does not run), a
   * dscp_remark band raises its drop precedence. Returns false when it was dropped.
   */
  private meter(id: number, indent: number): boolean {
    const pk = this.packet;
    if (this.tracing) this.line(indent, `meter:${id}`);
    // Without side effects (ofproto/trace) no bucket is spent: the packet passes.
    const band = this.effects ? this.p.meters.run(id, pk.bytes.length, this.now) : undefined;
    if (band === undefined) return true;
    const index = this.p.meters.get(id)!.bands.indexOf(band);
    if (band.type === 'drop') {
      if (this.tracing) this.line(indent, `>> meter ${id} band ${index} (drop, rate ${band.rate}) exceeded: dropped`);
      this.meterDrop = { meter: id, band: index };
      return false;
    }
    const type = pk.words[W.DL_TYPE];
    const tos = pk.words[W.NW_TOS]!;
    const remarked = type === 0x0800 || type === 0x86dd ? remarkedTos(tos, band.precLevel) : tos;
    if (this.tracing) this.line(indent, `>> meter ${id} band ${index} (dscp_remark, rate ${band.rate}) exceeded: DSCP ${tos >> 2}${remarked === tos ? ' unchanged' : ` -> ${remarked >> 2}`}`);
    if (remarked !== tos) pk.setField(IP_DSCP, BigInt(remarked >> 2), 0x3fn);
    return true;
  }

  private toController(maxLen: number, cause: PacketInCause): void {
    const pk = this.packet;
    const w = pk.words;
    // OVS meters what goes to the controller by OFPM_CONTROLLER; a dropped packet-in is not sent.
    if (this.effects && this.p.meters.get(OFPM_CONTROLLER) !== undefined) {
      const band = this.p.meters.run(OFPM_CONTROLLER, pk.bytes.length, this.now);
      if (band?.type === 'drop') {
        if (this.tracing) this.line(0, `>> controller meter band ${this.p.meters.get(OFPM_CONTROLLER)!.bands.indexOf(band)} exceeded: not sent to the controller`);
        return;
      }
    }
    pk.commit();
    this.outputs.push({ port: 'controller', bytes: pk.bytes.slice(0, Math.min(pk.bytes.length, maxLen)), tunId: w[W.TUN_ID + 1]!, tunDst: w[W.TUN_DST]!, tunIpv6Dst: tunIpv6Dst(w), queue: pk.queue, packetIn: cause });
  }

  private output(port: number, indent: number): void {
    const pk = this.packet;
    if (port === pk.words[W.IN_PORT]) {
      if (this.tracing) this.line(indent, '>> skipping output to input port');
      return;
    }
    if (this.p.port(port) === undefined) {
      if (this.tracing) this.line(indent, '>> Nonexistent output port');
      return;
    }
    this.emit(port, pk.bytes);
  }

  /**
   * NORMAL's outputs, each with its VLAN header committed against what the previous one left; after
   * them the flow's own headers come back the same way, so a later output sees what OVS's does
   * (a tag popped and pushed again has lost its DEI).
   */
  private normal(outputs: readonly NormalOutput[]): void {
    if (outputs.length === 0) return;
    const pk = this.packet;
    const tpid0 = pk.vlanTpid(0);
    const tci0 = pk.vlanTci(0);
    const tpid1 = pk.vlanTpid(1);
    const tci1 = pk.vlanTci(1);
    const first = this.outputs.length;
    for (const out of outputs) {
      if (out.tci === 0) pk.setVlans(0, 0, 0, 0);
      else pk.setVlans(out.tpid, out.tci, tpid1, tci1);
      this.emit(out.port, pk.bytes);
    }
    pk.setVlans(tpid0, tci0, tpid1, tci1);
    // Committed in OVS's order (highest port first as seen), listed lowest first.
    reverseFrom(this.outputs, first);
  }

  private emit(port: number, bytes: Uint8Array): void {
    const pk = this.packet;
    pk.commit();
    this.committedLength = pk.bytes.length;
    const w = pk.words;
    this.outputs.push({ port, bytes: bytes.slice(), tunId: w[W.TUN_ID + 1]!, tunDst: w[W.TUN_DST]!, tunIpv6Dst: tunIpv6Dst(w), queue: pk.queue });
  }
}

const TUN_IPV6_DST = fieldByName('tun_ipv6_dst')!;

/** tun_ipv6_dst from the flow words; most packets have none, and are spared the BigInt. */
function tunIpv6Dst(w: Uint32Array): bigint {
  const at = W.TUN_IPV6_DST;
  return (w[at]! | w[at + 1]! | w[at + 2]! | w[at + 3]!) === 0 ? 0n : readField(w, TUN_IPV6_DST);
}

function reverseFrom<T>(xs: T[], from: number): void {
  for (let i = from, j = xs.length - 1; i < j; i++, j--) {
    const x = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = x;
  }
}

/**
 * The action list an action set runs, as OVS's ofpacts_execute_action_set builds it from the
 * actions written in order: the last pop_vlan, pop_mpls, push_mpls, push_vlan, dec_ttl and
 * dec_mpls_ttl, in that order; then every
 * set-field, load, move and mod_* in written order; the last set_queue; then one final action — the last group,
 * else the last output (output, in_port, NORMAL, FLOOD, ALL, controller, TABLE), else the last
 * resubmit, else the last ct_clear, else the last ct. With no final action nothing runs at all. A group bucket's actions run this way too.
 */
export function actionSetList(set: readonly Action[]): Action[] {
  let pop: Action | undefined;
  let push: Action | undefined;
  let decTtl: Action | undefined;
  let popMpls: Action | undefined;
  let pushMpls: Action | undefined;
  let decMplsTtl: Action | undefined;
  let group: Action | undefined;
  let output: Action | undefined;
  let resubmit: Action | undefined;
  let queue: Action | undefined;
  let ct: Action | undefined;
  let ctClear: Action | undefined;
  const sets: Action[] = [];
  for (const a of set) {
    switch (a.type) {
      case 'pop_vlan':
        pop = a;
        break;
      case 'push_vlan':
        push = a;
        break;
      case 'mod_vlan':
        // Written as push_vlan:0x8100 then set_field:…->vlan_vid, and classified as those two.
        if (a.push) push = { type: 'push_vlan', tpid: 0x8100 };
        sets.push(a.push ? { ...a, push: false } : a);
        break;
      case 'dec_ttl':
        decTtl = a;
        break;
      case 'pop_mpls':
        popMpls = a;
        break;
      case 'push_mpls':
        pushMpls = a;
        break;
      case 'dec_mpls_ttl':
        decMplsTtl = a;
        break;
      case 'set_field':
      case 'load':
      case 'move':
      case 'set_ttl':
        sets.push(a);
        break;
      case 'output':
      case 'in_port':
      case 'normal':
      case 'flood':
      case 'all':
      case 'controller':
        output = a;
        break;
      case 'resubmit':
        if (a.outputTable) output = a;
        else resubmit = a;
        break;
      case 'group':
        group = a;
        break;
      case 'set_queue':
        queue = a;
        break;
      case 'ct':
        ct = a;
        break;
      case 'ct_clear':
        ctClear = a;
        break;
      default:
        // The parser refuses every other action inside write_actions; in a bucket, OVS drops enqueue and pop_queue too.
        break;
    }
  }
  const final = group ?? output ?? resubmit ?? ctClear ?? ct;
  if (final === undefined) return [];
  const list: Action[] = [];
  if (pop) list.push(pop);
  if (popMpls) list.push(popMpls);
  if (pushMpls) list.push(pushMpls);
  if (push) list.push(push);
  if (decTtl) list.push(decTtl);
  if (decMplsTtl) list.push(decMplsTtl);
  for (const s of sets) list.push(s);
  if (queue) list.push(queue);
  list.push(final);
  return list;
}

/** Bits `off .. off+n-1` of a learn source (a subfield of the packet's words, or a constant). */
function sourceBits(src: LearnSource, words: Uint32Array, off: number, n: number): number {
  if ('value' in src) return (Number((src.value >> BigInt(off)) & 0xffffffffn) & (n >= 32 ? 0xffffffff : 2 ** n - 1)) >>> 0;
  return readBits(words, src.sub.field, src.sub.start + off, n);
}

/** True when `rule` is what `spec` would make from these words now (its match is already known equal). */
function sameLearned(rule: Rule, spec: LearnSpec, words: Uint32Array): boolean {
  if (rule.idleTimeout !== spec.idleTimeout || rule.hardTimeout !== spec.hardTimeout || rule.cookie !== spec.cookie) return false;
  if (rule.actions.length !== spec.actions.length) return false;
  for (let i = 0; i < spec.actions.length; i++) {
    const want = spec.actions[i]!;
    const have = rule.actions[i]!;
    if (want.kind === 'output') {
      if (have.type !== 'output' || have.port !== sourceBits({ sub: want.src }, words, 0, Math.min(want.src.bits, 32))) return false;
      continue;
    }
    if (have.type !== 'load' || !sameSubField(have.dst, want.dst)) return false;
    if (want.dst.bits <= 32) {
      if (Number(have.value) !== sourceBits(want.src, words, 0, want.dst.bits)) return false;
    } else if (have.value !== ('value' in want.src ? want.src.value : subfield(words, want.src.sub))) return false;
  }
  return true;
}

function sameSubField(a: SubField, b: SubField): boolean {
  return a.field === b.field && a.start === b.start && a.bits === b.bits;
}

/** The flow a learn action adds: `match` (built from the packet, copied here) and actions with values taken from the packet now. */
function learned(spec: LearnSpec, match: Match, words: Uint32Array): Rule {
  const own = new Match();
  own.values.set(match.values);
  own.masks.set(match.masks);
  const value = (src: LearnSource) => ('value' in src ? src.value : subfield(words, src.sub));
  const actions: Action[] = spec.actions.map((a): Action =>
    a.kind === 'load' ? { type: 'load', dst: a.dst, value: value(a.src) } : { type: 'output', port: readBits(words, a.src.field, a.src.start, Math.min(a.src.bits, 32)) },
  );
  return {
    table: spec.table, priority: spec.priority, cookie: spec.cookie, idleTimeout: spec.idleTimeout, hardTimeout: spec.hardTimeout,
    match: own, matchText: formatMatch(own), actions, actionsText: formatActions(actions, own), packets: 0, bytes: 0, created: 0, modified: 0, lastUsed: 0,
  };
}

/** The words resubmit(…,ct) swaps: the packet's addresses, protocol and ports, and the connection's, pairwise. */
const TUPLE_WORDS: readonly (readonly [number, number])[] = [
  [W.NW_SRC, W.CT_NW_SRC], [W.NW_DST, W.CT_NW_DST], [W.NW_PROTO, W.CT_NW_PROTO], [W.TP_SRC, W.CT_TP_SRC], [W.TP_DST, W.CT_TP_DST],
  ...[0, 1, 2, 3].flatMap((i) => [[W.IPV6_SRC + i, W.CT_IPV6_SRC + i], [W.IPV6_DST + i, W.CT_IPV6_DST + i]] as const),
];

/** Puts the connection's original tuple in the packet's place, keeping the packet's in `save`; run twice, it puts them back. */
function swapTuple(words: Uint32Array, save: Uint32Array): void {
  for (let i = 0; i < TUPLE_WORDS.length; i++) {
    const [own, ct] = TUPLE_WORDS[i]!;
    save[i] = words[own]!;
    words[own] = words[ct]!;
    words[ct] = save[i]!;
  }
}

function subfield(words: Uint32Array, s: SubField): bigint {
  return (readField(words, s.field) >> BigInt(s.start)) & ((1n << BigInt(s.bits)) - 1n);
}
