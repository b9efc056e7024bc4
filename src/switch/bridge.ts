/**
 * A bridge: the pipeline, its ports, and the flow-table API a topology file, a flow file or a
 * controller uses (add, modify, delete strict or not, by cookie; dump-flows), and the group
 * table's (add-group, mod-group, del-groups, dump-groups, dump-group-stats) and the meter
 * table's (add-meter, mod-meter, del-meters, dump-meters, meter-stats). Free of the
 * simulation, so `netloom flows trace` and tests can drive it directly.
 */
import {
  FlowFileError, FlowSyntaxError, OFPP_LOCAL, formatGroup, formatGroupStats, formatMeter, formatMeterStats, formatRule, parseFlow, parseGroup, parseGroupSelector, parseMeter,
  parseMeterSelector, parseSelector, type ParseOptions, type Protocols,
} from './ofctl.js';
import { Pipeline, type FragsMode, type PipelinePort, type PipelineResult } from './pipeline.js';
import { macToNumber } from '../wire/addresses.js';
import { SwitchPacket } from './packet.js';
import { GroupError } from './group.js';
import type { LearnedMac } from './normal.js';
import { MeterError, type Meter } from './meter.js';
import type { Action, Group, Rule } from './flow.js';

export class Bridge {
  readonly pipeline: Pipeline;
  private readonly parseOptions: ParseOptions;

  readonly ports: readonly PipelinePort[];

  /**
   * `ports` are the bridge's OpenFlow ports; LOCAL, the bridge's own port named as the bridge,
   * is added as Open vSwitch's bridges have it (NORMAL, flood and all send there), unless `local`
   * is false (a table that stands for something else, such as a tenant's virtual switch).
   */
  constructor(
    readonly name: string,
    ports: readonly PipelinePort[],
    options: { enforceTimeouts?: boolean; protocols?: Protocols; frags?: FragsMode; local?: boolean } = {},
  ) {
    this.ports = options.local === false || ports.some((p) => p.number === OFPP_LOCAL) ? ports : [...ports, { number: OFPP_LOCAL, name }];
    this.pipeline = new Pipeline(this.ports, options.enforceTimeouts ?? true);
    if (options.frags !== undefined) this.pipeline.frags = options.frags;
    this.parseOptions = { ports: new Map(this.ports.map((p) => [p.name, p.number])), ...(options.protocols !== undefined && { protocols: options.protocols }) };
  }

  /**
   * Parses and adds one flow (`ovs-ofctl add-flow` syntax); `where` names its origin in errors.
   * A flow using a group or a meter that does not exist is refused (GroupError, MeterError), as OVS refuses it.
   */
  addFlow(text: string, now = 0, where?: string): Rule {
    const rule = parseFlow(text, { ...this.parseOptions, ...(where !== undefined && { where }) });
    this.requireGroups(rule.actions);
    this.requireMeter(rule.meter);
    this.pipeline.add(rule, now);
    return rule;
  }

  /** Flow-file text: one flow per line; blank lines and # comments skipped. All parse before any is added. */
  addFlows(text: string, file = 'flows', now = 0): Rule[] {
    const rules = this.parseFlows(text, file);
    for (const r of rules) this.fileRules.add(r);
    for (const r of rules) this.pipeline.add(r, now);
    return rules;
  }

  /** Flows from a file, kept apart from flows added since (by learn): a saved state lists only the latter as flows to add again. */
  private readonly fileRules = new WeakSet<Rule>();

  private parseFlows(text: string, file: string): Rule[] {
    const rules: Rule[] = [];
    const bad: FlowSyntaxError[] = [];
    text.split('\n').forEach((line, i) => {
      // Leading white space stays, so an error's column is the line's own.
      const flow = line.trimEnd();
      if (flow.trim() === '' || flow.trimStart().startsWith('#')) return;
      try {
        rules.push(parseFlow(flow, { ...this.parseOptions, where: `${file}:${i + 1}` }));
      } catch (error) {
        if (!(error instanceof FlowSyntaxError)) throw error;
        bad.push(error);
      }
    });
    // One bad line is its own error; several are reported together.
    if (bad.length === 1) throw bad[0]!;
    if (bad.length > 1) throw new FlowFileError(bad);
    for (const r of rules) {
      this.requireGroups(r.actions);
      this.requireMeter(r.meter);
    }
    return rules;
  }

  /**
   * ovs-ofctl mod-flows: replaces the actions of the selected flows (strict: same priority and
   * match; otherwise every flow the match covers), keeping their counters. Returns how many.
   * `cookie=V/MASK` selects by cookie; a cookie without a mask is ignored (OpenFlow 1.1+).
   */
  modFlows(text: string, strict = false): number {
    const s = parseSelector(text, this.parseOptions, 'mod-flows');
    this.requireGroups(s.rule.actions);
    this.requireMeter(s.rule.meter);
    const rules = this.pipeline.select(s.table, s.rule.match, { strict, priority: s.rule.priority, cookie: s.rule.cookie, cookieMask: s.cookieMask });
    this.pipeline.modify(rules, s.rule.actions, s.rule.meter);
    return rules.length;
  }

  /** ovs-ofctl del-flows (strict or not, by cookie/mask); returns how many were deleted. */
  delFlows(text = '', strict = false): number {
    const s = parseSelector(text, this.parseOptions, 'del-flows');
    const rules = this.pipeline.select(s.table, s.rule.match, { strict, priority: s.rule.priority, cookie: s.rule.cookie, cookieMask: s.cookieMask });
    this.pipeline.delete(rules);
    return rules.length;
  }

  /** ovs-ofctl add-group: `group_id=1,type=all,bucket=output:1,bucket=output:2`. Refused as OVS refuses it (FlowSyntaxError, GroupError). */
  addGroup(text: string, now = 0): Group {
    const group = parseGroup(text, this.parseOptions);
    this.pipeline.addGroup(group, now);
    return group;
  }

  /** ovs-ofctl mod-group: new type and buckets for a group that exists (its counters start again). */
  modGroup(text: string): Group {
    const group = parseGroup(text, this.parseOptions);
    this.pipeline.modifyGroup(group);
    return group;
  }

  /** ovs-ofctl del-groups (`group_id=N`, or all of them): the flows that use a deleted group go too. Returns how many groups were deleted. */
  delGroups(text = ''): number {
    return this.pipeline.deleteGroups(parseGroupSelector(text, this.parseOptions)).groups.length;
  }

  /** `ovs-ofctl -O OpenFlow13 dump-groups` output, without its header line. */
  dumpGroups(): string {
    return this.pipeline.allGroups().map(formatGroup).join('\n');
  }

  /** `ovs-ofctl -O OpenFlow13 dump-group-stats` output at `now`, without its header line. */
  dumpGroupStats(now = 0): string {
    return this.pipeline.allGroups().map((g) => formatGroupStats(g, this.pipeline.groupRefs(g.id), now)).join('\n');
  }

  /** ovs-ofctl add-meter: `meter=1 kbps burst stats bands=type=drop rate=1000 burst_size=100`. Refused as OVS refuses it (FlowSyntaxError, MeterError). */
  addMeter(text: string, now = 0): Meter {
    const meter = parseMeter(text, this.parseOptions);
    this.pipeline.meters.add(meter, now);
    return meter;
  }

  /** Meter-file text: one meter per line (add-meter syntax); blank lines and # comments skipped. Each is added as it is read; a bad line is a FlowSyntaxError at `file:line`. */
  addMeters(text: string, file = 'meters', now = 0): Meter[] {
    const meters: Meter[] = [];
    text.split('\n').forEach((line, i) => {
      const meter = line.trim();
      if (meter === '' || meter.startsWith('#')) return;
      const where = `${file}:${i + 1}`;
      const m = parseMeter(meter, { ...this.parseOptions, where });
      try {
        this.pipeline.meters.add(m, now);
      } catch (e) {
        throw e instanceof MeterError ? new MeterError(e.ofp, e.reason, where) : e;
      }
      meters.push(m);
    });
    return meters;
  }

  /** ovs-ofctl mod-meter: new flags and bands for a meter that exists (its counters and buckets start again). */
  modMeter(text: string, now = 0): Meter {
    const meter = parseMeter(text, this.parseOptions);
    this.pipeline.meters.modify(meter, now);
    return meter;
  }

  /** ovs-ofctl del-meters (`meter=N`, or all of them): the flows that use a deleted meter go too. Returns how many meters were deleted. */
  delMeters(text = ''): number {
    return this.pipeline.deleteMeters(parseMeterSelector(text, this.parseOptions)).meters.length;
  }

  /** `ovs-ofctl -O OpenFlow13 dump-meters` output, without its header line. */
  dumpMeters(): string {
    return this.pipeline.meters.all().map(formatMeter).join('\n');
  }

  /** `ovs-ofctl -O OpenFlow13 meter-stats` output at `now`, without its header line. */
  dumpMeterStats(now = 0): string {
    return this.pipeline.meters.all().map((m) => formatMeterStats(m, this.pipeline.meterFlows(m.id), now)).join('\n');
  }

  private requireMeter(meter: number | undefined): void {
    if (meter !== undefined && this.pipeline.meters.get(meter) === undefined) throw new MeterError('INVALID_METER', `the flow uses meter ${meter}, which does not exist`);
  }

  private requireGroups(actions: readonly Action[]): void {
    const missing = this.pipeline.missingGroup(actions);
    if (missing !== undefined) throw new GroupError('BAD_OUT_GROUP', `the flow uses group ${missing}, which does not exist`);
  }

  /**
   * Runs a frame arriving on `inPort` through the pipeline; `trace` records the ofproto/trace lines.
   * `effects` false is ofproto/trace without -generate: the bridge is left exactly as it was;
   * `ctNext` is its --ct-next (Pipeline.process).
   */
  process(inPort: number, bytes: Uint8Array, now = 0, trace = false, init?: (packet: SwitchPacket) => void, effects = true, ctNext: readonly number[] = []): PipelineResult {
    const packet = new SwitchPacket(bytes, inPort);
    init?.(packet);
    return this.pipeline.process(packet, now, trace, effects, ctNext);
  }

  /**
   * What a bridge kept across commands holds beyond its flow file, at `now`: the MACs NORMAL
   * learned, each flow's counters and times, and the flows learn actions added (as dump-flows
   * prints them, so they read back in). JSON-safe.
   */
  saveState(now: number): BridgeState {
    const flows = this.pipeline.allRules().map((r): SavedFlow => ({
      table: r.table, priority: r.priority, match: r.matchText, packets: r.packets, bytes: r.bytes, created: r.created, modified: r.modified, lastUsed: r.lastUsed,
      ...(!this.fileRules.has(r) && { flow: formatRule(r, r.created) }),
    }));
    return { netloom: 'flows-state', time: now, macs: this.pipeline.normal.learnedMacs(now), flows };
  }

  /**
   * Puts back a state saveState made (after the flow file was added): learned flows are added
   * again, counters and times go back to the flows they belong to, the MAC table is refilled.
   * A state that is not one is a FlowStateError naming the place.
   */
  loadState(state: unknown, file = 'state'): number {
    const bad = (where: string, what: string): never => {
      throw new FlowStateError(`${file}: ${where}: ${what}`);
    };
    const st = state as Partial<BridgeState> | null;
    if (typeof st !== 'object' || st === null || st.netloom !== 'flows-state') bad('(top)', 'not a netloom flows state file (no "netloom": "flows-state")');
    const time = st!.time;
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) bad('time', 'must be a number of nanoseconds, 0 or more');
    if (!Array.isArray(st!.macs)) bad('macs', 'must be a list');
    if (!Array.isArray(st!.flows)) bad('flows', 'must be a list');
    const count = (v: unknown, where: string): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : bad(where, 'must be a number, 0 or more'));
    st!.flows!.forEach((f, i) => {
      const at = `flows[${i}]`;
      if (typeof f !== 'object' || f === null) bad(at, 'must be an object');
      if (f.flow !== undefined) {
        if (typeof f.flow !== 'string') bad(`${at}.flow`, 'must be flow text');
        this.addFlow(f.flow, f.created, `${file} ${at}.flow`);
      }
      const rule = this.pipeline.table(count(f.table, `${at}.table`)).rules().find((r) => r.priority === f.priority && r.matchText === f.match);
      if (rule === undefined) return;
      rule.packets = count(f.packets, `${at}.packets`);
      rule.bytes = count(f.bytes, `${at}.bytes`);
      rule.created = count(f.created, `${at}.created`);
      rule.modified = count(f.modified, `${at}.modified`);
      rule.lastUsed = count(f.lastUsed, `${at}.lastUsed`);
    });
    const macs = st!.macs!.map((m, i) => {
      const at = `macs[${i}]`;
      if (typeof m !== 'object' || m === null || typeof m.mac !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(m.mac)) bad(at, 'must be {port, vlan, mac: "xx:xx:xx:xx:xx:xx", seen}');
      const bytes = Uint8Array.from(m.mac.split(':').map((h) => parseInt(h, 16)));
      return { port: count(m.port, `${at}.port`), vlan: count(m.vlan, `${at}.vlan`), mac: macToNumber(bytes, 0), seen: count(m.seen, `${at}.seen`) };
    });
    this.pipeline.normal.restore(macs);
    return time!;
  }

  /** `ovs-ofctl dump-flows` output at `now`; flows whose timeout has passed by then are removed first, as ovs-vswitchd would have. */
  dumpFlows(now = 0): string {
    this.pipeline.expire(now);
    return this.pipeline.allRules().map((r) => formatRule(r, now)).join('\n');
  }
}

/** A bridge state file that is not one (bad JSON, a field of the wrong kind), named by its place. */
export class FlowStateError extends Error {
  override readonly name = 'FlowStateError';
  readonly code = 'NETLOOM_FLOW_STATE';
}

/** One flow's counters and times in a saved state; `flow` (dump-flows text) for a flow a learn action added. */
export interface SavedFlow {
  table: number;
  priority: number;
  match: string;
  packets: number;
  bytes: number;
  created: number;
  modified: number;
  lastUsed: number;
  flow?: string;
}

/** What `netloom flows trace --state` keeps between commands (Bridge.saveState). */
export interface BridgeState {
  netloom: 'flows-state';
  /** Virtual time (ns) the next packet runs at. */
  time: number;
  macs: LearnedMac[];
  flows: SavedFlow[];
}
