/**
 * Header space (Kazemian et al., "Header Space Analysis", NSDI 2012) over a switch's flow words:
 * the sets of headers the isolation verifier pushes through the physical flow tables. It owns
 * the set algebra only (cubes, intersection, lazy subtraction, rewrites, finding a member) and
 * knows nothing of tables, ports or tenants.
 *
 * A cube is a value and a care mask per flow word (FLOW_WORDS of them: packet fields, and the
 * pipeline's metadata, registers and tunnel fields): a header is in it when it equals the value
 * on every cared bit. A header set in flight is kept as its *input* side — the headers x that
 * entered, a cube minus a list of excluded cubes — plus what the pipeline has done to them: bits
 * fixed to constants (load, set_field, write_metadata) and bits of unknown value (a move from a
 * bit that varies, dec_ttl); every other bit is still the input's own ("fresh"). Subtraction is
 * lazy, as HSA's: a table lookup excludes the higher-priority matches on the input side, so a
 * later rewrite never has to undo a difference, and a set is only proved empty (or given a
 * member) when asked, by a search over the excluded cubes.
 */
import { FLOW_WORDS, W } from '../switch/fields.js';

/** Headers equal to `v` on every bit set in `m` (words as the flow has them). */
export interface Cube {
  readonly v: Uint32Array;
  readonly m: Uint32Array;
  /** The words with a non-zero mask, when known: loops over a cube visit only these. */
  readonly w?: readonly number[];
}

/** The cube with its cared words listed (for cubes used many times: rules' matches, excluded cubes). */
export function sparse(c: Cube): Cube {
  const w: number[] = [];
  for (let i = 0; i < FLOW_WORDS; i++) if (c.m[i] !== 0) w.push(i);
  return { v: c.v, m: c.m, w };
}

const ALL_WORDS: readonly number[] = Array.from({ length: FLOW_WORDS }, (_, i) => i);
const wordsOf = (c: Cube) => c.w ?? ALL_WORDS;

export function cube(v = new Uint32Array(FLOW_WORDS), m = new Uint32Array(FLOW_WORDS)): Cube {
  return { v, m };
}

/**
 * The bits every real header has zero: the words above each field's width (a 48-bit MAC's top
 * 16 bits, a 16-bit EtherType's top 16, an 8-bit protocol's top 24, ...). Sets start inside it,
 * so no witness is sought among headers no frame parses to.
 */
export function headerWidths(): Cube {
  const c = cube();
  const zero = [
    [W.IN_PORT, 0xffff0000], [W.DL_DST, 0xffff0000], [W.DL_SRC, 0xffff0000], [W.DL_TYPE, 0xffff0000], [W.VLAN_TCI, 0xffff0000], [W.NW_PROTO, 0xffffff00],
    [W.NW_TOS, 0xffffff00], [W.NW_TTL, 0xffffff00], [W.TP_SRC, 0xffff0000], [W.TP_DST, 0xffff0000], [W.ARP_SHA, 0xffff0000], [W.ARP_THA, 0xffff0000], [W.IPV6_LABEL, 0xfff00000],
  ] as const;
  for (const [w, m] of zero) c.m[w] = m;
  return c;
}

/** True when the two cubes share a header. */
export function cubesMeet(a: Cube, b: Cube): boolean {
  for (const i of wordsOf(a.w === undefined ? b : a)) if (((a.v[i]! ^ b.v[i]!) & a.m[i]! & b.m[i]!) !== 0) return false;
  return true;
}

/** The headers of both cubes, or undefined when they share none. */
export function cubeIntersection(a: Cube, b: Cube): Cube | undefined {
  if (!cubesMeet(a, b)) return undefined;
  const out = cube();
  for (let i = 0; i < FLOW_WORDS; i++) {
    out.m[i] = (a.m[i]! | b.m[i]!) >>> 0;
    out.v[i] = ((a.v[i]! & a.m[i]!) | (b.v[i]! & b.m[i]!)) >>> 0;
  }
  return out;
}

/** What projecting a cube of current headers onto a set's input side gives. */
type Projection = Cube | 'none' | 'all' | 'inexact';

/** A set of headers in flight: the input headers, and the rewrites applied to them so far. */
export class HeaderSet {
  constructor(
    /** The input headers: this cube ... */
    readonly input: Cube,
    /** ... minus these (input-side cubes, each meeting `input` when added). */
    readonly excluded: readonly Cube[],
    /** Current bits fixed to constants. */
    readonly fixed: Cube,
    /** Current bits whose value is unknown (any). */
    readonly unknown: Uint32Array,
    /**
     * An input header known to be in the set, when one is: sets derived from this one keep it
     * while it stays in them, so proving a set non-empty costs only its newest constraints.
     */
    private point?: Uint32Array,
  ) {}

  /** Every header with these bits of the input fixed; pipeline words (`pipelineWords`) start fixed at 0. */
  static of(input: Cube, pipelineWords: readonly number[]): HeaderSet {
    const fixed = cube();
    for (const w of pipelineWords) fixed.m[w] = 0xffffffff;
    const point = new Uint32Array(FLOW_WORDS);
    for (let i = 0; i < FLOW_WORDS; i++) point[i] = (input.v[i]! & input.m[i]!) >>> 0;
    return new HeaderSet(input, [], fixed, new Uint32Array(FLOW_WORDS), point);
  }

  /** Bits of word i that are still the input's. */
  fresh(i: number): number {
    return ~(this.fixed.m[i]! | this.unknown[i]!) >>> 0;
  }

  /** The value of the bits `mask` of word i, when every header of the set has the same. */
  known(i: number, mask = 0xffffffff): number | undefined {
    const fresh = this.fresh(i) & mask;
    if ((this.unknown[i]! & mask) !== 0 || (fresh & ~this.input.m[i]!) !== 0) return undefined;
    return (((this.fixed.v[i]! & this.fixed.m[i]!) | (this.input.v[i]! & fresh)) & mask) >>> 0;
  }

  /** The headers of this set that are also in `c` (a cube of current headers), or undefined when none can be. */
  intersect(c: Cube): HeaderSet | undefined {
    let input: Cube | undefined;
    let fixed: Cube | undefined;
    let unknown: Uint32Array | undefined;
    for (const i of wordsOf(c)) {
      const cm = c.m[i]!;
      if (cm === 0) continue;
      const cv = c.v[i]!;
      if (((cv ^ this.fixed.v[i]!) & cm & this.fixed.m[i]!) !== 0) return undefined;
      const fresh = cm & this.fresh(i);
      if (fresh !== 0) {
        if (((cv ^ this.input.v[i]!) & fresh & this.input.m[i]!) !== 0) return undefined;
        if ((fresh & ~this.input.m[i]!) !== 0) {
          input ??= cube(this.input.v.slice(), this.input.m.slice());
          input.v[i] = ((input.v[i]! & ~fresh) | (cv & fresh)) >>> 0;
          input.m[i] = (input.m[i]! | fresh) >>> 0;
        }
      }
      // A match on bits of unknown value pins them for the headers that pass it.
      const unknownBits = cm & this.unknown[i]!;
      if (unknownBits !== 0) {
        fixed ??= cube(this.fixed.v.slice(), this.fixed.m.slice());
        unknown ??= this.unknown.slice();
        fixed.v[i] = ((fixed.v[i]! & ~unknownBits) | (cv & unknownBits)) >>> 0;
        fixed.m[i] = (fixed.m[i]! | unknownBits) >>> 0;
        unknown[i] = (unknown[i]! & ~unknownBits) >>> 0;
      }
    }
    if (input === undefined && fixed === undefined) return this;
    return new HeaderSet(input ?? this.input, this.excluded, fixed ?? this.fixed, unknown ?? this.unknown, input === undefined ? this.point : this.movePoint(input));
  }

  /**
   * The known member moved into a narrower input cube: its newly constrained bits set to the
   * cube's values. Only an excluded cube that looks at those bits can hold it now (it held none
   * before), so only those are checked.
   */
  private movePoint(input: Cube): Uint32Array | undefined {
    const old = this.point;
    if (old === undefined) return undefined;
    const changed: number[] = [];
    for (let i = 0; i < FLOW_WORDS; i++) if (input.m[i] !== this.input.m[i] && ((old[i]! ^ input.v[i]!) & input.m[i]!) !== 0) changed.push(i);
    if (changed.length === 0) return old;
    const point = old.slice();
    for (const i of changed) point[i] = ((point[i]! & ~input.m[i]!) | (input.v[i]! & input.m[i]!)) >>> 0;
    for (const e of this.excluded) {
      if (changed.some((i) => ((old[i]! ^ point[i]!) & e.m[i]!) !== 0) && inCube(point, e)) return undefined;
    }
    return point;
  }

  /**
   * The input-side cube of the headers that `c` holds now: 'none' when no header of the set is
   * in c, 'all' when every one is (the excluded cubes aside), 'inexact' when c looks at bits of
   * unknown value (no cube of inputs says which headers it holds).
   */
  project(c: Cube): Projection {
    // First without allocating: most rules a set meets in a lookup hold none of it.
    let inexact = false;
    let free = false;
    for (const i of wordsOf(c)) {
      const cm = c.m[i]!;
      if (cm === 0) continue;
      const cv = c.v[i]!;
      if (((cv ^ this.fixed.v[i]!) & cm & this.fixed.m[i]!) !== 0) return 'none';
      const fresh = cm & this.fresh(i);
      if (((cv ^ this.input.v[i]!) & fresh & this.input.m[i]!) !== 0) return 'none';
      if ((cm & this.unknown[i]!) !== 0) inexact = true;
      if ((fresh & ~this.input.m[i]!) !== 0) free = true;
    }
    if (inexact) return 'inexact';
    if (!free) return 'all';
    const out = cube();
    const words: number[] = [];
    for (const i of wordsOf(c)) {
      // Bits the input already fixes to c's values say nothing more.
      const bits = c.m[i]! & this.fresh(i) & ~this.input.m[i]!;
      if (bits === 0) continue;
      out.m[i] = bits;
      out.v[i] = (c.v[i]! & bits) >>> 0;
      words.push(i);
    }
    return { v: out.v, m: out.m, w: words };
  }

  /**
   * The headers of this set not in `c`: undefined when none are left. Where c looks at bits of
   * unknown value the set is kept whole (a sound over-approximation; `inexact` counts it).
   */
  subtract(c: Cube, inexact?: { count: number }): HeaderSet | undefined {
    const p = this.project(c);
    if (p === 'none') return this;
    if (p === 'all') return undefined;
    if (p === 'inexact') {
      if (inexact) inexact.count++;
      return this;
    }
    return this.exclude(p);
  }

  /** This set less an input-side cube already projected. */
  exclude(p: Cube): HeaderSet {
    return this.excludeAll([p]);
  }

  /** This set less input-side cubes already projected. */
  excludeAll(cubes: readonly Cube[]): HeaderSet {
    if (cubes.length === 0) return this;
    const point = this.point;
    const keeps = point !== undefined && cubes.every((c) => !inCube(point, c));
    return new HeaderSet(this.input, [...this.excluded, ...cubes], this.fixed, this.unknown, keeps ? point : undefined);
  }

  /** Bits `mask` of word i set to `value` in every header. */
  write(i: number, value: number, mask: number): HeaderSet {
    return this.writeAll([[i, value, mask]]);
  }

  /** Several writes at once, (word, value, mask) each: one copy of the rewrite state. */
  writeAll(writes: readonly (readonly [number, number, number])[]): HeaderSet {
    if (writes.every(([, , mask]) => mask === 0)) return this;
    const fixed = cube(this.fixed.v.slice(), this.fixed.m.slice());
    let unknown = this.unknown;
    for (const [i, value, mask] of writes) {
      fixed.v[i] = ((fixed.v[i]! & ~mask) | (value & mask)) >>> 0;
      fixed.m[i] = (fixed.m[i]! | mask) >>> 0;
      if ((unknown[i]! & mask) === 0) continue;
      if (unknown === this.unknown) unknown = unknown.slice();
      unknown[i] = (unknown[i]! & ~mask) >>> 0;
    }
    return new HeaderSet(this.input, this.excluded, fixed, unknown, this.point);
  }

  /** Bits `mask` of word i become of unknown value. */
  forget(i: number, mask: number): HeaderSet {
    if (mask === 0) return this;
    const fixed = cube(this.fixed.v.slice(), this.fixed.m.slice());
    fixed.m[i] = (fixed.m[i]! & ~mask) >>> 0;
    const unknown = this.unknown.slice();
    unknown[i] = (unknown[i]! | mask) >>> 0;
    return new HeaderSet(this.input, this.excluded, fixed, unknown, this.point);
  }

  /** The same input headers, with the rewrite state of `other` (a group bucket done: the packet as it was before). */
  withRewritesOf(other: HeaderSet): HeaderSet {
    return new HeaderSet(this.input, this.excluded, other.fixed, other.unknown, this.point);
  }

  /** Word i's rewrite state taken from `other` (resubmit(port,table) gives in_port back after its lookup). */
  withWordOf(i: number, other: HeaderSet): HeaderSet {
    const fixed = cube(this.fixed.v.slice(), this.fixed.m.slice());
    const unknown = this.unknown.slice();
    fixed.v[i] = other.fixed.v[i]!;
    fixed.m[i] = other.fixed.m[i]!;
    unknown[i] = other.unknown[i]!;
    return new HeaderSet(this.input, this.excluded, fixed, unknown, this.point);
  }

  /**
   * An input cube inside the set (within `within`, if given) that no excluded cube meets: every
   * header in it is a member. Undefined when the set is empty; 'budget' when the search gave up
   * after `budget` steps (the set may or may not be empty).
   */
  member(budget: number, within?: Cube): Cube | undefined | 'budget' {
    // Asked for a cube within another (a witness's shape), the caller wants its free bits free.
    if (this.point !== undefined && within === undefined) return { v: this.point, m: new Uint32Array(FLOW_WORDS).fill(0xffffffff) };
    const start = within === undefined ? this.input : cubeIntersection(this.input, within);
    if (start === undefined) return undefined;
    // Most sets have an obvious member: the free bits all 0, or all 1. Try those before searching
    // (not within a shape: that caller wants a cube whose free bits it fills itself).
    for (const fill of within === undefined ? [0, 0xffffffff] : []) {
      if (this.excluded.every((e) => !pointIn(e, start, fill))) {
        const v = new Uint32Array(FLOW_WORDS);
        for (let i = 0; i < FLOW_WORDS; i++) v[i] = ((start.v[i]! & start.m[i]!) | (fill & ~start.m[i]!)) >>> 0;
        this.point = v;
        return { v, m: new Uint32Array(FLOW_WORDS).fill(0xffffffff) };
      }
    }
    const steps = { left: budget };
    const found = search(start.v.slice(), start.m.slice(), this.excluded, 0, steps);
    if (found === null) return 'budget';
    if (found !== undefined && within === undefined) this.point = pointOf(found);
    return found;
  }

  /** A hash of the set (equal sets, equal hashes), for the visited set that cuts loops; `equals` settles collisions. */
  hash(): number {
    let h = 0x811c9dc5;
    const add = (a: Uint32Array) => {
      for (let i = 0; i < FLOW_WORDS; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
    };
    add(this.input.v);
    add(this.input.m);
    add(this.fixed.v);
    add(this.fixed.m);
    add(this.unknown);
    for (const e of this.excluded) {
      add(e.v);
      add(e.m);
    }
    return h >>> 0;
  }

  /** The same representation: input cube, excluded cubes in order, rewrites. */
  equals(o: HeaderSet): boolean {
    const same = (a: Uint32Array, b: Uint32Array) => a === b || a.every((x, i) => x === b[i]);
    return (
      this.excluded.length === o.excluded.length && same(this.input.v, o.input.v) && same(this.input.m, o.input.m) && same(this.fixed.v, o.fixed.v) &&
      same(this.fixed.m, o.fixed.m) && same(this.unknown, o.unknown) && this.excluded.every((e, k) => same(e.v, o.excluded[k]!.v) && same(e.m, o.excluded[k]!.m))
    );
  }
}

/** Whether a header (all words) lies in a cube. */
function inCube(point: Uint32Array, c: Cube): boolean {
  for (const i of wordsOf(c)) if (((point[i]! ^ c.v[i]!) & c.m[i]!) !== 0) return false;
  return true;
}

/** One header of a cube: its free bits 0. */
function pointOf(c: Cube): Uint32Array {
  const v = new Uint32Array(FLOW_WORDS);
  for (let i = 0; i < FLOW_WORDS; i++) v[i] = (c.v[i]! & c.m[i]!) >>> 0;
  return v;
}

/** Whether the header of cube `c` with its free bits set to `fill` lies in `e`. */
function pointIn(e: Cube, c: Cube, fill: number): boolean {
  for (const i of wordsOf(e)) {
    const point = (c.v[i]! & c.m[i]!) | (fill & ~c.m[i]!);
    if (((point ^ e.v[i]!) & e.m[i]!) !== 0) return false;
  }
  return true;
}

/**
 * A cube within (v, m) that none of excluded[from..] meets (those before `from` already miss it).
 * Complete: a header outside an excluded cube differs from it on a bit the cube cares about and
 * (v, m) leaves free, so branching over those bits finds every member. null: out of steps.
 */
function search(v: Uint32Array, m: Uint32Array, excluded: readonly Cube[], from: number, steps: { left: number }): Cube | undefined | null {
  for (let k = from; k < excluded.length; k++) {
    const e = excluded[k]!;
    let meets = true;
    let covers = true;
    for (const i of wordsOf(e)) {
      const em = e.m[i]!;
      if (em === 0) continue;
      if (((e.v[i]! ^ v[i]!) & em & m[i]!) !== 0) {
        meets = false;
        break;
      }
      if ((em & ~m[i]!) !== 0) covers = false;
    }
    if (!meets) continue;
    if (covers) return undefined;
    for (const i of wordsOf(e)) {
      let free = (e.m[i]! & ~m[i]!) >>> 0;
      while (free !== 0) {
        if (--steps.left < 0) return null;
        const bit = (free & -free) >>> 0;
        free = (free & ~bit) >>> 0;
        const v2 = v.slice();
        const m2 = m.slice();
        v2[i] = ((v2[i]! & ~bit) | (~e.v[i]! & bit)) >>> 0;
        m2[i] = (m2[i]! | bit) >>> 0;
        const found = search(v2, m2, excluded, k + 1, steps);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  return { v, m };
}
