/**
 * The isolation verifier of the tenant platform: it reads the flow tables installed on the
 * physical switches and proves, in the manner of header-space analysis (headerspace.ts), that no
 * packet a tenant's host can send — any header at all, forged sources included — leaves the
 * tenant, or else finds one that does and says how. It owns the symbolic run of the pipeline
 * (lookup in priority order, rewrites, goto_table, action sets, groups, resubmit, outputs, links
 * between switches, PACKET_INs) and the definition of a leak; it changes no switch, and the
 * topology glue (building and running the network, replaying a witness) lives in
 * topology/verify.ts.
 *
 * A header set starts at each edge port of each tenant (a port of the tenant whose link goes to
 * a host, not a switch, or its VLAN of a trunk to hosts): every header with in_port = that port
 * (and, on a trunk, the tenant's VLAN id), the pipeline's metadata, registers and tunnel fields
 * 0, as a switch starts them. Out of a trunk tenants share, a packet reaches the hosts of the
 * tenant whose VLAN it carries; untagged or in a VLAN no tenant has, hosts of no tenant. A packet of tenant t stays in t's
 * flowspace when
 *  - every lookup in table 1 or above sees t's tag in metadata's low 8 bits (the platform's
 *    classifier in table 0 tags it; tenant table n is physical table n+1);
 *  - on a link between switches it is IPv4 or ARP with both addresses in t's physical space
 *    t.0.0.0/8 (the next switch's table 0 classifies by the destination's top byte);
 *  - at a host it is IPv4 or ARP with both addresses in t's own (virtual) space;
 *  - a PACKET_IN carries t's tag.
 * A leak is one of
 *  - 'host': a packet of t reaches the host behind another tenant's edge port, or behind a port
 *    of a platform switch no tenant owns;
 *  - 'controller': a PACKET_IN carrying another tenant's tag, on a port that tenant has on that
 *    switch — the platform hands it to that tenant's controller (it drops other PACKET_INs);
 *  - 'flowspace': any other step out of t's flowspace above (a PACKET_IN the platform drops
 *    included: the rule is wrong even though nothing arrives).
 * The rule responsible is the one whose action first took the packet out of its flowspace (the
 * writer of a wrong tag, the rule outputting out-of-space addresses), else the one whose output
 * or controller action put it where it must not be.
 *
 * Sound over-approximations, each reported when used: NORMAL floods every port; select and fast
 * failover groups follow every bucket; a move from bits of unknown value, dec_ttl and pop_vlan
 * leave the bits they write unknown; output_reg from unknown bits goes to every port; a write a
 * group bucket may skip (prerequisites not proved) leaves its bits unknown; rules of equal
 * priority do not shadow each other; outputs stand even where the real pipeline would drop the
 * packet for passing its resubmit limits. Not followed, and reported as unverifiable with the
 * rule named: tunnel ports and flows a learn action may add. Loops end at a visited set of
 * (switch, in_port, header set) and at MAX_HOPS links, as the emulator drops such packets.
 */
import { W, FLOW_WORDS, fieldByName, type FieldDef } from '../switch/fields.js';
import { Match, type Action, type Rule } from '../switch/flow.js';
import { actionSetList, type Pipeline } from '../switch/pipeline.js';
import { OFPP_IN_PORT, formatMatch, formatRule, prerequisiteHolds } from '../switch/ofctl.js';
import { MAX_HOPS } from '../sim/network.js';
import { numberToIpv4, prefixMask } from '../hosts/addressing.js';
import { cube, cubeIntersection, cubesMeet, headerWidths, HeaderSet, sparse, type Cube } from './headerspace.js';
import { concretize, type ConcreteWitness } from './witness.js';
import type { TenantSpace } from './compile.js';

/** A port of a physical switch and what its link reaches. */
export interface VerifyPort {
  number: number;
  name: string;
  /** The far end of its link (none: not linked). */
  far?: { node: string; port: string; kind: 'switch' | 'host' | 'other' };
  tunnel: boolean;
}

export interface VerifySwitch {
  name: string;
  pipeline: Pipeline;
  ports: ReadonlyMap<number, VerifyPort>;
}

/**
 * A tenant as the verifier needs it: its space and its ports, each an edge (to a host) or a
 * link, with the write regions of its flowspace that hold on the port's virtual switch (in its
 * own addresses; none given: all of its traffic).
 */
export interface VerifyTenant {
  name: string;
  space: TenantSpace;
  ports: { switch: string; port: number; edge: boolean; regions?: readonly Match[]; vlan?: number }[];
}

/** The host behind an edge port, for witness frames: its interface, MAC and IPv4 address. */
export interface VerifyHost {
  node: string;
  port: string;
  mac: string;
  address: number | undefined;
}

export interface VerifyModel {
  switches: readonly VerifySwitch[];
  tenants: readonly VerifyTenant[];
  /** By "switch:ofport" of an edge port, "switch:ofport.vid" of a tenant's VLAN of a trunk (the sender: the trunk's far end, a host's MAC and address in that VLAN). */
  hosts: ReadonlyMap<string, VerifyHost>;
  /** Virtual time of the tables, ns. */
  now: number;
}

export type LeakKind = 'host' | 'controller' | 'flowspace';

/** A rule of a physical switch, as ovs-ofctl dump-flows prints it. */
export interface RuleRef {
  switch: string;
  table: number;
  priority: number;
  text: string;
}

/** One step of a witness's path: a lookup (switch, in port, table, the rule that matched) or an output. */
export type PathStep =
  | { step: 'lookup'; switch: string; inPort: string; table: number; priority: number; rule: string }
  | { step: 'miss'; switch: string; inPort: string; table: number }
  | { step: 'output'; switch: string; outPort: string; to: string }
  | { step: 'controller'; switch: string; inPort: string };

export interface Witness extends ConcreteWitness {
  tenant: string;
  /** The sending host's interface (node:port) and the switch port it is linked to. */
  host: string;
  switchPort: string;
  /** The in_port a switch sees it on. */
  inPort: number;
}

export interface Leak {
  kind: LeakKind;
  /** The tenant whose host sent it. */
  tenant: string;
  /** The tenant whose host or controller it reached (host and controller leaks; none: a host of no tenant). */
  receiver?: string;
  /** What it reached: a host interface (node:port), `controller of TENANT`, or where it left its flowspace. */
  to: string;
  detail: string;
  responsible: RuleRef;
  path: PathStep[];
  /** A concrete frame that takes this way; absent when none was found (`witnessNote` says why). */
  witness?: Witness;
  witnessNote?: string;
}

/**
 * A tenant's flowspace as entries of (switch, match over the headers a physical switch sees at
 * ingress): its edge ports × IPv4 and ARP inside its space × the write regions of its flowspace
 * that hold on the port's virtual switch (tenantFlowspaces).
 */
export interface FlowspaceEntry {
  tenant: string;
  switch: string;
  match: Match;
}

export interface FlowspaceOverlap {
  a: { tenant: string; switch: string; match: string };
  b: { tenant: string; switch: string; match: string };
  /** A header in both, in ovs-ofctl syntax. */
  witness: string;
}

export interface IsolationReport {
  /** No leak, and the exploration ran to its end. */
  isolated: boolean;
  /** False when the header-set budget ran out (isolation then is not proved). */
  complete: boolean;
  at: number;
  checked: {
    tenants: string[];
    switches: number;
    tables: number;
    rules: number;
    edgePorts: number;
    headerSets: number;
    lookups: number;
    /** Header sets cut because they arrived where the same set was already explored (round a loop, or by another way), or passed MAX_HOPS links. */
    loops: number;
    hopBound: number;
    ms: number;
  };
  leaks: Leak[];
  overlaps: FlowspaceOverlap[];
  /** Over-approximations used (sound: they can only add leaks). */
  approximations: string[];
  /** What could not be followed, each with its rule: isolation does not cover it. */
  unverifiable: string[];
}

export interface VerifyOptions {
  /** Check these tenants only: their packets, and leaks into one another (default: all). */
  tenants?: readonly string[];
  /** Stop after this many header sets (the report is then incomplete). */
  maxHeaderSets?: number;
  /** Flowspaces to check for overlaps (default: the tenants' own, tenantFlowspaces). */
  flowspaces?: readonly FlowspaceEntry[];
}

/** Words the pipeline owns (tunnel fields, metadata, registers): 0 when a packet enters a switch. */
const PIPELINE_WORDS = Array.from({ length: W.REG0 + 16 - W.TUN_ID }, (_, i) => W.TUN_ID + i);
const TAG_WORD = W.METADATA + 1;
/** Steps the member search may take before it calls a set non-empty (sound) without a member. */
const SEARCH_BUDGET = 4096;
const MAX_RESUBMIT_DEPTH = 64;
const MAX_RESUBMITS = 4096;
const NW_TTL = fieldByName('nw_ttl')!;
/** Words (and bits) lookups index rules by: the tag, in_port, dl_type, dl_dst. */
const INDEX_WORDS: readonly [number, number][] = [[TAG_WORD, 0xff], [W.IN_PORT, 0xffffffff], [W.DL_TYPE, 0xffffffff], [W.DL_DST, 0xffffffff], [W.DL_DST + 1, 0xffffffff]];

const matchCube = (m: Match): Cube => ({ v: m.values, m: m.masks });

function wordCube(words: readonly [number, number, number][]): Cube {
  const c = cube();
  for (const [w, v, m] of words) {
    c.v[w] = (c.v[w]! | (v & m)) >>> 0;
    c.m[w] = (c.m[w]! | m) >>> 0;
  }
  return c;
}

const tagCube = (id: number) => wordCube([[TAG_WORD, id, 0xff]]);
/** OVS's vlan_tci: the bit that says a tag is present, and with it the VLAN id's bits. */
const VLAN_PRESENT = 0x1000;
const VLAN_ID_MASK = 0x1fff;

/** IPv4 and ARP with both addresses in `prefix/length`: the two cubes of a flowspace. */
function addressCubes(prefix: number, length: number): Cube[] {
  const mask = prefixMask(length);
  return [0x0800, 0x0806].map((type) => wordCube([[W.DL_TYPE, type, 0xffffffff], [W.NW_SRC, prefix, mask], [W.NW_DST, prefix, mask]]));
}

/** The tenants' flowspaces as the platform's table 0 admits them: each edge port × IPv4 and ARP inside the tenant's space × each write region that holds there. */
export function tenantFlowspaces(model: VerifyModel): FlowspaceEntry[] {
  const out: FlowspaceEntry[] = [];
  for (const t of model.tenants) {
    for (const p of t.ports) {
      if (!p.edge) continue;
      for (const c of addressCubes(t.space.prefix, t.space.length)) {
        const cubeMatch = new Match();
        cubeMatch.values.set(c.v);
        cubeMatch.masks.set(c.m);
        cubeMatch.set(W.IN_PORT, p.port, 0xffffffff);
        if (p.vlan !== undefined) cubeMatch.set(W.VLAN_TCI, VLAN_PRESENT | p.vlan, VLAN_ID_MASK);
        for (const region of p.regions ?? [new Match()]) {
          const match = cubeMatch.intersect(region);
          if (match !== undefined) out.push({ tenant: t.name, switch: p.switch, match });
        }
      }
    }
  }
  return out;
}

/** Pairs of entries of different tenants on one switch that share a header, each with one such header. */
export function flowspaceOverlaps(entries: readonly FlowspaceEntry[]): FlowspaceOverlap[] {
  const out: FlowspaceOverlap[] = [];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const a = entries[i]!;
      const b = entries[j]!;
      if (a.tenant === b.tenant || a.switch !== b.switch) continue;
      const both = cubeIntersection(matchCube(a.match), matchCube(b.match));
      if (both === undefined) continue;
      // The lowest header in both: every bit either cube leaves free is 0.
      const header = new Match();
      for (let w = 0; w < FLOW_WORDS; w++) header.set(w, both.v[w]!, both.m[w]!);
      out.push({ a: { tenant: a.tenant, switch: a.switch, match: formatMatch(a.match) }, b: { tenant: b.tenant, switch: b.switch, match: formatMatch(b.match) }, witness: formatMatch(header) });
    }
  }
  return out;
}

/** Checks the model's installed tables: every header each (chosen) tenant's hosts can send. */
export function verifyModel(model: VerifyModel, options: VerifyOptions = {}): IsolationReport {
  const started = performance.now();
  const names = new Set(model.tenants.map((t) => t.name));
  for (const name of options.tenants ?? []) if (!names.has(name)) throw new Error(`unknown tenant ${name}`);
  const chosen = options.tenants === undefined ? model.tenants : model.tenants.filter((t) => options.tenants!.includes(t.name));
  const explorer = new Explorer(model, chosen, options.maxHeaderSets ?? 1_000_000);
  explorer.run();
  const flowspaces = options.flowspaces ?? tenantFlowspaces(model);
  const overlaps = flowspaceOverlaps(flowspaces.filter((f) => chosen.some((t) => t.name === f.tenant)));
  const leaks = [...explorer.leaks.values()];
  const tables = model.switches.reduce((n, s) => n + new Set(s.pipeline.allRules().map((r) => r.table)).size, 0);
  return {
    isolated: leaks.length === 0 && explorer.complete,
    complete: explorer.complete,
    at: model.now,
    checked: {
      tenants: chosen.map((t) => t.name),
      switches: model.switches.length,
      tables,
      rules: model.switches.reduce((n, s) => n + s.pipeline.allRules().length, 0),
      edgePorts: chosen.reduce((n, t) => n + t.ports.filter((p) => p.edge).length, 0),
      headerSets: explorer.headerSets,
      lookups: explorer.lookups,
      loops: explorer.loops,
      hopBound: explorer.hopBound,
      ms: Math.round((performance.now() - started) * 10) / 10,
    },
    leaks,
    overlaps,
    approximations: [...explorer.approximations],
    unverifiable: [...explorer.unverifiable],
  };
}

/** A switch as the explorer reads it: rules by table, highest priority first, and by tag. */
interface SwitchTables {
  sw: VerifySwitch;
  tables: Map<number, Rule[]>;
  /** Per table and known values of the words rules are told apart by: the rules a set with those values can meet. */
  candidates: Map<string, Rule[]>;
  refs: Map<Rule, RuleRef>;
  /** Each rule's match as a cube, its cared words listed. */
  matches: Map<Rule, Cube>;
}

/** A list of actions being run: a rule's, a bucket's or the action set's; `next` is the one to run. */
interface Frame {
  actions: readonly Action[];
  next: number;
  table: number;
  rule: RuleRef | undefined;
  parent: Frame | undefined;
  /** A group bucket: when it is done, the packet is as it was before the group. */
  restore?: HeaderSet;
  /** Entering it deepened the resubmit depth. */
  deepens: number;
}

interface PathNode {
  step: PathStep;
  previous: PathNode | undefined;
}

/** Where a header set is, and what happened to it. */
interface Flight {
  tenant: VerifyTenant;
  /** Where it entered: "switch:ofport" of an edge port. */
  origin: { switch: string; port: number; vlan: number | undefined };
  path: PathNode | undefined;
  /** The rule that first took it out of its flowspace. */
  violation: RuleRef | undefined;
  /** The last rule that wrote metadata's tag bits. */
  tagWriter: RuleRef | undefined;
  hops: number;
}

/** One switch's pass: the flight, the switch, the action set, resubmit counts. */
interface Pass {
  flight: Flight;
  at: SwitchTables;
  inPort: string;
  actionSet: readonly { action: Action; rule: RuleRef | undefined }[];
  inActionSet: boolean;
  depth: number;
  resubmits: number;
}

class Explorer {
  readonly leaks = new Map<string, Leak>();
  readonly approximations = new Set<string>();
  readonly unverifiable = new Set<string>();
  headerSets = 0;
  lookups = 0;
  loops = 0;
  hopBound = 0;
  complete = true;
  private readonly switches = new Map<string, SwitchTables>();
  private readonly edgeOwner = new Map<string, VerifyTenant>();
  /** Trunks tenants have by VLAN: "switch:ofport" -> VLAN id -> tenant. */
  private readonly vlanOwner = new Map<string, Map<number, VerifyTenant>>();
  private readonly tenantPorts = new Map<string, Set<number>>();
  /** Sets explored, by where they entered and their hash. */
  private readonly visited = new Map<string, HeaderSet[]>();
  private readonly queue: { set: HeaderSet; flight: Flight; at: SwitchTables; inPort: number }[] = [];
  private readonly inexact = { count: 0 };

  constructor(
    private readonly model: VerifyModel,
    private readonly chosen: readonly VerifyTenant[],
    private readonly maxHeaderSets: number,
  ) {
    for (const sw of model.switches) {
      const tables = new Map<number, Rule[]>();
      const refs = new Map<Rule, RuleRef>();
      const matches = new Map<Rule, Cube>();
      for (const r of sw.pipeline.allRules()) {
        matches.set(r, sparse(matchCube(r.match)));
        let list = tables.get(r.table);
        if (list === undefined) tables.set(r.table, (list = []));
        list.push(r);
        refs.set(r, { switch: sw.name, table: r.table, priority: r.priority, text: formatRule(r, model.now).trim() });
      }
      for (const list of tables.values()) list.sort((a, b) => b.priority - a.priority);
      this.switches.set(sw.name, { sw, tables, candidates: new Map(), refs, matches });
    }
    for (const t of model.tenants) {
      for (const p of t.ports) {
        if (p.vlan !== undefined) this.vlanOwner.set(`${p.switch}:${p.port}`, (this.vlanOwner.get(`${p.switch}:${p.port}`) ?? new Map<number, VerifyTenant>()).set(p.vlan, t));
        else if (p.edge) this.edgeOwner.set(`${p.switch}:${p.port}`, t);
        const key = `${t.name} ${p.switch}`;
        let set = this.tenantPorts.get(key);
        if (set === undefined) this.tenantPorts.set(key, (set = new Set()));
        set.add(p.port);
      }
    }
  }

  run(): void {
    for (const tenant of this.chosen) {
      for (const p of tenant.ports) {
        const at = this.switches.get(p.switch);
        if (!p.edge || at === undefined) continue;
        // Everything a host can send: any header at all, on this port; behind a trunk, in the tenant's VLAN (its access switch tags it).
        const input = headerWidths();
        input.v[W.IN_PORT] = p.port;
        input.m[W.IN_PORT] = 0xffffffff;
        if (p.vlan !== undefined) {
          input.v[W.VLAN_TCI] = VLAN_PRESENT | p.vlan;
          input.m[W.VLAN_TCI] = VLAN_ID_MASK;
        }
        const set = HeaderSet.of(input, PIPELINE_WORDS);
        this.queue.push({ set, flight: { tenant, origin: { switch: p.switch, port: p.port, vlan: p.vlan }, path: undefined, violation: undefined, tagWriter: undefined, hops: 1 }, at, inPort: p.port });
      }
    }
    while (this.queue.length > 0) {
      if (this.headerSets >= this.maxHeaderSets) {
        this.complete = false;
        return;
      }
      const { set, flight, at, inPort } = this.queue.pop()!;
      // A set already explored here (come back round a loop, or the same by another way) has nothing new to show.
      const key = `${at.sw.name}|${inPort}|${flight.tenant.name}|${flight.violation?.text ?? ''}|${set.hash()}`;
      const same = this.visited.get(key);
      if (same?.some((s) => s.equals(set))) {
        this.loops++;
        continue;
      }
      if (same === undefined) this.visited.set(key, [set]);
      else same.push(set);
      this.headerSets++;
      const pass: Pass = { flight, at, inPort: at.sw.ports.get(inPort)?.name ?? String(inPort), actionSet: [], inActionSet: false, depth: 0, resubmits: 0 };
      this.lookup(set, 0, undefined, undefined, pass, 0);
    }
    if (this.inexact.count > 0) this.approximations.add(`${this.inexact.count} higher-priority match(es) on bits of unknown value were not subtracted`);
  }

  /** Some header of the set exists (a member found, or the search gave up: sound either way). */
  private nonEmpty(set: HeaderSet): boolean {
    return set.excluded.length === 0 || set.member(SEARCH_BUDGET) !== undefined;
  }

  /**
   * The rules of a table a set can meet, highest priority first: those agreeing with the set's
   * known tag, in_port, EtherType and destination MAC (the words tenant rules differ in), cached
   * per table and those values, so a lookup scans a few rules, not the table.
   */
  private rulesFor(at: SwitchTables, table: number, set: HeaderSet): readonly Rule[] {
    const all = at.tables.get(table);
    if (all === undefined) return [];
    const known = INDEX_WORDS.map(([w, mask]) => set.known(w, mask));
    if (known.every((v) => v === undefined)) return all;
    const key = `${table}|${known.join('|')}`;
    let list = at.candidates.get(key);
    if (list === undefined) {
      list = all.filter((r) => INDEX_WORDS.every(([w, mask], i) => known[i] === undefined || ((r.match.values[w]! ^ known[i]!) & r.match.masks[w]! & mask) === 0));
      at.candidates.set(key, list);
    }
    return list;
  }

  /**
   * A table lookup (HSA's transfer function of a table): each rule, in priority order, takes the
   * part of the set it matches less the higher-priority matches; what no rule takes misses and
   * goes on with the actions after the goto_table or resubmit (`parent`).
   */
  private lookup(set: HeaderSet, table: number, inPort: number | undefined, parent: Frame | undefined, pass: Pass, deepens: number): void {
    this.lookups++;
    let flight = pass.flight;
    if (table >= 1 && flight.violation === undefined) {
      const t = flight.tenant;
      const foreign = set.subtract(tagCube(t.space.id), this.inexact);
      if (foreign !== undefined && this.nonEmpty(foreign)) {
        const responsible = flight.tagWriter ?? parent?.rule ?? this.noRule(pass);
        const tag = foreign.known(TAG_WORD, 0xff);
        const detail = `enters table ${table} of ${pass.at.sw.name} with ${tag === undefined ? 'a tag not its own' : tag === 0 ? 'no tenant tag' : `tag ${tag}${this.tenantById(tag) ? ` (${this.tenantById(tag)!.name}'s)` : ''}`} instead of its own ${t.space.id}`;
        this.leak('flowspace', foreign, flight, undefined, `table ${table} of ${pass.at.sw.name}`, detail, responsible);
        flight = { ...flight, violation: responsible };
        pass = { ...pass, flight };
      }
    }
    // resubmit(port,table) looks up with that in_port; the actions run with the real one.
    const lookupSet = inPort === undefined ? set : set.write(W.IN_PORT, inPort, 0xffffffff);
    // Projections of the rules seen so far: those of strictly higher priority shadow the next rule.
    const above: Cube[] = [];
    let higher = 0;
    let priority = Infinity;
    let coveredAt: number | undefined;
    // With nothing left to run after this lookup, a rule that drops takes its headers nowhere: only its shadow counts.
    const finalLookup = pass.actionSet.length === 0 && exhausted(parent);
    const shadow = (r: Rule, match: Cube) => {
      const p = lookupSet.project(match);
      if (p === 'all') coveredAt = r.priority;
      else if (p === 'inexact') this.inexact.count++;
      else if (p !== 'none') above.push(p);
    };
    for (const r of this.rulesFor(pass.at, table, lookupSet)) {
      if (coveredAt !== undefined && r.priority < coveredAt) break;
      if (r.priority < priority) {
        priority = r.priority;
        higher = above.length;
      }
      const match = pass.at.matches.get(r)!;
      if (finalLookup && r.actions.every((a) => a.type === 'drop')) {
        shadow(r, match);
        continue;
      }
      let hit = lookupSet.intersect(match);
      if (hit === undefined) continue;
      const shadows: Cube[] = [];
      for (let k = 0; k < higher; k++) if (cubesMeet(above[k]!, hit.input)) shadows.push(above[k]!);
      hit = hit.excludeAll(shadows);
      if (this.nonEmpty(hit)) {
        if (inPort !== undefined) hit = hit.withWordOf(W.IN_PORT, set);
        const ref = pass.at.refs.get(r)!;
        const step: PathStep = { step: 'lookup', switch: pass.at.sw.name, inPort: pass.inPort, table, priority: r.priority, rule: ref.text };
        const frame: Frame = { actions: r.actions, next: 0, table, rule: ref, parent, deepens };
        this.exec(hit, frame, { ...pass, flight: { ...flight, path: { step, previous: flight.path } }, depth: pass.depth + deepens });
      }
      shadow(r, match);
    }
    if (coveredAt !== undefined) return;
    let miss = lookupSet.excludeAll(above.filter((p) => cubesMeet(p, lookupSet.input)));
    if (!this.nonEmpty(miss)) return;
    if (inPort !== undefined) miss = miss.withWordOf(W.IN_PORT, set);
    const missPass = { ...pass, flight: { ...flight, path: { step: { step: 'miss', switch: pass.at.sw.name, inPort: pass.inPort, table } as PathStep, previous: flight.path } } };
    if (pass.at.sw.pipeline.missToController.has(table)) this.controller(miss, undefined, missPass);
    this.exec(miss, parent, missPass);
  }

  /** Runs action lists from `frame` down the stack, then the action set; lookups branch. */
  private exec(set: HeaderSet, frame: Frame | undefined, pass: Pass): void {
    while (frame !== undefined) {
      if (frame.next >= frame.actions.length) {
        if (frame.restore !== undefined) set = set.withRewritesOf(frame.restore);
        pass = { ...pass, depth: pass.depth - frame.deepens };
        frame = frame.parent;
        continue;
      }
      const a = frame.actions[frame.next]!;
      const rest: Frame = { ...frame, next: frame.next + 1 };
      const rule = frame.rule;
      switch (a.type) {
        case 'output':
          this.output(set, a.port, rule, pass, false);
          break;
        case 'output_reg': {
          const value = this.knownField(set, a.src.field);
          if (value !== undefined) this.output(set, Number((value >> BigInt(a.src.start)) & ((1n << BigInt(Math.min(a.src.bits, 32))) - 1n)), rule, pass, false);
          else {
            this.approximate(`output_reg from bits of unknown value (${this.ruleName(rule)}) goes to every port`);
            for (const p of pass.at.sw.ports.keys()) this.output(set, p, rule, pass, false);
          }
          break;
        }
        case 'in_port': {
          const port = set.known(W.IN_PORT);
          if (port !== undefined) this.output(set, port, rule, pass, true);
          break;
        }
        case 'normal':
          this.approximate(`NORMAL (${this.ruleName(rule)}) is taken as flooding every port`);
          for (const p of pass.at.sw.ports.keys()) this.output(set, p, rule, pass, false);
          break;
        case 'flood':
        case 'all':
          for (const p of pass.at.sw.ports.keys()) this.output(set, p, rule, pass, false);
          break;
        case 'controller':
          this.controller(set, rule, pass);
          break;
        case 'drop':
        // Queues decide when a packet leaves, not where or with which header.
        case 'set_queue':
        case 'pop_queue':
          break;
        case 'enqueue': {
          if (a.port !== OFPP_IN_PORT) this.output(set, a.port, rule, pass, false);
          else {
            const port = set.known(W.IN_PORT);
            if (port !== undefined) this.output(set, port, rule, pass, true);
          }
          break;
        }
        case 'push_vlan':
          set = set.write(W.VLAN_TCI, 0x1000, 0xffff);
          break;
        case 'pop_vlan':
          this.approximate('pop_vlan leaves vlan_tci unknown (an inner tag may come back)');
          set = set.forget(W.VLAN_TCI, 0xffff);
          break;
        case 'mod_vlan':
          // Without a push, a tag is there afterwards all the same: rewritten, or pushed where there was none (OpenFlow 1.0's mod_vlan_vid).
          set = a.push ? set.write(W.VLAN_TCI, 0x1000, 0xffff) : set.write(W.VLAN_TCI, 0x1000, 0x1000);
          set = a.what === 'vid' ? set.write(W.VLAN_TCI, a.value, 0x0fff) : set.write(W.VLAN_TCI, a.value << 13, 0xe000);
          break;
        case 'set_field':
          set = this.writeField(set, frame, a.field, a.value, a.mask);
          break;
        case 'load': {
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          set = this.writeField(set, frame, a.dst.field, a.value << BigInt(a.dst.start), mask);
          if (a.dst.field.word === W.METADATA && (mask & 0xffn) !== 0n) pass = this.taggedBy(pass, rule);
          break;
        }
        case 'move': {
          const value = this.knownField(set, a.src.field);
          const mask = ((1n << BigInt(a.dst.bits)) - 1n) << BigInt(a.dst.start);
          if (value !== undefined) {
            const bits = (value >> BigInt(a.src.start)) & ((1n << BigInt(a.src.bits)) - 1n);
            set = this.writeField(set, frame, a.dst.field, bits << BigInt(a.dst.start), mask);
          } else {
            this.approximate(`move from bits of unknown value (${this.ruleName(rule)}) leaves its destination unknown`);
            set = this.forgetField(set, a.dst.field, mask);
          }
          if (a.dst.field.word === W.METADATA && (mask & 0xffn) !== 0n) pass = this.taggedBy(pass, rule);
          break;
        }
        case 'dec_ttl': {
          const type = set.known(W.DL_TYPE);
          if (type !== undefined && type !== 0x0800 && type !== 0x86dd) break;
          const ttl = set.known(W.NW_TTL);
          if (ttl !== undefined && ttl > 1) {
            set = set.write(W.NW_TTL, ttl - 1, 0xffffffff);
            break;
          }
          // TTL 0 or 1 abandons the rest of this action list (a bucket's packet then restored): follow that branch too.
          this.exec(frame.restore === undefined ? set : set.withRewritesOf(frame.restore), frame.parent, { ...pass, depth: pass.depth - frame.deepens });
          this.approximate('dec_ttl on a TTL not known leaves nw_ttl unknown');
          set = set.forget(W.NW_TTL, 0xff);
          break;
        }
        case 'set_ttl':
          set = this.writeField(set, frame, NW_TTL, BigInt(a.ttl), 0xffn);
          break;
        case 'write_metadata': {
          const hi = Number((a.value >> 32n) & 0xffffffffn);
          const lo = Number(a.value & 0xffffffffn);
          set = set.writeAll([[W.METADATA, hi, Number((a.mask >> 32n) & 0xffffffffn)], [W.METADATA + 1, lo, Number(a.mask & 0xffffffffn)]]);
          if ((a.mask & 0xffn) !== 0n) pass = this.taggedBy(pass, rule);
          break;
        }
        case 'clear_actions':
          pass = { ...pass, actionSet: [] };
          break;
        case 'write_actions':
          pass = { ...pass, actionSet: [...pass.actionSet, ...a.actions.map((action) => ({ action, rule }))] };
          break;
        case 'goto_table':
        case 'resubmit': {
          const table = a.type === 'goto_table' ? a.table : (a.table ?? frame.table);
          const port = a.type === 'resubmit' && a.port !== undefined && a.port !== 0xfff8 ? a.port : undefined;
          const deepens = table <= frame.table ? 1 : 0;
          if (pass.depth + deepens >= MAX_RESUBMIT_DEPTH || pass.resubmits >= MAX_RESUBMITS) return;
          this.lookup(set, table, port, rest, { ...pass, resubmits: pass.resubmits + 1 }, deepens);
          return;
        }
        case 'group': {
          if (pass.depth >= MAX_RESUBMIT_DEPTH) return;
          const group = pass.at.sw.pipeline.group(a.group);
          // A group that does not exist ends the action list it is in.
          if (group === undefined) {
            frame = frame.parent;
            continue;
          }
          const lists = group.buckets.filter((b) => group.type !== 'select' || b.weight > 0).map((b) => actionSetList(b.actions));
          const bucket = (list: Action[], parent: Frame): Frame => ({ actions: list, next: 0, table: frame!.table, rule, parent, restore: set, deepens: 1 });
          if (group.type === 'all' || group.type === 'indirect') {
            // Every bucket in turn, each on the packet as it was before the group.
            let top: Frame = rest;
            for (let i = lists.length - 1; i >= 0; i--) top = bucket(lists[i]!, top);
            frame = top;
            pass = { ...pass, depth: pass.depth + lists.length };
            continue;
          }
          this.approximate(`${group.type === 'ff' ? 'fast failover' : 'select'} group ${a.group} on ${pass.at.sw.name}: every bucket is followed`);
          for (const list of lists) this.exec(set, bucket(list, rest), { ...pass, depth: pass.depth + 1 });
          return;
        }
        case 'clone':
          // The clone's actions on a copy of the packet, which is put back after them.
          if (pass.actionSet.length > 0) this.approximate(`clone (${this.ruleName(rule)}): the action set it runs at its end is not followed`);
          frame = { actions: a.actions, next: 0, table: frame.table, rule, parent: rest, restore: set, deepens: 0 };
          continue;
        case 'multipath':
        case 'bundle': {
          const dst = a.dst;
          if (dst !== undefined) {
            // The link or member depends on a hash of the packet: its destination bits become unknown.
            this.approximate(`${a.type === 'multipath' ? 'multipath' : 'bundle_load'} (${this.ruleName(rule)}) leaves its destination unknown`);
            set = this.forgetField(set, dst.field, ((1n << BigInt(dst.bits)) - 1n) << BigInt(dst.start));
            break;
          }
          this.approximate(`bundle (${this.ruleName(rule)}): every member is followed`);
          if (a.type === 'bundle') for (const p of a.members) this.output(set, p, rule, pass, false);
          break;
        }
        case 'note':
        case 'sample':
        case 'fin_timeout':
          // Neither sends anything on: a sample only counts (netloom has no collector), fin_timeout only shortens timeouts.
          break;
        case 'check_pkt_larger':
          // Which branch depends on the packet's length: its bit becomes unknown.
          this.approximate(`check_pkt_larger (${this.ruleName(rule)}) leaves its destination unknown`);
          set = this.forgetField(set, a.dst.field, 1n << BigInt(a.dst.start));
          break;
        case 'output_trunc':
          // Where it goes, not how much of it: the header is whole (max_len is at least 14).
          if (a.port !== OFPP_IN_PORT) this.output(set, a.port, rule, pass, false);
          break;
        case 'exit':
          this.approximate(`exit (${this.ruleName(rule)}) is taken as the end of this action list only`);
          frame = frame.parent;
          continue;
        case 'conjunction':
          // A conjunctive flow never matches by itself; the verifier takes it as one that drops.
          this.unverifiable.add(`${this.ruleName(rule)}: conjunctive matches are not modelled`);
          break;
        case 'learn':
          this.unverifiable.add(`${this.ruleName(rule)}: the flows its learn action may add are not checked`);
          break;
        case 'push_mpls':
        case 'pop_mpls':
        case 'dec_mpls_ttl':
          // The header sets are Ethernet and IP ones: an MPLS stack is not among them.
          this.unverifiable.add(`${this.ruleName(rule)}: MPLS (${a.type}) is not checked`);
          break;
        case 'ct':
        case 'ct_clear':
          // The connection table is state the verifier does not follow.
          this.unverifiable.add(`${this.ruleName(rule)}: connection tracking (${a.type}) is not checked`);
          break;
        default: {
          // Every action must be modelled: a new one is a compile error here, never silently ignored.
          const unmodelled: never = a;
          throw new Error(`the verifier does not model ${JSON.stringify(unmodelled)}`);
        }
      }
      frame = rest;
    }
    if (pass.inActionSet || pass.actionSet.length === 0) return;
    // The pipeline is done: the action set runs, in OpenFlow's order.
    const list = actionSetList(pass.actionSet.map((x) => x.action));
    if (list.length === 0) return;
    const last = pass.actionSet[pass.actionSet.length - 1]!.rule;
    this.exec(set, { actions: list, next: 0, table: 0, rule: last, parent: undefined, deepens: 0 }, { ...pass, actionSet: [], inActionSet: true });
  }

  private taggedBy(pass: Pass, rule: RuleRef | undefined): Pass {
    return { ...pass, flight: { ...pass.flight, tagWriter: rule } };
  }

  /** A field write; in a group bucket one whose prerequisites the set does not prove may be skipped (as OVS does), so its bits become unknown. */
  private writeField(set: HeaderSet, frame: Frame, field: FieldDef, value: bigint, mask: bigint): HeaderSet {
    if (field.writeMask !== undefined) mask &= field.writeMask;
    if (frame.restore !== undefined && !field.pipeline) {
      const needs = field.prerequisite === 'ipv4-or-arp' ? 'ipv4' : field.prerequisite;
      const type = set.known(W.DL_TYPE);
      const proto = set.known(W.NW_PROTO);
      if (type === undefined || (proto === undefined && needs.includes('tcp')) || (proto === undefined && needs === 'icmp')) {
        this.approximate('a group bucket write whose prerequisites are not proved leaves its bits unknown');
        return this.forgetField(set, field, mask);
      }
      if (!prerequisiteHolds(type, proto, needs)) return set;
    }
    const shift = BigInt(field.shift ?? 0);
    let v = value << shift;
    let m = mask << shift;
    for (let k = field.words - 1; k >= 0; k--) {
      set = set.write(field.word + k, Number(v & 0xffffffffn), Number(m & 0xffffffffn));
      v >>= 32n;
      m >>= 32n;
    }
    return set;
  }

  private forgetField(set: HeaderSet, field: FieldDef, mask: bigint): HeaderSet {
    let m = mask << BigInt(field.shift ?? 0);
    for (let k = field.words - 1; k >= 0; k--) {
      set = set.forget(field.word + k, Number(m & 0xffffffffn));
      m >>= 32n;
    }
    return set;
  }

  /** A whole field's value, when every header of the set has the same. */
  private knownField(set: HeaderSet, field: FieldDef): bigint | undefined {
    let v = 0n;
    for (let k = 0; k < field.words; k++) {
      const word = set.known(field.word + k);
      if (word === undefined) return undefined;
      v = (v << 32n) | BigInt(word);
    }
    return (v >> BigInt(field.shift ?? 0)) & ((1n << BigInt(field.bits)) - 1n);
  }

  private output(set: HeaderSet, port: number, rule: RuleRef | undefined, pass: Pass, toInPort: boolean): void {
    const inPort = set.known(W.IN_PORT);
    if (!toInPort && inPort === port) return;
    const p = pass.at.sw.ports.get(port);
    if (p === undefined) return;
    const sw = pass.at.sw.name;
    const flight = { ...pass.flight, path: { step: { step: 'output', switch: sw, outPort: p.name, to: p.far === undefined ? 'nothing' : `${p.far.node}:${p.far.port}` } as PathStep, previous: pass.flight.path } };
    if (p.tunnel) {
      this.unverifiable.add(`${this.ruleName(rule)}: output to tunnel port ${sw}:${p.name} is not followed`);
      return;
    }
    if (p.far === undefined) return;
    const responsible = flight.violation ?? rule ?? this.noRule(pass);
    const t = flight.tenant;
    const trunk = this.vlanOwner.get(`${sw}:${port}`);
    if (trunk !== undefined) {
      this.toTrunk(set, trunk, `${p.far.node}:${p.far.port}`, `${sw}:${p.name}`, flight, responsible);
      return;
    }
    if (p.far.kind === 'switch') {
      let next = flight;
      if (flight.violation === undefined) {
        const [ip, arp] = addressCubes(t.space.id << 24, 8);
        const outside = set.subtract(ip!, this.inexact)?.subtract(arp!, this.inexact);
        if (outside !== undefined && this.nonEmpty(outside)) {
          this.leak('flowspace', outside, flight, undefined, `${sw}:${p.name}`, `leaves ${sw} on ${p.name} towards ${p.far.node} with addresses outside its physical space ${t.space.id}.0.0.0/8 (or neither IPv4 nor ARP)`, responsible);
          next = { ...flight, violation: responsible };
        }
      }
      this.toSwitch(set, p, next);
      return;
    }
    const owner = this.edgeOwner.get(`${sw}:${port}`);
    const host = `${p.far.node}:${p.far.port}`;
    if (owner !== t) {
      if (this.chosen.length < this.model.tenants.length && owner !== undefined && !this.chosen.includes(owner)) return;
      this.leak('host', set, flight, owner?.name, host, `reaches ${owner === undefined ? 'a host of no tenant' : `${owner.name}'s host`} ${host} (out of ${sw}:${p.name})`, responsible);
      return;
    }
    const [ip, arp] = addressCubes(t.space.prefix, t.space.length);
    const outside = set.subtract(ip!, this.inexact)?.subtract(arp!, this.inexact);
    if (outside !== undefined && this.nonEmpty(outside)) {
      this.leak('flowspace', outside, flight, undefined, host, `reaches its own host ${host} with addresses outside its space ${numberToIpv4(t.space.prefix)}/${t.space.length} (or neither IPv4 nor ARP)`, responsible);
    }
  }

  /**
   * Out of a trunk tenants have by VLAN: the part in a tenant's VLAN reaches that tenant's hosts
   * (a leak when it is not the sender, or not in the sender's space); untagged or in a VLAN no
   * tenant has, it reaches hosts of no tenant.
   */
  private toTrunk(set: HeaderSet, trunk: ReadonlyMap<number, VerifyTenant>, far: string, from: string, flight: Flight, responsible: RuleRef): void {
    const t = flight.tenant;
    let rest: HeaderSet | undefined = set;
    for (const [vid, owner] of trunk) {
      const vlan = wordCube([[W.VLAN_TCI, VLAN_PRESENT | vid, VLAN_ID_MASK]]);
      const part = set.intersect(vlan);
      rest = rest?.subtract(vlan, this.inexact);
      if (part === undefined || !this.nonEmpty(part)) continue;
      const to = `${far} VLAN ${vid}`;
      if (owner !== t) {
        if (this.chosen.length < this.model.tenants.length && !this.chosen.includes(owner)) continue;
        this.leak('host', part, flight, owner.name, to, `reaches ${owner.name}'s hosts behind ${from} in VLAN ${vid}`, responsible);
        continue;
      }
      const [ip, arp] = addressCubes(t.space.prefix, t.space.length);
      const outside = part.subtract(ip!, this.inexact)?.subtract(arp!, this.inexact);
      if (outside !== undefined && this.nonEmpty(outside)) this.leak('flowspace', outside, flight, undefined, to, `reaches its own hosts behind ${from} in VLAN ${vid} with addresses outside its space ${numberToIpv4(t.space.prefix)}/${t.space.length} (or neither IPv4 nor ARP)`, responsible);
    }
    if (rest !== undefined && this.nonEmpty(rest)) this.leak('host', rest, flight, undefined, far, `reaches the hosts behind ${from} untagged or in a VLAN no tenant has there`, responsible);
  }

  /** Over a link to another switch: the packet enters it on the far port, pipeline state cleared. */
  private toSwitch(set: HeaderSet, p: VerifyPort, flight: Flight): void {
    const at = this.switches.get(p.far!.node);
    const far = at === undefined ? undefined : [...at.sw.ports.values()].find((q) => q.name === p.far!.port);
    if (at === undefined || far === undefined) return;
    if (flight.hops + 1 > MAX_HOPS) {
      this.hopBound++;
      return;
    }
    const next = set.writeAll([[W.IN_PORT, far.number, 0xffffffff], ...PIPELINE_WORDS.map((w) => [w, 0, 0xffffffff] as const)]);
    this.queue.push({ set: next, flight: { ...flight, hops: flight.hops + 1, tagWriter: undefined }, at, inPort: far.number });
  }

  /** A PACKET_IN: the platform hands it to the tenant whose tag it carries, if that tenant has the port it came in on. */
  private controller(set: HeaderSet, rule: RuleRef | undefined, pass: Pass): void {
    const flight = pass.flight;
    const t = flight.tenant;
    const sw = pass.at.sw.name;
    const path = { step: { step: 'controller', switch: sw, inPort: pass.inPort } as PathStep, previous: flight.path };
    const at = { ...flight, path };
    const responsible = flight.violation ?? flight.tagWriter ?? rule ?? this.noRule(pass);
    let rest: HeaderSet | undefined = set;
    for (const other of this.model.tenants) {
      const tag = tagCube(other.space.id);
      const part = set.intersect(tag);
      rest = rest?.subtract(tag, this.inexact);
      if (other === t || part === undefined || !this.nonEmpty(part)) continue;
      const inPort = part.known(W.IN_PORT);
      const owns = inPort !== undefined && (this.tenantPorts.get(`${other.name} ${sw}`)?.has(inPort) ?? false);
      if (owns) {
        if (this.chosen.length < this.model.tenants.length && !this.chosen.includes(other)) continue;
        this.leak('controller', part, at, other.name, `controller of ${other.name}`, `reaches ${other.name}'s controller: a PACKET_IN from ${sw} with ${other.name}'s tag ${other.space.id}`, responsible);
      } else if (flight.violation === undefined) {
        this.leak('flowspace', part, at, undefined, `${sw} PACKET_IN`, `goes to the controller from ${sw} with ${other.name}'s tag ${other.space.id} on a port ${other.name} does not have (the platform drops it)`, responsible);
      }
    }
    if (rest !== undefined && flight.violation === undefined && this.nonEmpty(rest)) {
      this.leak('flowspace', rest, at, undefined, `${sw} PACKET_IN`, `goes to the controller from ${sw} with a tag of no tenant (the platform drops it)`, responsible);
    }
  }

  /** Records a leak once per (kind, sender, receiver, rule responsible), with a concrete witness when one can be built. */
  private leak(kind: LeakKind, set: HeaderSet, flight: Flight, receiver: string | undefined, to: string, detail: string, responsible: RuleRef): void {
    // One flowspace leak per rule responsible; host and controller leaks per receiver too.
    const key = `${kind}|${flight.tenant.name}|${kind === 'flowspace' ? '' : (receiver ?? to)}|${responsible.switch}|${responsible.text}`;
    const known = this.leaks.get(key);
    if (known?.witness !== undefined) return;
    const path: PathStep[] = [];
    for (let n = flight.path; n !== undefined; n = n.previous) path.unshift(n.step);
    const host = this.model.hosts.get(`${flight.origin.switch}:${flight.origin.port}${flight.origin.vlan === undefined ? '' : `.${flight.origin.vlan}`}`);
    const member = set.member(SEARCH_BUDGET * 4);
    let witness: Witness | undefined;
    let witnessNote: string | undefined;
    if (member === 'budget') witnessNote = 'the search for a member of the header set ran out of steps';
    else if (member === undefined) return;
    else {
      const frame = concretize(set, flight.origin.port, host);
      if (frame === undefined) witnessNote = 'no IPv4, ARP or Ethernet frame has a header in this set (it holds only headers no frame parses to)';
      else witness = { ...frame, tenant: flight.tenant.name, host: host === undefined ? '' : `${host.node}:${host.port}`, switchPort: `${flight.origin.switch}:${this.switches.get(flight.origin.switch)?.sw.ports.get(flight.origin.port)?.name ?? flight.origin.port}`, inPort: flight.origin.port };
    }
    if (known !== undefined && witness === undefined) return;
    this.leaks.set(key, {
      kind, tenant: flight.tenant.name, ...(receiver !== undefined && { receiver }), to, detail, responsible, path,
      ...(witness !== undefined && { witness }), ...(witnessNote !== undefined && witness === undefined && { witnessNote }),
    });
  }

  private tenantById(id: number): VerifyTenant | undefined {
    return this.model.tenants.find((t) => t.space.id === id);
  }

  private approximate(what: string): void {
    this.approximations.add(what);
  }

  private ruleName(rule: RuleRef | undefined): string {
    return rule === undefined ? 'an action set' : `${rule.switch} ${rule.text}`;
  }

  /** For a miss: no rule did it; the switch's table-miss behaviour did. */
  private noRule(pass: Pass): RuleRef {
    return { switch: pass.at.sw.name, table: 0, priority: -1, text: 'table miss' };
  }
}

/** No action is left to run in these frames (a lookup from them is the last thing the pipeline does, bar the action set). */
function exhausted(frame: Frame | undefined): boolean {
  for (let f = frame; f !== undefined; f = f.parent) if (f.next < f.actions.length) return false;
  return true;
}

