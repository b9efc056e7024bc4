/**
 * The flow classifier: tuple space search, as Open vSwitch's classifier does. Rules are grouped
 * into subtables by their mask; each subtable is a hash map from masked flow values to rules,
 * and subtables are tried in order of the highest priority they hold, stopping as soon as no
 * remaining subtable can beat the best match found. An exact-match cache in front answers
 * repeated flows, and is cleared whenever the rules change (an unchanged learned flow is not a
 * change). Keys are 32-bit hashes, always
 * verified against the words, so a collision costs time, never correctness.
 */
import { FLOW_WORDS, W } from './fields.js';
import type { Match, Rule } from './flow.js';

interface Subtable {
  /** Words this mask looks at, and their masks. */
  words: Int32Array;
  masks: Uint32Array;
  /** Hash of the masked values -> rules, highest priority first. */
  buckets: Map<number, Rule[]>;
  maxPriority: number;
  count: number;
  /** How many rules hold each priority, to find the new maximum when one goes. */
  priorities: Map<number, number>;
  maskHash: number;
}

interface CacheEntry {
  flow: Uint32Array;
  rule: Rule | undefined;
}

const CACHE_SIZE = 8192;

export class Classifier {
  private subtables: Subtable[] = [];
  /**
   * Whether `subtables` is in order of maxPriority. Inserts and removes only mark it stale, and
   * the next search sorts once: sorting at every new mask made loading n masks cost n sorts.
   */
  private ordered = true;
  /** Hash of a mask -> the subtables with that hash (one, barring collisions). */
  private readonly byMask = new Map<number, Subtable[]>();
  private readonly cache = new Map<number, CacheEntry>();
  size = 0;
  /** Lookups answered by the exact-match cache, and in all. */
  cacheHits = 0;
  lookups = 0;
  /** Rules with conjunction actions: while there are none, a lookup never looks for conjunctive matches. */
  private conjunctive = 0;

  insert(rule: Rule): void {
    const s = this.subtableFor(rule.match, true)!;
    const h = hashWords(rule.match.values, s.words, s.masks);
    let list = s.buckets.get(h);
    if (list === undefined) {
      list = [];
      s.buckets.set(h, list);
    }
    // Highest priority first; among equals, the older rule stays first.
    let i = 0;
    while (i < list.length && list[i]!.priority >= rule.priority) i++;
    list.splice(i, 0, rule);
    s.count++;
    s.priorities.set(rule.priority, (s.priorities.get(rule.priority) ?? 0) + 1);
    this.size++;
    if (isConjunctive(rule)) this.conjunctive++;
    if (rule.priority > s.maxPriority || s.count === 1) {
      s.maxPriority = rule.priority;
      this.ordered = false;
    }
    this.cache.clear();
  }

  remove(rule: Rule): void {
    const s = this.subtableFor(rule.match, false);
    if (s === undefined) return;
    const h = hashWords(rule.match.values, s.words, s.masks);
    const list = s.buckets.get(h);
    const i = list?.indexOf(rule) ?? -1;
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) s.buckets.delete(h);
    s.count--;
    this.size--;
    if (isConjunctive(rule)) this.conjunctive--;
    const left = s.priorities.get(rule.priority)! - 1;
    if (left > 0) s.priorities.set(rule.priority, left);
    else s.priorities.delete(rule.priority);
    if (s.count === 0) {
      const same = this.byMask.get(s.maskHash)!;
      if (same.length === 1) this.byMask.delete(s.maskHash);
      else same.splice(same.indexOf(s), 1);
      this.subtables.splice(this.subtables.indexOf(s), 1);
    } else if (left === 0 && rule.priority === s.maxPriority) {
      let max = -1;
      for (const p of s.priorities.keys()) if (p > max) max = p;
      s.maxPriority = max;
      this.ordered = false;
    }
    this.cache.clear();
  }

  /** The rule with exactly this match and priority (OVS's classifier_find_match_exactly), or undefined. */
  find(match: Match, priority: number): Rule | undefined {
    const s = this.subtableFor(match, false);
    if (s === undefined || !s.priorities.has(priority)) return undefined;
    const bucket = s.buckets.get(hashWords(match.values, s.words, s.masks));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const r = bucket[i]!;
      if (r.priority === priority && r.match.equals(match)) return r;
    }
    return undefined;
  }

  /** The highest-priority rule matching the flow words, or undefined. */
  lookup(flow: Uint32Array): Rule | undefined {
    this.lookups++;
    const h = hashAll(flow);
    const cached = this.cache.get(h);
    if (cached !== undefined && sameWords(cached.flow, flow)) {
      this.cacheHits++;
      return cached.rule;
    }
    const best = this.search(flow);
    if (this.cache.size >= CACHE_SIZE) this.cache.clear();
    this.cache.set(h, { flow: flow.slice(), rule: best });
    return best;
  }

  /** Tuple space search without the cache (also what the benchmark measures). */
  search(flow: Uint32Array): Rule | undefined {
    if (!this.ordered) {
      this.subtables.sort((a, b) => b.maxPriority - a.maxPriority);
      this.ordered = true;
    }
    return this.conjunctive === 0 ? this.searchPlain(flow) : this.searchConjunctive(flow, true);
  }

  private searchPlain(flow: Uint32Array): Rule | undefined {
    let best: Rule | undefined;
    const subtables = this.subtables;
    for (let t = 0; t < subtables.length; t++) {
      const s = subtables[t]!;
      if (best !== undefined && s.maxPriority <= best.priority) break;
      const bucket = s.buckets.get(hashWords(flow, s.words, s.masks));
      if (bucket === undefined) continue;
      for (let i = 0; i < bucket.length; i++) {
        const r = bucket[i]!;
        if (best !== undefined && r.priority <= best.priority) break;
        if (matchesOn(s, r, flow)) {
          best = r;
          break;
        }
      }
    }
    return best;
  }

  /**
   * OVS's classifier_lookup__ with conjunctive matches: each subtable's best match is a hard
   * match, or (a flow with conjunction actions) a soft one. Soft matches above the best hard
   * match are tried from the highest priority down: when the flows at one priority cover every
   * clause of a conjunction id, the table is looked up again with conj_id set to it (soft matches
   * ignored), and the rule found there, if any, is the answer. Where none completes, each soft
   * match gives way to the next lower-priority flow with the same match, which may be hard.
   * `flow`'s conj_id is restored before returning.
   */
  private searchConjunctive(flow: Uint32Array, allowConjunctive: boolean): Rule | undefined {
    let hard: Rule | undefined;
    // Soft matches in the order the subtables are visited, as OVS keeps them.
    const soft: (Rule | undefined)[] = [];
    for (const s of this.subtables) {
      if (hard !== undefined && s.maxPriority <= hard.priority) break;
      const bucket = s.buckets.get(hashWords(flow, s.words, s.masks));
      const r = bucket?.find((x) => matchesOn(s, x, flow));
      if (r === undefined || (hard !== undefined && r.priority <= hard.priority)) continue;
      if (!isConjunctive(r)) hard = r;
      else if (allowConjunctive) soft.push(r);
    }
    for (;;) {
      // Drop soft matches that are gone or not above the hard match (OVS removes by swapping in the last).
      for (let i = 0; i < soft.length; ) {
        const r = soft[i];
        if (r === undefined || (hard !== undefined && r.priority <= hard.priority)) soft[i] = soft[soft.length - 1]!, soft.length--;
        else i++;
      }
      if (soft.length === 0) return hard;
      let top = -1;
      let atTop = 0;
      for (const r of soft) {
        if (r!.priority > top) {
          top = r!.priority;
          atTop = 1;
        } else if (r!.priority === top) atTop++;
      }
      // Clause bits seen per conjunction id; a conjunction is complete when all of its are set.
      const seen = new Map<number, bigint>();
      for (const r of soft) {
        if (r!.priority !== top) continue;
        const id = completedConjunction(r!, atTop, seen);
        if (id === undefined) continue;
        const saved = flow[W.CONJ_ID]!;
        flow[W.CONJ_ID] = id;
        const found = this.searchConjunctive(flow, false);
        flow[W.CONJ_ID] = saved;
        if (found !== undefined) return found;
      }
      // None completed: each top soft match gives way to the next flow with the same match at a lower priority.
      for (let i = 0; i < soft.length; i++) {
        const r = soft[i]!;
        if (r.priority !== top) continue;
        const next = this.nextWithSameMatch(r);
        soft[i] = next !== undefined && isConjunctive(next) ? next : undefined;
        if (next !== undefined && !isConjunctive(next) && (hard === undefined || next.priority > hard.priority)) hard = next;
      }
    }
  }

  /** The next lower-priority rule with exactly `rule`'s match (OVS's next_visible_rule_in_list). */
  private nextWithSameMatch(rule: Rule): Rule | undefined {
    const s = this.subtableFor(rule.match, false)!;
    const list = s.buckets.get(hashWords(rule.match.values, s.words, s.masks))!;
    for (let i = list.indexOf(rule) + 1; i < list.length; i++) if (list[i]!.match.equals(rule.match)) return list[i];
    return undefined;
  }

  /** Every rule, highest priority first (for dumps and non-strict modify/delete). */
  rules(): Rule[] {
    const all: Rule[] = [];
    for (const s of this.subtables) for (const list of s.buckets.values()) all.push(...list);
    return all.sort((a, b) => b.priority - a.priority);
  }

  get subtableCount(): number {
    return this.subtables.length;
  }

  /** The subtable for this match's mask, made when `create` is set. */
  private subtableFor(match: Match, create: boolean): Subtable | undefined {
    const masks = match.masks;
    const h = hashAll(masks);
    const same = this.byMask.get(h);
    if (same !== undefined) {
      for (let i = 0; i < same.length; i++) if (sameWords(same[i]!.masks, masks)) return same[i];
    }
    if (!create) return undefined;
    const words: number[] = [];
    for (let i = 0; i < FLOW_WORDS; i++) if (masks[i] !== 0) words.push(i);
    const s: Subtable = { words: Int32Array.from(words), masks: masks.slice(), buckets: new Map(), maxPriority: 0, count: 0, priorities: new Map(), maskHash: h };
    if (same === undefined) this.byMask.set(h, [s]);
    else same.push(s);
    this.subtables.push(s);
    return s;
  }
}

/** Murmur3-style mixing of the masked words a subtable looks at. */
/** A rule of subtable `s` matches when the words its mask covers agree: every rule there shares that mask. */
function matchesOn(s: Subtable, r: Rule, flow: Uint32Array): boolean {
  const { words, masks } = s;
  const values = r.match.values;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (((flow[w]! & masks[w]!) >>> 0) !== values[w]) return false;
  }
  return true;
}

function hashWords(flow: Uint32Array, words: Int32Array, masks: Uint32Array): number {
  let h = 0x9747b28c;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    h = mix(h, (flow[w]! & masks[w]!) >>> 0);
  }
  // 30 bits: a small integer (Smi) in V8, so Map lookups take the fast path.
  return h & 0x3fffffff;
}

function hashAll(flow: Uint32Array): number {
  let h = 0x12345678;
  for (let i = 0; i < FLOW_WORDS; i++) h = mix(h, flow[i]!);
  return h & 0x3fffffff;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A rule with conjunction actions (OVS allows none but those and note there). */
function isConjunctive(rule: Rule): boolean {
  return rule.actions.some((a) => a.type === 'conjunction');
}

const ALL_CLAUSES = (1n << 64n) - 1n;

/**
 * OVS's find_conjunctive_match: adds `rule`'s clauses to `seen` and returns the first conjunction
 * id this completes. Conjunctions of more clauses than `atTop` (the soft matches at this
 * priority) cannot complete and are skipped.
 */
function completedConjunction(rule: Rule, atTop: number, seen: Map<number, bigint>): number | undefined {
  let least = 64;
  for (const a of rule.actions) if (a.type === 'conjunction' && a.clauses < least) least = a.clauses;
  if (atTop < least) return undefined;
  for (const a of rule.actions) {
    if (a.type !== 'conjunction' || a.clauses > atTop) continue;
    const bits = (seen.get(a.id) ?? ((ALL_CLAUSES << BigInt(a.clauses & 63)) & ALL_CLAUSES)) | (1n << BigInt(a.clause - 1));
    seen.set(a.id, bits);
    if (bits === ALL_CLAUSES) return a.id;
  }
  return undefined;
}
