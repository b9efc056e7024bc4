/**
 * The YAML side of loading: parsing the text, and placing each problem at the line and column
 * of the node it is about. Collects problems (from YAML, from zod, from the cross-checks), each
 * placed by a Placement (a YAML file's, or define.ts's for a topology written in code), and
 * words zod's in the loader's terms. Knows nothing of what a topology means.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import type * as z from 'zod';
import { didYouMean, formatPath, listNames, TopologyError, type PathSegment, type TopologyIssue } from './errors.js';
import { NODE_KINDS, describeValue } from './schema.js';

/**
 * Parses `text` as one YAML document (JSON is YAML) and returns it as plain values, with the
 * collector that places later problems in it. YAML errors are collected; any but a duplicate key
 * (after which the later value wins) end loading with a TopologyError at once, as does a map or
 * list used as a key (there is no sense to be made of what follows).
 */
export function readDocument(text: string, file: string): { value: unknown; issues: Issues } {
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml's warnings go to the console; the ones that matter are issues here.
  // Duplicate keys are found by checkShape in one pass: yaml's own check compares each key with every key before it.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const issues: Issues = new Issues(new YamlPlacement(doc, lineCounter, file, text));
  if (/\.json$/i.test(file)) jsonSyntax(text, issues);
  checkShape(doc, issues);
  const syntax = doc.errors.find((e) => e.code !== 'MULTIPLE_DOCS');
  // One syntax error is the cause; what the parser says after it (a missing bracket) only repeats it.
  for (const error of syntax === undefined ? doc.errors : [syntax]) {
    const found = pathAt(doc, error.pos[0]);
    if (error.code === 'MULTIPLE_DOCS') {
      issues.at(error.pos[0], [], 'a topology file holds one YAML document; this is a second one');
    } else {
      issues.at(error.pos[0], found.path, error.message);
    }
  }
  let collectionKeys = false;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return;
      collectionKeys = true;
      const offset = pair.key.range?.[0] ?? 0;
      const found = pathAt(doc, offset);
      issues.at(offset, found.key === undefined ? found.path : found.path.slice(0, -1), 'a key must be plain text, not a map or a list');
    },
  });
  if (collectionKeys || doc.errors.length > 0) issues.throw();
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), issues };
  } catch (error) {
    // Alias expansion past the limit (a "billion laughs" document).
    issues.add([], error instanceof Error ? error.message : String(error));
    issues.throw();
  }
}

/** A topology nests a handful of levels; the recursive steps after parsing (toJS, zod) need a bound far below the stack's. */
const MAX_DEPTH = 25;

/**
 * One walk over the document (without recursion): a key given twice in a map is an issue (the
 * later value wins, and loading goes on); a document nested deeper than MAX_DEPTH ends loading
 * with one message at the first node too deep.
 */
function checkShape(doc: Document, issues: Issues): void {
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path } = item;
    if (!isCollection(node)) continue;
    if (path.length >= MAX_DEPTH) {
      issues.at(node.range?.[0] ?? 0, path, `the document nests deeper than ${MAX_DEPTH} levels`);
      issues.throw();
    }
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (isScalar(pair.key)) {
          if (keys.has(key)) issues.at(pair.key.range?.[0] ?? 0, path, `duplicate key "${key}"`);
          keys.add(key);
        }
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else node.items.forEach((child, index) => stack.push({ node: child, path: [...path, index] }));
  }
}

/** A JSON file's syntax error, in JSON's words (JSON.parse's) rather than YAML's, at its place; ends loading. */
function jsonSyntax(text: string, issues: Issues): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message);
    const position = at === null ? text.length : Number(at[1]);
    issues.at(position, [], at === null ? message : message.slice(0, at.index));
    issues.throw();
  }
}

interface PendingIssue {
  position: number;
  path: string;
  message: string;
}

/**
 * Where the problems of a document are: a position for each path, ordered as the source is, and
 * how a position reads in a TopologyIssue. A YAML file's are offsets in its text; a topology
 * written in code places each problem at the builder call that gave the value (define.ts).
 */
export interface Placement {
  /** The position of the value at `path` (or, with `onKey`, of the key that names it). */
  locate(path: readonly PathSegment[], onKey: boolean): number;
  /** The position `column` characters (1-based) into the string at `path`. */
  locateInString(path: readonly PathSegment[], column: number): number;
  place(position: number): Pick<TopologyIssue, 'file' | 'line' | 'column'>;
}

/** A YAML document's places: offsets into its text, shown as file:line:column. */
class YamlPlacement implements Placement {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly file: string,
    private readonly source: string,
  ) {}

  locate(path: readonly PathSegment[], onKey: boolean): number {
    return locate(this.doc, path, onKey);
  }

  /** The position skips the string's opening quote, if it has one. */
  locateInString(path: readonly PathSegment[], column: number): number {
    const offset = locate(this.doc, path, false);
    const quoted = this.source[offset] === '"' || this.source[offset] === "'";
    return offset + (quoted ? 1 : 0) + column - 1;
  }

  place(offset: number): Pick<TopologyIssue, 'file' | 'line' | 'column'> {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

export class Issues {
  private readonly pending: PendingIssue[] = [];

  constructor(private readonly placement: Placement) {}

  get count(): number {
    return this.pending.length;
  }

  /** A problem with the value at `path` (or, with `onKey`, with the key that names it). */
  add(path: readonly PathSegment[], message: string, onKey = false): void {
    this.at(this.placement.locate(path, onKey), path, message);
  }

  /** A problem with key `key` of the map at `path`: the path is the map's, the position the key's. */
  addKey(path: readonly PathSegment[], key: string, message: string): void {
    this.at(this.placement.locate([...path, key], true), path, message);
  }

  /** A problem `column` characters (1-based) into the string at `path`, such as a flow's syntax error. */
  addInString(path: readonly PathSegment[], column: number, message: string): void {
    this.at(this.placement.locateInString(path, column), path, message);
  }

  at(position: number, path: readonly PathSegment[], message: string): void {
    this.pending.push({ position, path: formatPath(path), message });
  }

  /** Parses `value` with `schema`, reporting its problems under `path`; undefined if there were any. */
  parse<S extends z.ZodType>(schema: S, value: unknown, path: readonly PathSegment[]): z.output<S> | undefined {
    const result = schema.safeParse(value, { error: wording });
    if (result.success) return result.data;
    for (const issue of result.error.issues) this.fromZod(issue, path, value);
    return undefined;
  }

  private fromZod(issue: z.core.$ZodIssue, base: readonly PathSegment[], root: unknown): void {
    const relative = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    const path = [...base, ...relative];
    const value = valueAt(root, relative);
    switch (issue.code) {
      case 'invalid_union': {
        if ((issue as { note?: string }).note === 'No matching discriminator') {
          // Only nodes have one: `kind`.
          if (value === undefined) this.missing(path.slice(0, -1), 'kind');
          else if (typeof value === 'string') this.add(path, `unknown kind ${JSON.stringify(value)}${didYouMean(value, NODE_KINDS)} (kinds are ${listNames(NODE_KINDS)})`);
          else this.add(path, `expected a kind (${listNames(NODE_KINDS)}), got ${describeValue(value)}`);
          return;
        }
        // Report the alternative whose type matched (the list of addresses, not the one address).
        const matched = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
        if (matched.length === 1) {
          for (const inner of matched[0]!) this.fromZod(inner, path, value);
          return;
        }
        if (value === undefined) this.missing(path.slice(0, -1), String(path[path.length - 1]));
        else this.add(path, issue.message);
        return;
      }
      case 'unrecognized_keys': {
        const known = JSON.parse(issue.message) as string[];
        for (const key of issue.keys) this.unknownKey(path, key, known);
        return;
      }
      case 'invalid_key':
        this.add(path, issue.issues[0]?.message ?? issue.message, true);
        return;
      case 'invalid_type':
        if (value === undefined && path.length > 0) {
          this.missing(path.slice(0, -1), String(path[path.length - 1]));
          return;
        }
        this.add(path, issue.message);
        return;
      default:
        this.add(path, issue.message);
    }
  }

  missing(path: readonly PathSegment[], key: string): void {
    this.add(path, `missing required key "${key}"`, true);
  }

  unknownKey(path: readonly PathSegment[], key: string, known: readonly string[]): void {
    const hint = didYouMean(key, known);
    this.addKey(path, key, `unknown key ${JSON.stringify(key)}${hint === '' ? ` (keys are ${listNames(known)})` : hint}`);
  }

  throw(): never {
    const seen = new Set<string>();
    const issues: TopologyIssue[] = [];
    const sorted = [...this.pending].sort((a, b) => a.position - b.position);
    for (const p of sorted) {
      const issue = { ...this.placement.place(p.position), path: p.path, message: p.message };
      const key = `${issue.file}:${issue.line}:${issue.column} ${p.path}: ${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    throw new TopologyError(issues);
  }
}

/** zod's messages in the loader's words; schema.ts sets its own where it knows better. */
const wording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys': {
      // The known keys travel to fromZod in the message (one issue covers every unknown key).
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape ?? {};
      return JSON.stringify(Object.keys(shape));
    }
    case 'invalid_type':
      return `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be at least ${issue.minimum}, got ${describeValue(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `takes at most ${issue.maximum} item${issue.maximum === 1 ? '' : 's'}`;
      return `must be at most ${issue.maximum}, got ${describeValue(issue.input)}`;
    case 'invalid_union': {
      // Every alternative failed on its type: name them all (`expected text or a list`).
      const expected = issue.errors.flatMap((branch) => branch.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [NOUNS[i.expected] ?? i.expected] : [])));
      return expected.length === 0 ? undefined : `expected ${[...new Set(expected)].join(' or ')}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
};

const NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  map: 'a map',
  array: 'a list',
  tuple: 'a list',
};

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function start(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** `key:` with nothing after it: the value's position is the end of the line, so the key is shown. */
function isEmpty(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Each map's pairs by key text (the first of a duplicate), made once: a document's every issue is located, and a map may have 100,000 keys. */
const PAIRS = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairsOf(map: YAMLMap): Map<string, Pair> {
  let pairs = PAIRS.get(map);
  if (pairs === undefined) {
    pairs = new Map();
    for (const pair of map.items as Pair[]) if (!pairs.has(keyText(pair.key))) pairs.set(keyText(pair.key), pair);
    PAIRS.set(map, pairs);
  }
  return pairs;
}

/** The offset of the node at `path` (or of its key); the deepest node that exists when the rest does not. */
function locate(doc: Document, path: readonly PathSegment[], onKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i]!;
    let key: unknown;
    let next: unknown;
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(segment));
      if (pair === undefined) break;
      key = pair.key;
      next = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
      if (next === undefined) break;
    } else {
      break;
    }
    const keyStart = start(key);
    const last = i === path.length - 1;
    if (keyStart !== undefined && ((last && onKey) || next === null || isEmpty(next))) {
      offset = keyStart;
      if (!last) break;
    } else {
      offset = start(next) ?? offset;
    }
    node = next;
  }
  return offset;
}

/** The path of the deepest node holding `offset`; `key` when the offset is on a map key. */
function pathAt(doc: Document, offset: number): { path: PathSegment[]; key?: string } {
  const path: PathSegment[] = [];
  const holds = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range !== undefined && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
  };
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => holds(p.key) || holds(p.value));
      if (pair === undefined) break;
      path.push(keyText(pair.key));
      if (holds(pair.key)) return { path, key: keyText(pair.key) };
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => holds(item));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return { path };
}
