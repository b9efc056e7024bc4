/**
 * Flow rules as data: a match (values and masks over the flow words), actions, and the rule's
 * table, priority, cookie and timeouts. Parsing and printing live in ofctl.ts.
 */
import type { FieldDef } from './fields.js';
import type { NatSpec } from './conntrack.js';
import { FLOW_WORDS } from './fields.js';

export class Match {
  readonly values = new Uint32Array(FLOW_WORDS);
  readonly masks = new Uint32Array(FLOW_WORDS);

  /** Sets bits of one word: value under mask, leaving other bits as they are. */
  set(word: number, value: number, mask: number): void {
    this.values[word] = ((this.values[word]! & ~mask) | (value & mask)) >>> 0;
    this.masks[word] = (this.masks[word]! | mask) >>> 0;
  }

  /** True when the words' masked value equals this match's on every word. */
  matches(flow: Uint32Array): boolean {
    const v = this.values;
    const m = this.masks;
    for (let i = 0; i < FLOW_WORDS; i++) if (((flow[i]! & m[i]!) >>> 0) !== v[i]) return false;
    return true;
  }

  equals(other: Match): boolean {
    for (let i = 0; i < FLOW_WORDS; i++) if (this.values[i] !== other.values[i] || this.masks[i] !== other.masks[i]) return false;
    return true;
  }

  /** The packets both match, or undefined when no packet does. */
  intersect(other: Match): Match | undefined {
    const out = new Match();
    for (let i = 0; i < FLOW_WORDS; i++) {
      const a = this.masks[i]!;
      const b = other.masks[i]!;
      if ((((this.values[i]! ^ other.values[i]!) & a & b) >>> 0) !== 0) return undefined;
      out.values[i] = (this.values[i]! | other.values[i]!) >>> 0;
      out.masks[i] = (a | b) >>> 0;
    }
    return out;
  }

  /** True when every packet this matches, `other` matches too (other is looser or equal). */
  within(other: Match): boolean {
    for (let i = 0; i < FLOW_WORDS; i++) {
      const om = other.masks[i]!;
      if (((this.masks[i]! & om) >>> 0) !== om) return false;
      if (((this.values[i]! & om) >>> 0) !== other.values[i]) return false;
    }
    return true;
  }
}

/** PACKET_IN reasons as ovs-ofctl names them (the last three are OpenFlow 1.4's; 1.3 sends them as action). */
export const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'] as const;
export type PacketInReason = (typeof PACKET_IN_REASONS)[number];

/** A run of bits of a field: `NXM_NX_REG0[0..7]`, `reg1[]`. */
export interface SubField {
  field: FieldDef;
  start: number;
  bits: number;
}

export type Action =
  | { type: 'output'; port: number }
  | { type: 'output_reg'; src: SubField }
  | { type: 'in_port' }
  | { type: 'normal' }
  | { type: 'flood' }
  | { type: 'all' }
  /** `reason`: an ovs-ofctl reason name, or a number OVS has no name for (from an NX action's bytes). */
  | { type: 'controller'; maxLen: number; reason: string }
  | { type: 'drop' }
  | { type: 'push_vlan'; tpid: number }
  /** MPLS (OVS's push_mpls, pop_mpls, dec_mpls_ttl); set_mpls_label, set_mpls_tc and set_mpls_ttl are legacy set_fields of mpls_*. */
  | { type: 'push_mpls'; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'dec_mpls_ttl' }
  /** `strip`: read in plain mode (OpenFlow 1.0, whose pop is strip_vlan): printed and traced as strip_vlan, as plain ovs-ofctl and ofproto/trace print it. */
  | { type: 'pop_vlan'; strip?: true }
  /** mod_vlan_vid / mod_vlan_pcp: push a tag first (OpenFlow 1.1+ without a tag the match proves), else set the tag's, pushing one only where there is none. */
  /** `oxm`: written as a set_field to vlan_vid / vlan_pcp, and printed so. */
  /** `untagged`: OpenFlow 1.0's, where neither the match nor an earlier action proves a tag (OVS's !flow_has_vlan): OpenFlow 1.1+ carries it as push_vlan and set_field. */
  | { type: 'mod_vlan'; what: 'vid' | 'pcp'; value: number; push: boolean; oxm?: true; untagged?: true }
  /**
   * `legacy`: an OpenFlow 1.0 action (mod_tp_dst, or mod_nw_src and the like whose header the
   * match does not prove), printed as such so that it reads back the same; mod_tp_src and
   * mod_tp_dst (OVS's set_l4_port) write an ICMP packet's type and code.
   */
  | { type: 'set_field'; field: FieldDef; value: bigint; mask: bigint; legacy?: true }
  | { type: 'load'; dst: SubField; value: bigint }
  | { type: 'move'; src: SubField; dst: SubField }
  | { type: 'dec_ttl' }
  | { type: 'set_ttl'; ttl: number }
  /** `ct`: resubmit(…,ct) looks up with the connection's original tuple in place of the packet's addresses and ports. */
  /** `outputTable`: written as output to TABLE (OFPP_TABLE), which OVS runs as this lookup from table 0 and keeps in an action set's output slot. */
  | { type: 'resubmit'; port: number | undefined; table: number | undefined; ct?: true; outputTable?: true }
  | { type: 'goto_table'; table: number }
  | { type: 'write_metadata'; value: bigint; mask: bigint }
  | { type: 'clear_actions' }
  | { type: 'write_actions'; actions: Action[] }
  | { type: 'learn'; learn: LearnSpec }
  | { type: 'group'; group: number }
  /** The egress queue later outputs send the packet into (OVS's skb_priority; ovs-actions(7) set_queue). */
  | { type: 'set_queue'; queue: number }
  /** Output to `port` through `queue`, the packet's queue unchanged afterwards (OVS's OpenFlow 1.0 enqueue). */
  | { type: 'enqueue'; port: number; queue: number }
  /** Back to the queue the packet arrived with: 0, the default queue (NXAST_POP_QUEUE). */
  | { type: 'pop_queue' }
  /**
   * ct(…): connection tracking (ovs-actions(7)). The zone is `zone`, or bits of a field when
   * `zoneSrc` is set; `table`: where a clone of the packet resumes with its ct_* fields; `actions`:
   * exec(…), which writes ct_mark and ct_label only; `nat`: nat(…) (kind undefined: plain `nat`,
   * which only un-NATs what a committed NAT connection says).
   */
  | { type: 'ct'; commit: boolean; force: boolean; zone: number; zoneSrc: SubField | undefined; table: number | undefined; nat: NatSpec | undefined; actions: Action[]; alg: number }
  | { type: 'ct_clear' }
  /** multipath(…): the link (0 .. links-1) a hash of the packet picks, loaded into `dst` (ovs-actions(7); multipath.ts). */
  | { type: 'multipath'; fields: HashFields; basis: number; algorithm: MultipathAlgorithm; links: number; arg: number; dst: SubField }
  /** bundle(…) outputs to the member a hash of the packet picks among the live ones; bundle_load(…) loads its port number into `dst` instead (0xffff: none live). */
  | { type: 'bundle'; fields: HashFields; basis: number; algorithm: BundleAlgorithm; members: number[]; dst?: SubField }
  /** conjunction(id, clause/clauses): this flow is clause `clause` (1-based) of conjunctive match `id`; it never matches by itself (classifier.ts). */
  | { type: 'conjunction'; id: number; clause: number; clauses: number }
  /** note:…: bytes for the controller to read back, doing nothing; kept zero-padded as OVS sends them (6, 14, 22, … bytes). */
  | { type: 'note'; bytes: Uint8Array }
  /** exit: ends every action list of this packet (its action set does not run); in a group bucket, ends that bucket only. */
  | { type: 'exit' }
  /** output(port=…,max_len=…): output the packet's first `maxLen` bytes (at least 14) to `port` (a port, LOCAL or IN_PORT). */
  | { type: 'output_trunc'; port: number; maxLen: number }
  /** check_pkt_larger(length)->dst: writes 1 to the bit `dst` if the packet, as it is now and without Ethernet padding, is longer than `length` bytes, else 0. */
  | { type: 'check_pkt_larger'; length: number; dst: SubField }
  /**
   * sample(…): OVS sends the packet to the IPFIX collector set with probability/65535; netloom has
   * no collector and counts it (Pipeline.samples). samplingPort 0xffff: none.
   */
  /** clone(…): the actions run on a copy of the packet and its action set, which the copy runs at its end; nothing they change reaches what follows. */
  | { type: 'clone'; actions: Action[] }
  /** fin_timeout(…): a TCP FIN or RST lowers this rule's idle and hard timeouts to these (0: leave it), as OVS's ofproto_rule_reduce_timeouts does. */
  | { type: 'fin_timeout'; idleTimeout: number; hardTimeout: number }
  | { type: 'sample'; probability: number; collectorSetId: number; obsDomainId: number; obsPointId: number; samplingPort: number; direction: 'default' | 'ingress' | 'egress' };

/** What multipath and bundle hash (NX_HASH_FIELDS_*, in their wire order). */
export const HASH_FIELDS = ['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'] as const;
export type HashFields = (typeof HASH_FIELDS)[number];
/** How multipath turns the hash into a link (NX_MP_ALG_*, in their wire order). */
export const MULTIPATH_ALGORITHMS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'] as const;
export type MultipathAlgorithm = (typeof MULTIPATH_ALGORITHMS)[number];
/** How bundle chooses a member (NX_BD_ALG_*, in their wire order). */
export const BUNDLE_ALGORITHMS = ['active_backup', 'hrw'] as const;
export type BundleAlgorithm = (typeof BUNDLE_ALGORITHMS)[number];

/** OpenFlow group types (OFPGT_*, in their wire order). */
export const GROUP_TYPES = ['all', 'select', 'indirect', 'ff'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

/** The highest group id a group may have (OFPG_MAX); above it are ALL and ANY. */
export const OFPG_MAX = 0xffffff00;
/** The group id that names every group (OFPG_ALL). */
export const OFPG_ALL = 0xfffffffc;
/** watch_group of a bucket that watches no group (OFPG_ANY). */
export const OFPG_ANY = 0xffffffff;
/** watch_port of a bucket that watches no port (OVS's OFPP_NONE, OpenFlow 1.0 numbering). */
export const OFPP_NONE = 0xffff;

/** One bucket of a group (OpenFlow 1.3.5 §5.6.1). */
export interface Bucket {
  /** Share of a select group's packets (0: never chosen); 0 in other group types. */
  weight: number;
  /** The port (OFPP_NONE for none) and group (OFPG_ANY for none) whose liveness decides the bucket's. */
  watchPort: number;
  watchGroup: number;
  /** As written; they run as an action set (ovs-actions(7)). */
  actions: Action[];
  packets: number;
  bytes: number;
}

/** A group table entry (OpenFlow 1.3.5 §5.6). */
export interface Group {
  id: number;
  type: GroupType;
  buckets: Bucket[];
  packets: number;
  bytes: number;
  /** ns of virtual time; a modify keeps it, as OVS does. */
  created: number;
}

/** Where a learned value comes from: bits of the packet's flow, or a constant. */
export type LearnSource = { sub: SubField } | { value: bigint };

/** learn(…): the flow to add, built from the packet that runs the action (ovs-actions(7)). */
export interface LearnSpec {
  table: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  cookie: bigint;
  /** field[..]=source: the learned flow matches the field on the source's value now. */
  matches: { dst: SubField; src: LearnSource }[];
  /** load:source->field[..] and output:field[..] in the learned flow's actions. */
  actions: ({ kind: 'load'; dst: SubField; src: LearnSource } | { kind: 'output'; src: SubField })[];
  text: string;
}

export interface Rule {
  table: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  match: Match;
  /** The match as ovs-ofctl prints it. */
  matchText: string;
  actions: Action[];
  /** The actions as ovs-ofctl prints them, the meter instruction first (`meter:1,output:2`). */
  actionsText: string;
  /** The meter instruction (OpenFlow 1.3.5 §5.7): the packet goes through this meter before the actions run. */
  meter?: number;
  /** OpenFlow 1.4+'s importance (kept in OpenFlow 1.1+ mode only, as plain ovs-ofctl drops it); netloom's tables never evict, so it is only printed. */
  importance?: number;
  /** OpenFlow flow_mod flags (send_flow_rem 1, check_overlap 2, reset_counts 4, no_pkt_counts 8, no_byt_counts 16). */
  flags?: number;
  /** Counters and times, ns of virtual time. */
  packets: number;
  bytes: number;
  created: number;
  /** When the flow was last added, or refreshed by a learn action finding it unchanged: the hard timeout counts from here (OVS). */
  modified: number;
  lastUsed: number;
}
