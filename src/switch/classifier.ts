/**
 * The flow classifier: tuple space search, as Open vSwitch's classifier does. Rules are grouped
 * into subtables by their mask; each subtable is a hash map from masked flow values to rules,
 * and subtables are tried in order of the highest priority they hold, stopping as soon as no
 * remaining subtable can beat the best match found. An exact-match cache in front answers
 * repeated flows, and is cleared whenever the rules change. Keys are 32-bit hashes, always
 * verified against the words, so a collision costs time, never correctness.
 */
import { FLOW_WORDS } from './fields.js';
import type { Match, Rule } from './flow.js';

interface Subtable {
  /** Words this mask looks at, and their masks. */
  words: Int32Array;
  masks: Uint32Array;
  /** Hash of the masked values -> rules, highest priority first. */
  buckets: Map<number, Rule[]>;
  maxPriority: number;
  count: number;
  maskKey: string;
}

interface CacheEntry {
  flow: Uint32Array;
  rule: Rule | undefined;
}

const CACHE_SIZE = 8192;

export class Classifier {
  private subtables: Subtable[] = [];
  private readonly byMask = new Map<string, Subtable>();
  private readonly cache = new Map<number, CacheEntry>();
  size = 0;
  /** Lookups answered by the exact-match cache, and in all. */
  cacheHits = 0;
  lookups = 0;

  insert(rule: Rule): void {
    const s = this.subtableFor(rule.match);
    const h = hashWords(rule.match.values, s.words, s.masks);
    const list = s.buckets.get(h) ?? [];
    // Highest priority first; among equals, the older rule stays first.
    let i = 0;
    while (i < list.length && list[i]!.priority >= rule.priority) i++;
    list.splice(i, 0, rule);
    s.buckets.set(h, list);
    s.count++;
    if (rule.priority > s.maxPriority) s.maxPriority = rule.priority;
    this.size++;
    this.changed();
  }

  remove(rule: Rule): void {
    const s = this.byMask.get(maskKey(rule.match));
    if (s === undefined) return;
    const h = hashWords(rule.match.values, s.words, s.masks);
    const list = s.buckets.get(h);
    const i = list?.indexOf(rule) ?? -1;
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) s.buckets.delete(h);
    s.count--;
    this.size--;
    if (s.count === 0) {
      this.byMask.delete(s.maskKey);
      this.subtables = this.subtables.filter((t) => t !== s);
    } else {
      s.maxPriority = 0;
      for (const rules of s.buckets.values()) for (const r of rules) s.maxPriority = Math.max(s.maxPriority, r.priority);
    }
    this.changed();
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
        if (r.match.matches(flow)) {
          best = r;
          break;
        }
      }
    }
    return best;
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

  private subtableFor(match: Match): Subtable {
    const k = maskKey(match);
    let s = this.byMask.get(k);
    if (s === undefined) {
      const words: number[] = [];
      for (let i = 0; i < FLOW_WORDS; i++) if (match.masks[i] !== 0) words.push(i);
      s = { words: Int32Array.from(words), masks: match.masks.slice(), buckets: new Map(), maxPriority: 0, count: 0, maskKey: k };
      this.byMask.set(k, s);
      this.subtables.push(s);
    }
    return s;
  }

  private changed(): void {
    this.subtables.sort((a, b) => b.maxPriority - a.maxPriority);
    this.cache.clear();
  }
}

function maskKey(match: Match): string {
  return match.masks.join(',');
}

/** Murmur3-style mixing of the masked words a subtable looks at. */
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
