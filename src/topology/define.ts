/**
 * Topologies written in code: `topology('lan').host('h1', {…}).switch('s1', {…}).link('h1:eth0', 's1:p1').build()`.
 * The builder writes the same document a topology file parses to (its types are the file
 * format's, from schema.ts) and hands it to the loader's checks: one model, the same
 * messages, each placed at the builder call that gave the value instead of a line and column.
 */
import type * as z from 'zod';
import { Issues, type Placement } from './document.js';
import { checkDocument } from './load.js';
import type { PathSegment, TopologyIssue } from './errors.js';
import type {
  controllerSchema,
  defaultsSchema,
  deliveredSchema,
  droppedSchema,
  hostSchema,
  isolatedSchema,
  linkSchema,
  pathSchema,
  pingSchema,
  platformSchema,
  routerSchema,
  switchSchema,
  tenantSchema,
  udpSchema,
} from './schema.js';
import type { Topology } from './types.js';

export type HostInput = Omit<z.input<typeof hostSchema>, 'kind'>;
export type RouterInput = Omit<z.input<typeof routerSchema>, 'kind'>;
export type SwitchInput = Omit<z.input<typeof switchSchema>, 'kind'>;
export type ControllerInput = Omit<z.input<typeof controllerSchema>, 'kind'>;
/** A link's impairments and schedule; its endpoints are link()'s first two arguments. */
export type LinkInput = Omit<z.input<typeof linkSchema>, 'endpoints'>;
export type PingInput = z.input<typeof pingSchema>;
export type UdpInput = z.input<typeof udpSchema>;
export type ExpectationInput =
  | { delivered: z.input<typeof deliveredSchema> }
  | { dropped: z.input<typeof droppedSchema> }
  | { path: z.input<typeof pathSchema> }
  | { isolated: z.input<typeof isolatedSchema> };
export type TenantInput = z.input<typeof tenantSchema>;
export type PlatformInput = z.input<typeof platformSchema>;

export interface TopologyOptions {
  seed?: number;
  defaults?: z.input<typeof defaultsSchema>;
}

/** The document, as a topology file holding the same would parse to: `JSON.stringify(builder)` is such a file. */
export interface TopologyDocument {
  name: string;
  seed?: number;
  defaults?: z.input<typeof defaultsSchema>;
  nodes: Record<string, unknown>;
  links: unknown[];
  tenants?: Record<string, unknown>;
  platform?: PlatformInput;
  capture?: string[];
  traffic: unknown[];
  expect: unknown[];
}

/** A builder call and the part of the document it wrote. */
interface Call {
  text: string;
  path: PathSegment[];
}

/** Starts a topology written in code; `build()` checks it as the loader checks a file. */
export function topology(name: string, options: TopologyOptions = {}): TopologyBuilder {
  return new TopologyBuilder(name, options);
}

export class TopologyBuilder {
  private readonly document: TopologyDocument;
  private readonly calls: Call[];
  /** Problems the document cannot show (a name given twice): placed at the later call. */
  private readonly duplicates: { path: PathSegment[]; message: string }[] = [];

  constructor(name: string, options: TopologyOptions = {}) {
    this.document = { name, ...options, nodes: {}, links: [], traffic: [], expect: [] };
    this.calls = [{ text: `topology(${JSON.stringify(name)})`, path: [] }];
  }

  host(name: string, spec: HostInput): this {
    return this.node(name, { kind: 'host', ...spec }, 'host');
  }

  router(name: string, spec: RouterInput): this {
    return this.node(name, { kind: 'router', ...spec }, 'router');
  }

  switch(name: string, spec: SwitchInput): this {
    return this.node(name, { kind: 'switch', ...spec }, 'switch');
  }

  controller(name: string, spec: ControllerInput): this {
    return this.node(name, { kind: 'controller', ...spec }, 'controller');
  }

  /** A link between two ports, `node:port` each, with impairments and a schedule of its own if given. */
  link(a: string, b: string, spec?: LinkInput): this {
    this.call(`link(${JSON.stringify(a)}, ${JSON.stringify(b)}${spec === undefined ? '' : ', …'})`, ['links', this.document.links.length]);
    this.document.links.push({ endpoints: [a, b], ...spec });
    return this;
  }

  tenant(name: string, spec: TenantInput): this {
    const tenants = (this.document.tenants ??= {});
    if (Object.hasOwn(tenants, name)) this.duplicates.push({ path: ['tenants', name], message: `duplicate tenant ${JSON.stringify(name)}` });
    this.call(`tenant(${JSON.stringify(name)}, …)`, ['tenants', name]);
    define(tenants, name, spec);
    return this;
  }

  platform(spec: PlatformInput): this {
    this.call('platform(…)', ['platform']);
    this.document.platform = spec;
    return this;
  }

  /** The ports a run captures (`NODE:PORT`, `NODE:*`, `*`), as a file's `capture:`. */
  capture(ports: string[]): this {
    this.call('capture(…)', ['capture']);
    this.document.capture = ports;
    return this;
  }

  ping(spec: PingInput): this {
    return this.traffic('ping', spec);
  }

  udp(spec: UdpInput): this {
    return this.traffic('udp', spec);
  }

  expect(expectation: ExpectationInput): this {
    this.call('expect(…)', ['expect', this.document.expect.length]);
    this.document.expect.push(expectation);
    return this;
  }

  /** The document so far (the builder's own: change it through the builder). */
  toJSON(): TopologyDocument {
    return this.document;
  }

  /**
   * The topology, checked as loadTopology checks a file: a TopologyError lists every problem,
   * each at its builder call and path, e.g. `topology("lan").link("h1:eth0", "s9:p1") links[0].endpoints[1]: unknown node "s9"; …`.
   */
  build(): Topology {
    const issues = new Issues(new CallPlacement(this.calls));
    for (const d of this.duplicates) issues.add(d.path, d.message);
    return checkDocument(this.document, issues, this.calls[0]!.text);
  }

  private node(name: string, spec: { kind: string }, method: string): this {
    if (Object.hasOwn(this.document.nodes, name)) this.duplicates.push({ path: ['nodes', name], message: `duplicate node ${JSON.stringify(name)}` });
    this.call(`${method}(${JSON.stringify(name)}, …)`, ['nodes', name]);
    define(this.document.nodes, name, spec);
    return this;
  }

  private traffic(kind: 'ping' | 'udp', spec: PingInput | UdpInput): this {
    this.call(`${kind}(…)`, ['traffic', this.document.traffic.length]);
    this.document.traffic.push({ [kind]: spec });
    return this;
  }

  private call(text: string, path: PathSegment[]): void {
    this.calls.push({ text: `${this.calls[0]!.text}.${text}`, path });
  }
}

/** A key that is the object's own even when it is `__proto__` (the checks then refuse the name). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A problem's place is the builder call that wrote the deepest part of its path (the later one, for a name given twice). */
class CallPlacement implements Placement {
  constructor(private readonly calls: readonly Call[]) {}

  locate(path: readonly PathSegment[]): number {
    let found = 0;
    this.calls.forEach((call, i) => {
      if (call.path.length >= this.calls[found]!.path.length && call.path.every((segment, k) => path[k] === segment)) found = i;
    });
    return found;
  }

  locateInString(path: readonly PathSegment[]): number {
    return this.locate(path);
  }

  place(position: number): Pick<TopologyIssue, 'file' | 'line' | 'column'> {
    return { file: this.calls[position]!.text, line: 0, column: 0 };
  }
}
