/**
 * The OpenFlow pipeline of one switch: tables of rules (add, modify, delete — strict or not, by
 * cookie), lookup, and action execution with Open vSwitch's semantics: output to the input port
 * is skipped unless `in_port` names it, flood and all never send back out the input port,
 * `dec_ttl` at TTL 0 or 1 abandons the rest of its action list, resubmit returns and is limited
 * in depth (64) and count (4,096), goto_table moves on, the action set written by write_actions
 * runs at the end. Every decision is recorded as an ofproto/trace-style line.
 */
import { Classifier } from './classifier.js';
import { W } from './fields.js';
import { Match, type Action, type LearnSource, type LearnSpec, type Rule, type SubField } from './flow.js';
import { OFPP_IN_PORT, formatActions, formatMatch, setWords } from './ofctl.js';
import { SwitchPacket, readWords } from './packet.js';
import { NormalSwitching, type PortConfig } from './normal.js';

export const MAX_RESUBMIT_DEPTH = 64;
export const MAX_RESUBMITS = 4096;

export interface Output {
  port: number | 'controller';
  bytes: Uint8Array;
  /** tun_id (low 32 bits) and tun_dst when it was output, for tunnel ports taking them from the flow. */
  tunId: number;
  tunDst: number;
}

export interface PipelineResult {
  outputs: Output[];
  /** ofproto/trace-style lines. */
  trace: string[];
  packet: SwitchPacket;
}

export interface PipelinePort extends PortConfig {
  number: number;
  name: string;
  /** Excluded from flood (OFPPC_NO_FLOOD). */
  noFlood?: boolean;
}

export class Pipeline {
  private readonly tables = new Map<number, Classifier>();
  /** Tables whose misses go to the controller (OpenFlow table-miss). */
  readonly missToController = new Set<number>();
  readonly normal: NormalSwitching;
  private readonly portNumbers = new Map<number, PipelinePort>();

  constructor(readonly ports: readonly PipelinePort[]) {
    for (const p of ports) this.portNumbers.set(p.number, p);
    this.normal = new NormalSwitching(ports);
  }

  table(id: number): Classifier {
    let t = this.tables.get(id);
    if (t === undefined) {
      t = new Classifier();
      this.tables.set(id, t);
    }
    return t;
  }

  /** Adds a rule; one with the same table, priority and match replaces the old (its counters reset). */
  add(rule: Rule, now: number): void {
    const t = this.table(rule.table);
    for (const r of t.rules()) if (r.priority === rule.priority && r.match.equals(rule.match)) t.remove(r);
    rule.created = now;
    rule.lastUsed = now;
    t.insert(rule);
  }

  /**
   * Rules selected as ovs-ofctl does: strict means same priority and match; otherwise every rule
   * whose match is within `match`. A cookie mask of 0 selects any cookie.
   */
  select(table: number | undefined, match: Match, options: { strict?: boolean; priority?: number; cookie?: bigint; cookieMask?: bigint } = {}): Rule[] {
    const out: Rule[] = [];
    const tables = table === undefined ? [...this.tables.values()] : [this.table(table)];
    for (const t of tables) {
      for (const r of t.rules()) {
        if (options.cookieMask && (r.cookie & options.cookieMask) !== ((options.cookie ?? 0n) & options.cookieMask)) continue;
        if (options.strict ? r.priority === options.priority && r.match.equals(match) : r.match.within(match)) out.push(r);
      }
    }
    return out;
  }

  /** Replaces the actions of the selected rules (counters kept). */
  modify(rules: Rule[], actions: Action[]): void {
    for (const r of rules) {
      r.actions = actions;
      r.actionsText = formatActions(actions);
    }
  }

  delete(rules: Rule[]): void {
    for (const r of rules) this.table(r.table).remove(r);
  }

  /** Removes rules whose idle or hard timeout has passed at `now` (ns). */
  expire(now: number): Rule[] {
    const gone: Rule[] = [];
    for (const t of this.tables.values()) {
      for (const r of t.rules()) {
        if ((r.hardTimeout > 0 && now - r.created >= r.hardTimeout * 1e9) || (r.idleTimeout > 0 && now - r.lastUsed >= r.idleTimeout * 1e9)) {
          t.remove(r);
          gone.push(r);
        }
      }
    }
    return gone;
  }

  allRules(): Rule[] {
    return [...this.tables.keys()].sort((a, b) => a - b).flatMap((id) => this.tables.get(id)!.rules());
  }

  /** Runs one packet through the tables from table 0; `trace` records ofproto/trace-style lines. */
  process(packet: SwitchPacket, now: number, trace = false): PipelineResult {
    const x = new Translation(this, packet, now, trace);
    x.runTable(0, 0);
    if (x.actionSet.length > 0 && !x.stopped) {
      if (x.tracing) x.line(0, 'Action set:');
      x.execute(x.actionSet, 0, 0);
    }
    return { outputs: x.outputs, trace: x.trace, packet };
  }

  port(number: number): PipelinePort | undefined {
    return this.portNumbers.get(number);
  }
}

/** One packet's way through the pipeline (OVS's xlate context). */
class Translation {
  readonly outputs: Output[] = [];
  readonly trace: string[] = [];
  actionSet: Action[] = [];
  resubmits = 0;
  stopped = false;

  constructor(
    private readonly p: Pipeline,
    private readonly packet: SwitchPacket,
    private readonly now: number,
    /** Whether to record trace lines (text is built only then). */
    readonly tracing: boolean,
  ) {}

  /** Writes a trace line at an indentation in columns. */
  line(indent: number, text: string): void {
    this.trace.push(`${' '.repeat(indent)}${text}`);
  }

  /**
   * ofproto/trace's layout: a table visited at resubmit depth d starts at column 0 (d = 0) or
   * 4 + 8(d - 1), and its actions are indented 4 (d = 0) or 8 further.
   */
  private static tableIndent(depth: number): number {
    return depth === 0 ? 0 : 4 + 8 * (depth - 1);
  }

  private static actionIndent(depth: number): number {
    return depth === 0 ? 4 : Translation.tableIndent(depth) + 8;
  }

  runTable(tableId: number, depth: number): void {
    const words = this.packet.words;
    const rule = this.p.table(tableId).lookup(words);
    const tableAt = Translation.tableIndent(depth);
    if (rule === undefined) {
      if (this.tracing) this.line(tableAt, `${String(tableId).padStart(2)}. No match.`);
      if (this.p.missToController.has(tableId)) {
        if (this.tracing) this.line(Translation.actionIndent(depth), 'CONTROLLER (table miss)');
        this.output('controller', Translation.actionIndent(depth));
      } else if (this.tracing) this.line(Translation.actionIndent(depth), 'drop');
      return;
    }
    rule.packets++;
    rule.bytes += this.packet.bytes.length;
    rule.lastUsed = this.now;
    const match = rule.matchText || '';
    if (this.tracing) this.line(tableAt, `${String(tableId).padStart(2)}. ${match}${match ? ', ' : ''}priority ${rule.priority}${rule.cookie ? `, cookie 0x${rule.cookie.toString(16)}` : ''}`);
    const gotoTable = this.execute(rule.actions, depth, tableId);
    if (gotoTable !== undefined && !this.stopped) this.runTable(gotoTable, depth);
  }

  /** Runs an action list of a table visited at `tableDepth`; returns the goto_table target, if any. */
  execute(actions: readonly Action[], tableDepth: number, tableId: number): number | undefined {
    const pk = this.packet;
    const depth = Translation.actionIndent(tableDepth);
    let gotoTable: number | undefined;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      switch (a.type) {
        case 'output':
          if (this.tracing) this.line(depth, `output:${a.port}`);
          this.output(a.port, depth);
          break;
        case 'output_reg': {
          const port = Number(subfield(pk.words, a.src));
          if (this.tracing) this.line(depth, `output:${port}`);
          this.output(port, depth);
          break;
        }
        case 'in_port':
          if (this.tracing) this.line(depth, 'IN_PORT');
          this.emit(pk.words[W.IN_PORT]!, pk.bytes);
          break;
        case 'normal':
          if (this.tracing) this.line(depth, 'NORMAL');
          for (const out of this.p.normal.forward(pk, this.now, this.tracing ? (text: string) => this.line(depth + 4, text) : undefined)) this.emit(out.port, out.bytes);
          break;
        case 'flood':
        case 'all':
          if (this.tracing) this.line(depth, a.type === 'flood' ? 'FLOOD' : 'ALL');
          for (const port of this.p.ports) {
            if (port.number === pk.words[W.IN_PORT] || (a.type === 'flood' && port.noFlood)) continue;
            this.emit(port.number, pk.bytes);
          }
          break;
        case 'controller':
          if (this.tracing) this.line(depth, `controller(reason=${a.reason},max_len=${a.maxLen})`);
          this.emit('controller', pk.bytes.subarray(0, Math.min(pk.bytes.length, a.maxLen)));
          break;
        case 'drop':
          break;
        case 'push_vlan':
          if (this.tracing) this.line(depth, `push_vlan:0x${a.tpid.toString(16)}`);
          pk.pushVlan(a.tpid);
          break;
        case 'pop_vlan':
          if (this.tracing) this.line(depth, 'pop_vlan');
          pk.popVlan();
          break;
        case 'mod_vlan':
          if (a.push) {
            if (this.tracing) this.line(depth, 'push_vlan:0x8100');
            pk.pushVlan(0x8100);
          }
          if (this.tracing) this.line(depth, `set_field:${a.what === 'vid' ? `${0x1000 | a.value}->vlan_vid` : `${a.value}->vlan_pcp`}`);
          pk.setVlan(a.what, a.value);
          break;
        case 'set_field':
          if (this.tracing) this.line(depth, formatActions([a]));
          pk.setField(a.field, a.value, a.mask);
          break;
        case 'load': {
          if (this.tracing) this.line(depth, formatActions([a]));
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          pk.setField(a.dst.field, a.value << BigInt(a.dst.start), mask);
          break;
        }
        case 'move': {
          if (this.tracing) this.line(depth, formatActions([a]));
          const value = subfield(pk.words, a.src);
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          pk.setField(a.dst.field, value << BigInt(a.dst.start), mask);
          break;
        }
        case 'dec_ttl': {
          if (this.tracing) this.line(depth, 'dec_ttl');
          const type = pk.words[W.DL_TYPE];
          if (type !== 0x0800 && type !== 0x86dd) break;
          const ttl = pk.words[W.NW_TTL]!;
          if (ttl <= 1) {
            // OVS: the rest of this action list is abandoned; the packet would go to a controller (invalid_ttl).
            if (this.tracing) this.line(depth, `>> ${type === 0x0800 ? 'IPv4' : 'IPv6'} decrement TTL exception`);
            return undefined;
          }
          pk.setTtl(ttl - 1);
          break;
        }
        case 'set_ttl':
          if (this.tracing) this.line(depth, `mod_nw_ttl:${a.ttl}`);
          pk.setTtl(a.ttl);
          break;
        case 'resubmit': {
          const table = a.table ?? tableId;
          if (tableDepth + 1 >= MAX_RESUBMIT_DEPTH || ++this.resubmits > MAX_RESUBMITS) {
            if (this.tracing) this.line(depth, `>> over ${tableDepth + 1 >= MAX_RESUBMIT_DEPTH ? `max translation depth ${MAX_RESUBMIT_DEPTH}` : `${MAX_RESUBMITS} resubmit actions`}`);
            this.stopped = true;
            return undefined;
          }
          const saved = pk.words[W.IN_PORT]!;
          if (a.port !== undefined && a.port !== OFPP_IN_PORT) pk.words[W.IN_PORT] = a.port;
          if (this.tracing) this.line(depth, formatActions([a]));
          // A resubmit that is the last action is a tail call: ofproto/trace prints it flat.
          this.runTable(table, i === actions.length - 1 ? tableDepth : tableDepth + 1);
          pk.words[W.IN_PORT] = saved;
          if (this.stopped) return undefined;
          break;
        }
        case 'goto_table':
          gotoTable = a.table;
          if (this.tracing) this.line(depth, `goto_table:${a.table}`);
          break;
        case 'write_metadata': {
          if (this.tracing) this.line(depth, formatActions([a]));
          const hi = Number((a.value >> 32n) & 0xffffffffn);
          const lo = Number(a.value & 0xffffffffn);
          const mhi = Number((a.mask >> 32n) & 0xffffffffn);
          const mlo = Number(a.mask & 0xffffffffn);
          pk.words[W.METADATA] = ((pk.words[W.METADATA]! & ~mhi) | (hi & mhi)) >>> 0;
          pk.words[W.METADATA + 1] = ((pk.words[W.METADATA + 1]! & ~mlo) | (lo & mlo)) >>> 0;
          break;
        }
        case 'clear_actions':
          if (this.tracing) this.line(depth, 'clear_actions');
          this.actionSet = [];
          break;
        case 'write_actions':
          if (this.tracing) this.line(depth, formatActions([a]));
          this.actionSet = mergeActionSet(this.actionSet, a.actions);
          break;
        case 'learn': {
          const rule = learned(a.learn, pk.words);
          this.p.add(rule, this.now);
          if (this.tracing) {
            this.line(depth, a.learn.text);
            this.line(depth, ` -> table=${rule.table} ${rule.matchText ? `${rule.matchText} ` : ''}priority=${rule.priority} actions=${rule.actionsText}`);
          }
          break;
        }
      }
    }
    return gotoTable;
  }

  private output(port: number | 'controller', depth: number): void {
    const pk = this.packet;
    if (port === 'controller') {
      this.emit('controller', pk.bytes);
      return;
    }
    if (port === pk.words[W.IN_PORT]) {
      if (this.tracing) this.line(depth, '>> skipping output to input port');
      return;
    }
    if (this.p.port(port) === undefined) {
      if (this.tracing) this.line(depth, `>> no port ${port}`);
      return;
    }
    this.emit(port, pk.bytes);
  }

  private emit(port: number | 'controller', bytes: Uint8Array): void {
    const w = this.packet.words;
    this.outputs.push({ port, bytes: bytes.slice(), tunId: w[W.TUN_ID + 1]!, tunDst: w[W.TUN_DST]! });
  }
}

/** The flow a learn action adds, with values taken from the packet now. */
function learned(spec: LearnSpec, words: Uint32Array): Rule {
  const value = (src: LearnSource) => ('value' in src ? src.value : subfield(words, src.sub));
  const match = new Match();
  for (const m of spec.matches) {
    const mask = ((1n << BigInt(m.dst.bits)) - 1n) << BigInt(m.dst.start);
    setWords(match, m.dst.field, value(m.src) << BigInt(m.dst.start), mask);
  }
  const actions: Action[] = spec.actions.map((a): Action =>
    a.kind === 'load' ? { type: 'load', dst: a.dst, value: value(a.src) } : { type: 'output', port: Number(subfield(words, a.src)) },
  );
  return {
    table: spec.table, priority: spec.priority, cookie: spec.cookie, idleTimeout: spec.idleTimeout, hardTimeout: spec.hardTimeout,
    match, matchText: formatMatch(match), actions, actionsText: formatActions(actions), packets: 0, bytes: 0, created: 0, lastUsed: 0,
  };
}

function subfield(words: Uint32Array, s: SubField): bigint {
  return (readWords(words, s.field) >> BigInt(s.start)) & ((1n << BigInt(s.bits)) - 1n);
}

/** OpenFlow's action set keeps one action per type; a later write replaces the earlier. */
function mergeActionSet(set: Action[], written: Action[]): Action[] {
  const out = set.filter((a) => !written.some((w) => w.type === a.type && !(w.type === 'set_field' && a.type === 'set_field' && w.field !== a.field)));
  return [...out, ...written].sort((a, b) => (a.type === 'output' ? 1 : 0) - (b.type === 'output' ? 1 : 0));
}
