/**
 * The checks that cross from one part of a topology to another (a link's node and port, a
 * route's next hop on a connected subnet, a traffic target with an address, an expectation's
 * traffic item), and the assembly of the Topology once nothing is wrong. Each piece's shape and
 * units are schema.ts's; a piece with a problem of its own is left out of the checks that
 * depend on it, so one mistake gives one message.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type * as z from 'zod';
import {
  EXPECTATION_KINDS,
  NODE_KINDS,
  TOP_LEVEL_KEYS,
  TRAFFIC_KINDS,
  defaultsSchema,
  deliveredSchema,
  describeValue,
  droppedSchema,
  duration,
  interfaceSchema,
  ipv4Address,
  ipv4Prefix,
  linkSchema,
  listSchema,
  mapSchema,
  platformSchema,
  captureSchema,
  tenantSchema,
  isolatedSchema,
  nameSchema,
  NODE_NAME,
  nodeName,
  nodeSchema,
  pathSchema,
  pingSchema,
  portName,
  seedSchema,
  udpSchema,
  type Ipv4,
  type Ipv6,
  type NodeInput,
} from './schema.js';
import { didYouMean, listNames, type PathSegment } from './errors.js';
import type { Issues } from './document.js';
import type { ControllerRef, Expectation, InterfaceSpec, LinkSpec, NodeSpec, RouteSpec, SwitchPortSpec, SwitchSpec, TenantPortSpec, TenantSpec, Topology, TrafficSpec } from './types.js';

import { MAX_TENANTS } from '../tenants/compile.js';
import { PLATFORM_NODE } from '../tenants/platform.js';
import { capturePatternProblem, switchCapturePoints } from './capture.js';
import { BUILT_IN_APP_NAMES, isModulePath } from '../controller/apps/index.js';
import { FlowSyntaxError, parseFlow, parseMeter, parseSelector, type Protocols } from '../switch/ofctl.js';
import { MeterError, MeterTable } from '../switch/meter.js';
import { W } from '../switch/fields.js';
import type { Match } from '../switch/flow.js';
import { inPrefix, inPrefix6, ipv4ToNumber, networkOf, numberToIpv4, prefixMask } from '../hosts/addressing.js';
import { isIpv4, numberToIpv6 } from '../wire/addresses.js';

type SwitchInput = Extract<NodeInput, { kind: 'switch' }>;

/** A tenant's port as written: a port name, or one VLAN of it. */
type PortEntry = string | { port: string; vlan: number };

type Kind = (typeof NODE_KINDS)[number];

/** What the checks know of a node, even one with problems of its own (so they do not pile up). */
interface NodeFacts {
  kind?: Kind;
  /** Interface or switch port names; undefined when they cannot be known. */
  ports?: string[];
  /** A switch's tunnel ports (they have no link: nothing to capture on). */
  tunnels?: string[];
  /** Interfaces whose addresses parsed. */
  interfaces: Map<string, ParsedInterface>;
  /** Every interface parsed: "has no IPv4 address" and "not on a subnet" can be trusted. */
  complete: boolean;
  /** The node as parsed, when it had no problems of its own. */
  parsed?: NodeInput;
  /** The interfaces as written, to name `ipv4` or `ipv4[1]` as the file does. */
  written: Record<string, unknown>;
}

interface ParsedInterface {
  ipv4: Ipv4[];
  ipv6: Ipv6[];
  mac?: string | undefined;
}

type Parsed<S extends z.ZodType> = z.output<S>;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Quiet parse: the value, or undefined (its problems are reported elsewhere). */
function quiet<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

export class Checker {
  private readonly nodes = new Map<string, NodeFacts>();
  /** Each linked port (node:port) and the port at the other end of its link. */
  private readonly peers = new Map<string, string>();
  /** Traffic names by index, explicit or default, for expectations that refer by name. */
  private readonly trafficNames: (string | undefined)[] = [];
  /** Tenant names as the file declares them, for expectations that name tenants. */
  private tenantNames: string[] = [];

  constructor(
    private readonly issues: Issues,
    private readonly file: string,
  ) {}

  check(raw: unknown): Topology | undefined {
    const issues = this.issues;
    if (raw === null || raw === undefined) {
      issues.add([], 'the file is empty; a topology needs at least "nodes"');
      return undefined;
    }
    if (!isObject(raw)) {
      issues.add([], `expected a map with ${listNames(TOP_LEVEL_KEYS)}, got ${describeValue(raw)}`);
      return undefined;
    }
    for (const key of Object.keys(raw)) {
      if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) issues.unknownKey([], key, TOP_LEVEL_KEYS);
    }
    const present = (key: string) => raw[key] !== undefined && raw[key] !== null;

    const name = raw['name'] === undefined ? defaultName(this.file) : issues.parse(nameSchema, raw['name'], ['name']);
    const seed = raw['seed'] === undefined ? 1 : issues.parse(seedSchema, raw['seed'], ['seed']);
    const defaults = issues.parse(defaultsSchema, present('defaults') ? raw['defaults'] : undefined, ['defaults']);

    if (raw['nodes'] === undefined) issues.missing([], 'nodes');
    else if (issues.parse(mapSchema, raw['nodes'], ['nodes']) !== undefined) this.readNodes(raw['nodes'] as Record<string, unknown>);

    const linksRaw = present('links') ? issues.parse(listSchema, raw['links'], ['links']) : [];
    const trafficRaw = present('traffic') ? issues.parse(listSchema, raw['traffic'], ['traffic']) : [];
    const expectRaw = present('expect') ? issues.parse(listSchema, raw['expect'], ['expect']) : [];

    const links = (linksRaw ?? []).map((link, i) => this.checkLink(link, i));
    this.checkLinkPorts(linksRaw ?? []);
    const traffic = (trafficRaw ?? []).map((item, i) => this.checkTraffic(item, i));
    this.checkTrafficNames(trafficRaw ?? []);
    this.checkUdpFlows(traffic);
    this.tenantNames = isObject(raw['tenants']) ? Object.keys(raw['tenants']) : [];
    const expect = (expectRaw ?? []).map((item, i) => this.checkExpectation(item, i, trafficRaw?.length ?? 0));
    const tenants = present('tenants') ? this.checkTenants(raw['tenants']) : undefined;
    const platform = present('platform') ? issues.parse(platformSchema, raw['platform'], ['platform']) : undefined;
    this.checkAddresses(tenants ?? []);
    const capture = present('capture') ? this.checkCapture(raw['capture']) : undefined;

    if (issues.count > 0 || name === undefined || seed === undefined || defaults === undefined) return undefined;
    if (linksRaw === undefined || trafficRaw === undefined || expectRaw === undefined) return undefined;
    return {
      name,
      seed,
      nodes: this.buildNodes(),
      links: links.map((link) => buildLink(link!, defaults.link)),
      traffic: traffic.map((t) => t!),
      expect: expect.map((e) => e!),
      ...(tenants !== undefined && { tenants, platform: platform ?? { latency: 1e6, schedule: [] } }),
      ...(capture !== undefined && { capture }),
    };
  }

  /** `capture:` names ports that exist (a switch's control channel too). */
  private checkCapture(raw: unknown): string[] | undefined {
    const patterns = this.issues.parse(captureSchema, raw, ['capture']);
    if (patterns === undefined) return undefined;
    const names = new Map([...this.nodes].map(([node, facts]) => [node, facts.ports && (facts.kind === 'switch' ? switchCapturePoints(facts.ports, facts.tunnels ?? []) : facts.ports)]));
    patterns.forEach((pattern, i) => {
      const problem = capturePatternProblem(pattern, names);
      if (problem !== undefined) this.issues.add(['capture', i], problem);
    });
    return patterns;
  }

  // ---- tenants

  /** Tenants: each names a controller node, a space of at least /8, and virtual switches on switches and ports that exist; an edge port has one owner. */
  private checkTenants(raw: unknown): TenantSpec[] | undefined {
    const parsed = this.issues.parse(mapSchema, raw, ['tenants']);
    if (parsed === undefined) return undefined;
    const out: TenantSpec[] = [];
    const owner = new Map<string, string>();
    /** Ports bound by VLAN: node:port -> VLAN id -> tenant. */
    const byVlan = new Map<string, Map<number, string>>();
    const trunks: { id: string; path: PathSegment[] }[] = [];
    const watched: { tenant: string; id: string; path: PathSegment[]; reads: ReadonlySet<string> }[] = [];
    const names = Object.keys(parsed);
    if (this.nodes.has(PLATFORM_NODE)) this.issues.add(['nodes', PLATFORM_NODE], `with tenants, "${PLATFORM_NODE}" is the platform's name: give this node another`);
    if (names.length > MAX_TENANTS) this.issues.add(['tenants'], `${names.length} tenants; the platform has room for ${MAX_TENANTS}`);
    names.forEach((name, i) => {
      const path = ['tenants', name];
      if (quiet(nodeName, name) === undefined) this.issues.add(path, `tenant name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, _ and -`, true);
      const value = parsed[name];
      if (!isObject(value)) {
        this.issues.parse(tenantSchema, value, path);
        return;
      }
      const KEYS = ['controller', 'addresses', 'switches', 'flowspace', 'bandwidth', 'quota'];
      for (const key of Object.keys(value)) if (!KEYS.includes(key)) this.issues.unknownKey(path, key, KEYS);
      const quota = value['quota'] === undefined ? undefined : this.issues.parse(tenantSchema.shape.quota, value['quota'], [...path, 'quota']);
      const bandwidth = value['bandwidth'] === undefined ? undefined : this.issues.parse(tenantSchema.shape.bandwidth, value['bandwidth'], [...path, 'bandwidth']);
      // Each part on its own, so one mistake does not hide the others.
      const t = {
        controller: this.issues.parse(tenantSchema.shape.controller, value['controller'], [...path, 'controller']),
        addresses: this.issues.parse(tenantSchema.shape.addresses, value['addresses'], [...path, 'addresses']),
        switches: this.issues.parse(tenantSchema.shape.switches, value['switches'], [...path, 'switches']),
      };
      if (t.controller !== undefined && !t.controller.startsWith('tcp:')) this.checkTenantController(path, t.controller);
      const flowspace = value['flowspace'] === undefined ? undefined : this.issues.parse(tenantSchema.shape.flowspace, value['flowspace'], [...path, 'flowspace']);
      const readOnly = flowspace !== undefined && flowspace.every((e) => e.permission === 'read');
      if (t.addresses === undefined && value['addresses'] === undefined && !readOnly) this.issues.add(path, 'a tenant needs addresses (its IPv4 space); only a read-only tenant, whose every flowspace entry reads another\'s traffic, goes without');
      if (t.addresses !== undefined && t.addresses.prefixLength < 8) this.issues.add([...path, 'addresses'], `${t.addresses.address}/${t.addresses.prefixLength} is wider than /8: the platform keeps the top 8 bits of physical addresses for the tenant`);
      const carved = new Map<string, string>();
      const switches = Object.entries(t.switches ?? {}).map(([vs, spec]) => {
        const where = [...path, 'switches', vs];
        const parts = this.virtualSwitchParts(where, spec);
        const ports: TenantPortSpec[] = [];
        for (const part of parts) {
          const physical = this.nodes.get(part.switch);
          if (physical === undefined) this.issues.add(part.at, this.unknownNode(part.switch));
          else if (physical.kind !== undefined && physical.kind !== 'switch') this.issues.add(part.at, `${part.switch} is a ${physical.kind}, not a switch`);
          else if (physical.parsed?.kind === 'switch' && physical.parsed.controller !== undefined) this.issues.add(part.at, `${part.switch} has its own controller; a switch the platform runs has none (the platform is its controller)`);
          part.ports.forEach((entry, j) => {
            const at = [...part.portsAt, j];
            const { port, vlan } = typeof entry === 'string' ? { port: entry, vlan: undefined } : entry;
            const portAt = typeof entry === 'string' ? at : [...at, 'port'];
            if (physical?.ports !== undefined && !physical.ports.includes(port)) {
              this.issues.add(portAt, `unknown port "${port}" on ${part.switch}${didYouMean(port, physical.ports)} (${part.switch} has ${listNames(physical.ports)})`);
              return;
            }
            const id = `${part.switch}:${port}`;
            ports.push({ switch: part.switch, port, ...(vlan !== undefined && { vlan }) });
            if (parts.length > 1 && this.linksSwitches(id) && vlan === undefined) this.issues.add(at, `${id} links to another switch; a big switch's ports are its hosts' (the platform routes between its switches)`);
            // A read-only tenant watches other tenants' ports (checked once all are known).
            if (readOnly) {
              watched.push({ tenant: name, id: vlan === undefined ? id : `${id} VLAN ${vlan}`, path: at, reads: new Set(flowspace.map((e) => e.of ?? '')) });
              return;
            }
            if (vlan !== undefined) {
              trunks.push({ id, path: at });
              const vlans = byVlan.get(id) ?? new Map<number, string>();
              byVlan.set(id, vlans);
              const other = vlans.get(vlan);
              const mine = [...vlans].find(([, t]) => t === name);
              if (other !== undefined) this.issues.add([...at, 'vlan'], `${id} VLAN ${vlan} already belongs to tenant ${other}; a VLAN of a port has one tenant`);
              else if (mine !== undefined) this.issues.add([...at, 'vlan'], `${name} already has ${id} by VLAN ${mine[0]}; a tenant has one VLAN of a port`);
              else if (owner.has(id)) this.issues.add(at, `${id} already belongs to tenant ${owner.get(id)} untagged; a port is either one tenant's or shared by VLAN`);
              else vlans.set(vlan, name);
              owner.set(`${id} VLAN ${vlan}`, name);
              return;
            }
            const other = owner.get(id);
            if (other !== undefined && other !== name && !this.linksSwitches(id)) this.issues.add(at, `${id} already belongs to tenant ${other}; a port to a host has one tenant`);
            else if (byVlan.has(id)) this.issues.add(at, `${id} is shared by VLAN (tenant ${[...byVlan.get(id)!.values()][0]}'s); bind one of its VLANs, { port: ${port}, vlan: N }`);
            owner.set(id, name);
          });
        }
        if (parts.length > 1) this.checkBigSwitch(where, parts.map((p) => p.switch));
        // Its rules and groups on a physical switch are one table's, under one tag: one virtual switch there.
        const first = parts.length === 1 ? carved.get(parts[0]!.switch) : undefined;
        if (first !== undefined) this.issues.add(parts[0]!.at, `${name}'s virtual switch ${first} is on ${parts[0]!.switch} already; a tenant has one virtual switch on a physical switch (give that one these ports)`);
        else if (parts.length === 1) carved.set(parts[0]!.switch, vs);
        return { name: vs, ports };
      });
      if (switches.length > 1 && switches.some((v) => new Set(v.ports.map((p) => p.switch)).size > 1)) {
        this.issues.add([...path, 'switches'], "a tenant with a big switch has no other virtual switch: the big switch is its whole network");
      }
      if (flowspace !== undefined) this.checkFlowspace(path, name, flowspace, names, Object.keys(t.switches ?? {}));
      if (t.controller === undefined || (t.addresses === undefined && !readOnly) || t.switches === undefined) return;
      out.push({ name, id: i + 1, controller: controllerRef(t.controller), ...(t.addresses !== undefined && { prefix: t.addresses.address, prefixLength: t.addresses.prefixLength }), switches,
        ...(flowspace !== undefined && { flowspace: flowspace.map((e) => ({ match: e.match, permission: e.permission, ...(e.of !== undefined && { of: e.of }), ...(e.switches !== undefined && { switches: e.switches }) })) }), ...(bandwidth !== undefined && { bandwidthWeight: bandwidth.weight }), ...(quota?.flows !== undefined && { maxFlows: quota.flows }), ...(quota?.groups !== undefined && { maxGroups: quota.groups }), ...(quota?.meters !== undefined && { maxMeters: quota.meters }), ...(quota?.messages !== undefined && { messageRate: bucket(quota.messages) }), ...(quota?.packetIns !== undefined && { packetInRate: bucket(quota.packetIns) }) });
    });
    // A trunk's far end is hosts (an access switch the platform does not run, or a host): a port between the platform's switches carries every tenant untagged.
    const runs = new Set(out.flatMap((t) => t.switches.flatMap((s) => s.ports.map((p) => p.switch))));
    for (const t of trunks) {
      const peer = this.peers.get(t.id);
      const far = peer?.slice(0, peer.indexOf(':'));
      if (far !== undefined && runs.has(far)) this.issues.add(t.path, `${t.id} links to ${far}, a switch the platform runs: a port between its switches carries every tenant and is bound by no VLAN`);
    }
    for (const w of watched) {
      const holder = owner.get(w.id);
      if (holder !== undefined && !w.reads.has(holder) && !this.linksSwitches(w.id)) this.issues.add(w.path, `${w.id} belongs to tenant ${holder}, whose traffic ${w.tenant} does not read`);
    }
    this.checkSpaces(out);
    if (out.some((t) => t.bandwidthWeight !== undefined)) this.checkSharedQueues(out);
    return out;
  }

  /** With bandwidth shares, the queues of the links between the platform's switches are the platform's. */
  private checkSharedQueues(tenants: readonly TenantSpec[]): void {
    const runs = new Set(tenants.flatMap((t) => t.switches.flatMap((s) => s.ports.map((p) => p.switch))));
    for (const [id, peer] of this.peers) {
      const [node, port] = id.split(':') as [string, string];
      if (!runs.has(node) || !runs.has(peer.slice(0, peer.indexOf(':')))) continue;
      const parsed = this.nodes.get(node)?.parsed;
      if (parsed?.kind !== 'switch' || Array.isArray(parsed.ports) || parsed.ports[port]?.queues === undefined) continue;
      this.issues.add(['nodes', node, 'ports', port, 'queues'], `${id} links two switches the platform runs: with tenants' bandwidth shares its queues are the platform's (one per tenant)`);
    }
  }

  /** A virtual switch's physical switches and their ports, from either form (switch + ports, or switches). */
  private virtualSwitchParts(where: PathSegment[], spec: { switch?: string | undefined; ports?: PortEntry[] | undefined; switches?: Record<string, PortEntry[]> | undefined }): { switch: string; ports: PortEntry[]; at: PathSegment[]; portsAt: PathSegment[] }[] {
    if (spec.switches !== undefined) {
      if (spec.switch !== undefined || spec.ports !== undefined) this.issues.add(where, 'a virtual switch is either one switch (switch and ports) or a big switch (switches), not both');
      return Object.entries(spec.switches).map(([sw, ports]) => ({ switch: sw, ports, at: [...where, 'switches', sw], portsAt: [...where, 'switches', sw] }));
    }
    if (spec.switch === undefined || spec.ports === undefined) {
      this.issues.add(where, 'a virtual switch needs switch and ports (switch: s1, ports: [p1, p2]), or switches for a big switch ({ s1: [p1], s2: [p2] })');
      return [];
    }
    return [{ switch: spec.switch, ports: spec.ports, at: [...where, 'switch'], portsAt: [...where, 'ports'] }];
  }

  /** A big switch's physical switches are joined by links among themselves: the platform routes inside it over them. */
  private checkBigSwitch(where: PathSegment[], members: readonly string[]): void {
    const set = new Set(members);
    const reached = new Set([members[0]!]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [a, b] of this.peers) {
        const [na, nb] = [a.slice(0, a.indexOf(':')), b.slice(0, b.indexOf(':'))];
        if (reached.has(na) && set.has(nb) && !reached.has(nb)) {
          reached.add(nb);
          grew = true;
        }
      }
    }
    const apart = members.filter((m) => !reached.has(m));
    if (apart.length > 0) this.issues.add([...where, 'switches'], `${listNames(apart)} ${apart.length === 1 ? 'is' : 'are'} not linked to ${members[0]} through the big switch's own switches; the platform routes inside a big switch over links between them`);
  }

  /** Each entry's match parses (no ports: the virtual switches give them); read names another tenant, write none; switches are the tenant's own. */
  private checkFlowspace(path: PathSegment[], name: string, entries: readonly { match: string; permission: 'read' | 'write'; of?: string | undefined; switches?: string[] | undefined }[], tenants: readonly string[], switches: readonly string[]): void {
    entries.forEach((e, i) => {
      const where = [...path, 'flowspace', i];
      e.switches?.forEach((vs, j) => {
        if (!switches.includes(vs)) this.issues.add([...where, 'switches', j], `unknown virtual switch "${vs}"${didYouMean(vs, switches)} (${name} has ${listNames(switches)})`);
        else if (e.switches!.indexOf(vs) !== j) this.issues.add([...where, 'switches', j], `${vs} is named twice`);
      });
      try {
        const { match } = parseSelector(e.match).rule;
        if (match.masks[W.IN_PORT] !== 0) this.issues.add([...where, 'match'], 'a flowspace entry takes no in_port: the virtual switches give the tenant its ports');
        else if (match.masks[W.METADATA] !== 0 || match.masks[W.METADATA + 1] !== 0) this.issues.add([...where, 'match'], "metadata is the platform's: a flowspace entry cannot match it");
      } catch (error) {
        if (!(error instanceof FlowSyntaxError)) throw error;
        this.issues.addInString([...where, 'match'], error.column, error.reason);
      }
      if (e.permission === 'write' && e.of !== undefined) this.issues.add([...where, 'of'], 'a tenant writes only its own traffic: of goes with permission read');
      if (e.permission === 'read' && e.of === undefined) this.issues.add(where, `read needs of: the tenant whose traffic it reads (${listNames(tenants.filter((t) => t !== name))})`);
      if (e.of === name) this.issues.add([...where, 'of'], `${name} reads its own traffic already; of names another tenant`);
      else if (e.of !== undefined && !tenants.includes(e.of)) this.issues.add([...where, 'of'], `unknown tenant "${e.of}"${didYouMean(e.of, tenants)} (tenants are ${listNames(tenants)})`);
    });
  }

  /** A write entry's addresses lie in the tenant's own space, a read entry's in the space of the tenant it reads: else it matches nothing. */
  private checkSpaces(tenants: readonly TenantSpec[]): void {
    const byName = new Map(tenants.map((t) => [t.name, t]));
    for (const t of tenants) {
      t.flowspace?.forEach((e, i) => {
        const whose = e.of === undefined ? t : byName.get(e.of);
        if (whose?.prefix === undefined) return;
        const space = { id: whose.id, prefix: ipv4ToNumber(whose.prefix), length: whose.prefixLength! };
        let match: Match;
        try {
          match = parseSelector(e.match).rule.match;
        } catch {
          return; // checkFlowspace said why
        }
        for (const [word, field] of [[W.NW_SRC, 'nw_src'], [W.NW_DST, 'nw_dst']] as const) {
          const mask = match.masks[word]! & prefixMask(space.length);
          if ((((match.values[word]! ^ space.prefix) & mask) >>> 0) !== 0) {
            this.issues.add(['tenants', t.name, 'flowspace', i, 'match'], `${field}=${numberToIpv4(match.values[word]!)} is outside ${whose.name}'s addresses ${whose.prefix}/${whose.prefixLength}: the entry matches nothing`);
          }
        }
      });
    }
  }

  private checkTenantController(path: PathSegment[], name: string): void {
    const controller = this.nodes.get(name);
    if (controller === undefined) this.issues.add([...path, 'controller'], this.unknownNode(name));
    else if (controller.kind !== undefined && controller.kind !== 'controller') this.issues.add([...path, 'controller'], `${name} is a ${controller.kind}, not a controller`);
  }

  /** The port (node:port) is linked to another switch: a core port tenants share. */
  private linksSwitches(id: string): boolean {
    const peer = this.peers.get(id);
    return peer !== undefined && this.nodes.get(peer.slice(0, peer.indexOf(':')))?.kind === 'switch';
  }

  // ---- nodes

  private readNodes(raw: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(raw)) {
      const path = ['nodes', name];
      if (quiet(nodeName, name) === undefined) {
        this.issues.add(path, `node name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, _ and -`, true);
      }
      const facts: NodeFacts = { interfaces: new Map(), complete: true, written: {} };
      this.nodes.set(name, facts);
      const parsed = this.issues.parse(nodeSchema, value, path);
      if (parsed !== undefined) facts.parsed = parsed;
      if (!isObject(value)) {
        facts.complete = false;
        continue;
      }
      const kind = value['kind'];
      if (typeof kind === 'string' && (NODE_KINDS as readonly string[]).includes(kind)) facts.kind = kind as Kind;
      if (facts.kind === 'switch') {
        const ports = value['ports'];
        if (Array.isArray(ports)) facts.ports = [...new Set(ports.filter((p): p is string => typeof p === 'string'))];
        else if (isObject(ports)) {
          facts.ports = Object.keys(ports);
          facts.tunnels = Object.entries(ports).filter(([, port]) => isObject(port) && port['type'] !== undefined).map(([name]) => name);
        }
        const underlay = value['underlay'];
        if (isObject(underlay) && typeof underlay['port'] === 'string') facts.ports = [...(facts.ports ?? []), underlay['port']];
        this.checkSwitchPorts(name, ports, isObject(underlay));
      } else if (facts.kind === 'controller') {
        // The control channel is out of band: a controller has no ports to link.
        facts.ports = [];
      } else if (facts.kind !== undefined) {
        const interfaces = value['interfaces'];
        if (isObject(interfaces)) {
          facts.ports = Object.keys(interfaces);
          facts.written = interfaces;
          for (const [port, spec] of Object.entries(interfaces)) {
            const parsedInterface = quiet(interfaceSchema, spec);
            if (parsedInterface === undefined) facts.complete = false;
            else facts.interfaces.set(port, parsedInterface);
          }
        } else {
          facts.complete = false;
        }
      }
    }
    for (const [name, facts] of this.nodes) {
      const value = raw[name];
      if (!isObject(value)) continue;
      if (facts.kind === 'host') this.checkGateway(name, facts, value['gateway']);
      if (facts.kind === 'router') this.checkRoutes(name, facts, value['routes']);
      if (facts.kind === 'router') this.checkDistinctSubnets(name, facts);
      if (facts.kind === 'switch' && facts.parsed?.kind === 'switch' && facts.parsed.underlay !== undefined) this.checkUnderlay(name, facts.parsed.underlay, facts.parsed.ports);
      if (facts.kind === 'switch' && facts.parsed?.kind === 'switch') this.checkFlows(name, this.switchPorts(facts.parsed.ports), facts.parsed.flows, this.checkMeters(name, facts.parsed.meters), facts.parsed.protocols);
      if (facts.kind === 'switch' && typeof value['controller'] === 'string' && !value['controller'].startsWith('tcp:')) this.checkController(name, value['controller']);
      if (facts.kind === 'controller' && typeof value['app'] === 'string') this.checkApp(name, value['app']);
    }
  }

  /** A switch's `controller:` names a controller node. */
  private checkController(name: string, controller: string): void {
    const target = this.nodes.get(controller);
    if (target === undefined) {
      const controllers = [...this.nodes].filter(([, f]) => f.kind === 'controller').map(([n]) => n);
      this.issues.add(['nodes', name, 'controller'], `unknown controller "${controller}"${didYouMean(controller, controllers)} (${controllers.length > 0 ? `controllers are ${listNames(controllers)}` : 'the topology has no controller node'}; or write tcp:HOST:PORT)`);
    } else if (target.kind !== undefined && target.kind !== 'controller') {
      this.issues.add(['nodes', name, 'controller'], `${controller} is a ${target.kind}, not a controller`);
    }
  }

  /** A controller's app is a built-in one or a module path (./app.js, /abs/app.ts). */
  private checkApp(name: string, app: string): void {
    if (isModulePath(app) || BUILT_IN_APP_NAMES.includes(app)) return;
    this.issues.add(['nodes', name, 'app'], `unknown app "${app}"${didYouMean(app, [...BUILT_IN_APP_NAMES])} (built-in apps are ${listNames([...BUILT_IN_APP_NAMES])}; a module path starts with ./, ../ or /)`);
  }

  private checkSwitchPorts(name: string, ports: unknown, hasUnderlay: boolean): void {
    if (Array.isArray(ports)) {
      const seen = new Set<string>();
      ports.forEach((port, i) => {
        if (typeof port !== 'string') return;
        if (seen.has(port)) this.issues.add(['nodes', name, 'ports', i], `duplicate port "${port}"`);
        seen.add(port);
      });
      return;
    }
    if (!isObject(ports)) return;
    const numbers = new Map<number, string>();
    Object.entries(ports).forEach(([port, spec], i) => {
      const ofport = isObject(spec) && typeof spec['ofport'] === 'number' ? spec['ofport'] : i + 1;
      const other = numbers.get(ofport);
      if (other !== undefined) this.issues.add(['nodes', name, 'ports', port], `OpenFlow port ${ofport} is also ${other}'s`);
      numbers.set(ofport, port);
      if (isObject(spec) && spec['tag'] !== undefined && spec['trunks'] !== undefined) {
        this.issues.add(['nodes', name, 'ports', port], 'a port is an access port (tag) or a trunk (trunks), not both');
      }
      if (isObject(spec) && spec['type'] !== undefined) {
        const at = ['nodes', name, 'ports', port];
        if (!hasUnderlay) this.issues.add(at, `${port} is a tunnel port; the switch needs an underlay: { port, ipv4 or ipv6, gateway } to send tunnels through`);
        if (spec['remoteIp'] === undefined) this.issues.add(at, `${port} needs remoteIp (an address, or flow)`);
        if (spec['type'] === 'esp' && spec['esp'] === undefined) this.issues.add(at, `${port} is an esp tunnel and needs esp: { alg, key, spiOut, spiIn }`);
        if (spec['type'] === 'gre' && spec['esp'] !== undefined) this.issues.add([...at, 'esp'], 'a GRE tunnel protected by ESP is type: esp');
        if (spec['queues'] !== undefined) this.issues.add([...at, 'queues'], `${port} is a tunnel port: it has no link of its own to queue for (its packets leave by the underlay)`);
      } else if (isObject(spec)) {
        for (const key of ['remoteIp', 'key', 'dstPort', 'dfDefault', 'esp']) {
          if (spec[key] !== undefined) this.issues.add(['nodes', name, 'ports', port, key], `${key} belongs to a tunnel port (type: vxlan, gre or esp)`);
        }
      }
    });
  }

  /** The switch's ports in order, with OpenFlow numbers and VLAN roles. */
  private switchPorts(ports: SwitchInput['ports']): SwitchPortSpec[] {
    if (Array.isArray(ports)) return ports.map((name, i) => ({ name, ofport: i + 1 }));
    return Object.entries(ports).map(([name, spec], i) => ({
      name,
      ofport: spec?.ofport ?? i + 1,
      ...(spec?.tag !== undefined && { tag: spec.tag }),
      ...(spec?.trunks !== undefined && { trunks: spec.trunks }),
      ...(spec?.queues !== undefined && { queues: Object.entries(spec.queues).map(([id, q]) => ({ id: Number(id), weight: q.weight })).sort((a, b) => a.id - b.id) }),
      ...(spec?.type !== undefined && {
        tunnel: {
          type: spec.type,
          remoteIp: spec.remoteIp === undefined || spec.remoteIp === 'flow' ? 'flow' : spec.remoteIp.address,
          key: spec.key ?? 0,
          dstPort: spec.dstPort ?? 4789,
          ...(spec.dfDefault !== undefined && { dfDefault: spec.dfDefault }),
          ...(spec.esp !== undefined && { esp: spec.esp }),
        },
      }),
    }));
  }

  /** Each flow parses, with its ports named, and its mistakes placed inside the string; a flow's meter must be among the switch's. */
  private checkFlows(name: string, ports: SwitchPortSpec[], flows: string[], meters: ReadonlySet<number>, protocols: Protocols | undefined): void {
    const names = new Map(ports.map((p) => [p.name, p.ofport]));
    flows.forEach((flow, i) => {
      try {
        const rule = parseFlow(flow, { ports: names, ...(protocols !== undefined && { protocols }) });
        if (rule.meter !== undefined && !meters.has(rule.meter)) {
          this.issues.addInString(['nodes', name, 'flows', i], flow.indexOf('meter') + 1, `meter ${rule.meter} is not among this switch's meters (declare it under meters:); OVS refuses the flow (OFPMMFC_INVALID_METER)`);
        }
      } catch (error) {
        if (!(error instanceof FlowSyntaxError)) throw error;
        this.issues.addInString(['nodes', name, 'flows', i], error.column, error.reason);
      }
    });
  }

  /** Each meter parses and a meter table takes it (one meter per id); returns the ids declared. */
  private checkMeters(name: string, meters: readonly string[]): Set<number> {
    const table = new MeterTable();
    meters.forEach((text, i) => {
      try {
        table.add(parseMeter(text), 0);
      } catch (error) {
        if (error instanceof FlowSyntaxError) this.issues.addInString(['nodes', name, 'meters', i], error.column, error.reason);
        else if (error instanceof MeterError) this.issues.add(['nodes', name, 'meters', i], error.message);
        else throw error;
      }
    });
    return new Set(table.all().map((m) => m.id));
  }

  /**
   * No address or MAC on two interfaces (a switch's underlay is one too) — except IPv4 addresses
   * of hosts in different tenants, which the platform keeps apart.
   */
  private checkAddresses(tenants: readonly TenantSpec[]): void {
    const owners = new Map<string, string>();
    const macs = new Map<string, string>();
    const tenantOf = new Map<string, string>();
    for (const t of tenants) {
      // A read-only tenant's ports are the hosts' own tenant's.
      if (t.prefix === undefined) continue;
      for (const s of t.switches) for (const p of s.ports) {
        const far = this.peers.get(`${p.switch}:${p.port}`);
        if (far === undefined) continue;
        if (p.vlan === undefined) tenantOf.set(far, t.name);
        else for (const host of this.accessPorts(far, p.vlan)) tenantOf.set(host, t.name);
      }
    }
    const claim = (claims: Map<string, string>, key: string, owner: string, path: PathSegment[], shown: string) => {
      const earlier = claims.get(key);
      if (earlier !== undefined) this.issues.add(path, `${shown} is also on ${earlier}`);
      else claims.set(key, owner);
    };
    for (const [node, facts] of this.nodes) {
      for (const [port, spec] of facts.interfaces) {
        const where = ['nodes', node, 'interfaces', port];
        for (const family of ['ipv4', 'ipv6'] as const) {
          const list: { address: string }[] = spec[family];
          list.forEach((ip, i) => {
            const written = facts.written[port];
            const path = isObject(written) && Array.isArray(written[family]) ? [...where, family, i] : [...where, family];
            const tenant = family === 'ipv4' ? tenantOf.get(`${node}:${port}`) : undefined;
            claim(owners, tenant === undefined ? ip.address : `${tenant} ${ip.address}`, `${node}:${port}`, path, ip.address);
          });
        }
        if (spec.mac !== undefined) claim(macs, spec.mac, `${node}:${port}`, [...where, 'mac'], `MAC ${spec.mac}`);
      }
      const underlay = facts.parsed?.kind === 'switch' ? facts.parsed.underlay : undefined;
      if (underlay !== undefined) {
        const where = ['nodes', node, 'underlay'];
        for (const family of ['ipv4', 'ipv6'] as const) {
          const ip = underlay[family];
          if (ip !== undefined) claim(owners, ip.address, `${node}:${underlay.port}`, [...where, family], ip.address);
        }
        if (underlay.mac !== undefined) claim(macs, underlay.mac, `${node}:${underlay.port}`, [...where, 'mac'], `MAC ${underlay.mac}`);
      }
    }
  }

  /** The far ends of the access ports of VLAN `vid` on the switch whose trunk port is `trunk` (node:port): the hosts a tenant has by that VLAN. */
  private accessPorts(trunk: string, vid: number): string[] {
    const node = trunk.slice(0, trunk.indexOf(':'));
    const parsed = this.nodes.get(node)?.parsed;
    if (parsed?.kind !== 'switch' || Array.isArray(parsed.ports)) return [];
    return Object.entries(parsed.ports).flatMap(([port, spec]) => {
      const far = spec?.tag === vid ? this.peers.get(`${node}:${port}`) : undefined;
      return far === undefined ? [] : [far];
    });
  }

  private subnetsOf(facts: NodeFacts, only?: string): { port: string; ip: Ipv4 }[] {
    const subnets: { port: string; ip: Ipv4 }[] = [];
    for (const [port, spec] of facts.interfaces) {
      if (only !== undefined && port !== only) continue;
      for (const ip of spec.ipv4) subnets.push({ port, ip });
    }
    return subnets;
  }

  private checkGateway(name: string, facts: NodeFacts, raw: unknown): void {
    if (raw === undefined) return;
    const gateway = quiet(ipv4Address, raw);
    if (gateway === undefined || !facts.complete) return;
    const path = ['nodes', name, 'gateway'];
    const subnets = this.subnetsOf(facts);
    if (subnets.some((s) => s.ip.value === gateway.value)) {
      this.issues.add(path, `${gateway.address} is ${name}'s own address; the gateway is the next router`);
    } else if (!subnets.some((s) => onSubnet(gateway, s.ip))) {
      this.issues.add(path, `${gateway.address} is not on a subnet of ${name} (${subnetList(subnets)})`);
    }
  }

  /**
   * A switch's underlay has an IPv4 or IPv6 address (or both); each tunnel endpoint and the
   * gateway need an address of their own family there, and the gateway is a router on that subnet.
   */
  private checkUnderlay(name: string, underlay: NonNullable<SwitchInput['underlay']>, ports: SwitchInput['ports']): void {
    const at = ['nodes', name, 'underlay'];
    if (underlay.ipv4 === undefined && underlay.ipv6 === undefined) this.issues.add(at, 'the underlay needs a local tunnel endpoint address: ipv4, ipv6 or both');
    const local = (ip: Ipv4 | Ipv6) => (typeof ip.value === 'bigint' ? underlay.ipv6 : underlay.ipv4);
    const family = (ip: Ipv4 | Ipv6) => (typeof ip.value === 'bigint' ? 'ipv6' : 'ipv4');
    if (!Array.isArray(ports)) {
      for (const [port, spec] of Object.entries(ports)) {
        const remote = spec?.remoteIp;
        if (remote === undefined || remote === 'flow' || local(remote) !== undefined) continue;
        this.issues.add(['nodes', name, 'ports', port, 'remoteIp'], `${remote.address} is an ${family(remote) === 'ipv6' ? 'IPv6' : 'IPv4'} endpoint and ${name}'s underlay has no ${family(remote)} address to send from`);
      }
    }
    const gateway = underlay.gateway;
    if (gateway === undefined) return;
    const address = local(gateway);
    const path = [...at, 'gateway'];
    if (address === undefined) this.issues.add(path, `${gateway.address} is an ${family(gateway) === 'ipv6' ? 'IPv6' : 'IPv4'} gateway and ${name}'s underlay has no ${family(gateway)} address`);
    else if (gateway.value === address.value) this.issues.add(path, `${gateway.address} is ${name}'s own underlay address; the gateway is the next router`);
    else if (!onSubnet(gateway, address)) this.issues.add(path, `${gateway.address} is not on ${name}'s underlay subnet (${subnetText(address)}): tunnel packets could not reach it`);
  }

  /** A router's interfaces are on different subnets: with two on overlapping ones, a packet for either has two ways out. */
  private checkDistinctSubnets(name: string, facts: NodeFacts): void {
    const subnets = this.subnetsOf(facts);
    subnets.forEach((s, i) => {
      const other = subnets.slice(0, i).find((o) => o.port !== s.port && overlaps(s.ip, o.ip));
      if (other === undefined) return;
      this.issues.add(['nodes', name, 'interfaces', s.port, 'ipv4'], `${subnetList([s])} on ${s.port} overlaps ${other.port}'s ${subnetList([other])}: a router's interfaces are on different subnets`);
    });
  }

  private checkRoutes(name: string, facts: NodeFacts, raw: unknown): void {
    if (!Array.isArray(raw)) return;
    const destinations = new Map<string, number>();
    raw.forEach((route, i) => {
      if (!isObject(route)) return;
      const path = ['nodes', name, 'routes', i];
      const to = quiet(ipv4Prefix, route['to']);
      if (to !== undefined) {
        const key = `${to.address}/${to.prefixLength}`;
        const first = destinations.get(key);
        if (first !== undefined) this.issues.add([...path, 'to'], `a second route to ${key} (the first is routes[${first}])`);
        else destinations.set(key, i);
      }
      const port = quiet(portName, route['interface']);
      if (port !== undefined && facts.ports !== undefined && !facts.ports.includes(port)) {
        this.issues.add([...path, 'interface'], `unknown interface "${port}"${didYouMean(port, facts.ports)} (${name} has ${listNames(facts.ports)})`);
        return;
      }
      const via = quiet(ipv4Address, route['via']);
      if (via === undefined || !facts.complete) return;
      const subnets = this.subnetsOf(facts, port);
      if (subnets.some((s) => s.ip.value === via.value)) {
        this.issues.add([...path, 'via'], `${via.address} is ${name}'s own address; via is the next router`);
      } else if (!subnets.some((s) => onSubnet(via, s.ip))) {
        const where = port === undefined ? `a connected subnet of ${name}` : `the subnet of ${name}:${port}`;
        this.issues.add([...path, 'via'], `${via.address} is not on ${where} (${subnetList(subnets)})`);
      }
    });
  }

  // ---- links

  private checkLink(raw: unknown, index: number): Parsed<typeof linkSchema> | undefined {
    const path = ['links', index];
    const link = this.issues.parse(linkSchema, raw, path);
    if (!isObject(raw) || !Array.isArray(raw['schedule'])) return link;
    let previous: { ns: number; text: unknown } | undefined;
    raw['schedule'].forEach((change, i) => {
      if (!isObject(change)) return;
      const at = quiet(duration, change['at']);
      if (at === undefined) return;
      if (previous !== undefined && at <= previous.ns) {
        this.issues.add([...path, 'schedule', i, 'at'], `${describeTime(change['at'])} is not after the previous change at ${describeTime(previous.text)}; times must increase`);
      }
      previous = { ns: at, text: change['at'] };
    });
    return link;
  }

  /** Endpoints name existing ports, and no port is on two links. */
  private checkLinkPorts(links: unknown[]): void {
    const used = new Map<string, number>();
    links.forEach((link, index) => {
      if (!isObject(link) || !Array.isArray(link['endpoints'])) return;
      const seenHere: string[] = [];
      link['endpoints'].slice(0, 2).forEach((endpoint, j) => {
        if (typeof endpoint !== 'string') return;
        const match = /^([^:]+):([^:]+)$/.exec(endpoint);
        if (match === null) return;
        const [, node, port] = match as unknown as [string, string, string];
        const path = ['links', index, 'endpoints', j];
        const facts = this.nodes.get(node);
        if (facts === undefined) {
          this.issues.add(path, this.unknownNode(node));
          return;
        }
        if (facts.ports === undefined) return;
        if (facts.kind === 'controller') {
          this.issues.add(path, `${node} is a controller: it has no ports to link (switches reach it by naming it in controller:)`);
          return;
        }
        if (!facts.ports.includes(port)) {
          const what = facts.kind === 'switch' ? 'port' : 'interface';
          this.issues.add(path, `unknown ${what} "${port}" on ${node}${didYouMean(port, facts.ports)} (${node} has ${listNames(facts.ports)})`);
          return;
        }
        const id = `${node}:${port}`;
        if (seenHere.includes(id)) {
          this.issues.add(path, `both endpoints are ${id}; a link joins two different ports`);
          return;
        }
        seenHere.push(id);
        const other = used.get(id);
        if (other !== undefined) this.issues.add(path, `${id} is already used by links[${other}]`);
        else used.set(id, index);
      });
      if (seenHere.length === 2) {
        this.peers.set(seenHere[0]!, seenHere[1]!);
        this.peers.set(seenHere[1]!, seenHere[0]!);
      }
    });
  }

  // ---- traffic

  private unknownNode(node: string): string {
    const names = [...this.nodes.keys()];
    return `unknown node "${node}"${didYouMean(node, names)} (nodes are ${listNames(names)})`;
  }

  /** The one key of a `- ping: {...}` style item, or undefined after reporting what is wrong. */
  private oneKey(raw: unknown, path: PathSegment[], kinds: readonly string[]): string | undefined {
    const expected = kinds.join(' or ');
    if (!isObject(raw)) {
      this.issues.add(path, `expected a map with ${expected}, got ${describeValue(raw)}`);
      return undefined;
    }
    const keys = Object.keys(raw);
    const known = keys.filter((k) => kinds.includes(k));
    for (const key of keys) if (!kinds.includes(key)) this.issues.unknownKey(path, key, kinds);
    if (known.length > 1) {
      this.issues.addKey(path, known[1]!, `one of ${expected} per list item, found ${known.join(' and ')}`);
      return undefined;
    }
    if (keys.length === 0) this.issues.add(path, `expected ${expected}`);
    return known[0];
  }

  private checkTraffic(raw: unknown, index: number): TrafficSpec | undefined {
    const path = ['traffic', index];
    const kind = this.oneKey(raw, path, TRAFFIC_KINDS);
    if (kind === undefined) return undefined;
    const body = (raw as Record<string, unknown>)[kind];
    const bodyPath = [...path, kind];
    const fields = isObject(body) ? body : {};
    this.checkSender(fields['from'], [...bodyPath, 'from'], 'traffic');
    this.checkTarget(fields['to'], [...bodyPath, 'to']);
    const defaultName = kind === 'ping' ? `ping ${String(fields['from'])} → ${String(fields['to'])}` : `udp ${String(fields['from'])} → ${String(fields['to'])}:${String(fields['dstPort'])}`;
    const named = typeof fields['from'] === 'string' && typeof fields['to'] === 'string';
    this.trafficNames[index] = typeof fields['name'] === 'string' ? fields['name'] : named ? defaultName : undefined;
    if (kind === 'ping') {
      const ping = this.issues.parse(pingSchema, body, bodyPath);
      if (ping === undefined) return undefined;
      return { kind: 'ping', ...ping, name: ping.name ?? defaultName };
    }
    const udp = this.issues.parse(udpSchema, body, bodyPath);
    if (udp === undefined) return undefined;
    return { kind: 'udp', ...udp, name: udp.name ?? defaultName };
  }

  /** Two UDP items with the same ports between the same hosts could not be told apart at the receiver. */
  private checkUdpFlows(traffic: (TrafficSpec | undefined)[]): void {
    const flows = new Map<string, number>();
    traffic.forEach((t, index) => {
      if (t?.kind !== 'udp') return;
      // A node name stands for its first address, as the run resolves it: `to: h2` and h2's address are one flow.
      const facts = this.nodes.get(t.to);
      const to = facts === undefined ? (isIpv4(t.to) ? ipv4ToNumber(t.to) : t.to) : (this.subnetsOf(facts)[0]?.ip.value ?? t.to);
      const key = `${t.from} ${t.srcPort} ${to} ${t.dstPort}`;
      const earlier = flows.get(key);
      if (earlier !== undefined) {
        this.issues.add(['traffic', index, 'udp'], `sends the same flow as traffic[${earlier}] (${t.from}:${t.srcPort} → ${t.to}:${t.dstPort}), so their deliveries could not be told apart; give one another srcPort`);
      }
      flows.set(key, index);
    });
  }

  /** Explicit names are unique: expectations find traffic by them. */
  private checkTrafficNames(raw: unknown[]): void {
    const first = new Map<string, number>();
    raw.forEach((item, index) => {
      if (!isObject(item)) return;
      for (const kind of TRAFFIC_KINDS) {
        const body = item[kind];
        if (!isObject(body) || typeof body['name'] !== 'string') continue;
        const name = body['name'];
        const earlier = first.get(name);
        if (earlier !== undefined) this.issues.add(['traffic', index, kind, 'name'], `traffic[${earlier}] is also named "${name}"`);
        else first.set(name, index);
      }
    });
  }

  /** `from`: a host with an IPv4 address. */
  private checkSender(raw: unknown, path: PathSegment[], what: 'traffic' | 'a probe'): void {
    if (typeof raw !== 'string' || !NODE_NAME.test(raw)) return;
    const facts = this.nodes.get(raw);
    if (facts === undefined) this.issues.add(path, this.unknownNode(raw));
    else if (facts.kind !== undefined && facts.kind !== 'host') this.issues.add(path, `${raw} is a ${facts.kind}; ${what} starts at a host`);
    else if (facts.kind === 'host' && facts.complete && this.subnetsOf(facts).length === 0) this.issues.add(path, `${raw} has no IPv4 address to send from`);
  }

  /** `to`: a node with an IPv4 address, or an IPv4 address. */
  private checkTarget(raw: unknown, path: PathSegment[]): void {
    if (typeof raw !== 'string' || raw === '') return;
    if (!/^[A-Za-z]/.test(raw)) {
      if (quiet(ipv4Address, raw) === undefined) this.issues.add(path, `"${raw}" is not a node name or an IPv4 address`);
      return;
    }
    if (!NODE_NAME.test(raw)) {
      this.issues.add(path, `"${raw}" is not a node name or an IPv4 address`);
      return;
    }
    const facts = this.nodes.get(raw);
    if (facts === undefined) this.issues.add(path, this.unknownNode(raw));
    else if (facts.kind === 'switch') this.issues.add(path, `${raw} is a switch and has no IPv4 address`);
    else if (facts.kind !== undefined && facts.complete && this.subnetsOf(facts).length === 0) this.issues.add(path, `${raw} has no IPv4 address`);
  }

  // ---- expectations

  private checkExpectation(raw: unknown, index: number, trafficCount: number): Expectation | undefined {
    const path = ['expect', index];
    const kind = this.oneKey(raw, path, EXPECTATION_KINDS);
    if (kind === undefined) return undefined;
    const body = (raw as Record<string, unknown>)[kind];
    const bodyPath = [...path, kind];
    const fields = isObject(body) ? body : {};
    if (kind === 'delivered') {
      const traffic = this.resolveTraffic(fields['traffic'], [...bodyPath, 'traffic'], trafficCount);
      const delivered = this.issues.parse(deliveredSchema, body, bodyPath);
      if (delivered === undefined || traffic === undefined) return undefined;
      const expectation: Expectation = { kind: 'delivered', traffic };
      if (delivered.min !== undefined) expectation.min = delivered.min;
      if (delivered.max !== undefined) expectation.max = delivered.max;
      return expectation;
    }
    if (kind === 'dropped') {
      const node = fields['node'];
      if (typeof node === 'string' && NODE_NAME.test(node) && !this.nodes.has(node)) this.issues.add([...bodyPath, 'node'], this.unknownNode(node));
      const dropped = this.issues.parse(droppedSchema, body, bodyPath);
      return dropped === undefined ? undefined : { kind: 'dropped', ...dropped };
    }
    if (kind === 'isolated') return this.checkIsolated(body, bodyPath);
    this.checkSender(fields['from'], [...bodyPath, 'from'], 'a probe');
    this.checkTarget(fields['to'], [...bodyPath, 'to']);
    if (Array.isArray(fields['via'])) {
      fields['via'].forEach((node, i) => {
        if (typeof node === 'string' && NODE_NAME.test(node) && !this.nodes.has(node)) this.issues.add([...bodyPath, 'via', i], this.unknownNode(node));
      });
    }
    const probe = this.issues.parse(pathSchema, body, bodyPath);
    if (probe === undefined) return undefined;
    const expectation: Expectation = { kind: 'path', from: probe.from, to: probe.to, proto: probe.proto, via: probe.via, disposition: probe.disposition, at: probe.at };
    if (probe.dstPort !== undefined) expectation.dstPort = probe.dstPort;
    return expectation;
  }

  /** `isolated:` names tenants the file declares. */
  private checkIsolated(body: unknown, path: PathSegment[]): Expectation | undefined {
    const parsed = this.issues.parse(isolatedSchema, body, path);
    if (parsed === undefined) return undefined;
    const { tenants, at } = Array.isArray(parsed) ? { tenants: parsed, at: undefined } : parsed;
    const listPath = Array.isArray(parsed) ? path : [...path, 'tenants'];
    let known = true;
    tenants.forEach((name, i) => {
      if (this.tenantNames.includes(name)) return;
      known = false;
      const declared = this.tenantNames.length === 0 ? 'the file declares no tenants' : `tenants are ${listNames(this.tenantNames)}`;
      this.issues.add([...listPath, i], `unknown tenant "${name}"${didYouMean(name, this.tenantNames)} (${declared})`);
    });
    return known ? { kind: 'isolated', tenants, ...(at !== undefined && { at }) } : undefined;
  }

  /** A traffic index, or the index of the one item with that name. */
  private resolveTraffic(raw: unknown, path: PathSegment[], count: number): number | undefined {
    if (typeof raw === 'number') {
      if (!Number.isInteger(raw) || raw < 0) return undefined;
      if (raw >= count) {
        this.issues.add(path, `no traffic[${raw}]: the file has ${count === 0 ? 'no traffic' : count === 1 ? 'one traffic item, traffic[0]' : `${count} traffic items, traffic[0] to traffic[${count - 1}]`}`);
        return undefined;
      }
      return raw;
    }
    if (typeof raw !== 'string' || raw === '') return undefined;
    const matches = this.trafficNames.flatMap((name, i) => (name === raw ? [i] : []));
    if (matches.length === 1) return matches[0];
    const names = [...new Set(this.trafficNames.filter((n): n is string => n !== undefined))];
    if (matches.length === 0) {
      const known = names.length === 0 ? 'the file has no traffic' : `traffic is ${names.map((n) => JSON.stringify(n)).join(', ')}`;
      this.issues.add(path, `unknown traffic ${JSON.stringify(raw)}${didYouMean(raw, names)} (${known})`);
    } else {
      this.issues.add(path, `${JSON.stringify(raw)} is the name of traffic[${matches.join('] and traffic[')}]; use an index, or name them apart`);
    }
    return undefined;
  }

  // ---- the result

  private buildNodes(): NodeSpec[] {
    const taken = new Set<string>();
    for (const facts of this.nodes.values()) {
      for (const spec of facts.interfaces.values()) if (spec.mac !== undefined) taken.add(spec.mac);
      if (facts.parsed?.kind === 'switch' && facts.parsed.underlay?.mac !== undefined) taken.add(facts.parsed.underlay.mac);
    }
    const nodes: NodeSpec[] = [];
    for (const [name, facts] of this.nodes) {
      const node = facts.parsed!;
      if (node.kind === 'switch') {
        const spec: SwitchSpec = { kind: 'switch', name, ports: this.switchPorts(node.ports), flows: node.flows };
        if (node.meters.length > 0) spec.meters = node.meters;
        if (node.failMode !== undefined) spec.failMode = node.failMode;
        if (node.protocols !== undefined) spec.protocols = node.protocols;
        if (node.controlRate !== undefined) spec.controlRate = node.controlRate;
        if (node.datapathId !== undefined) spec.datapathId = BigInt(node.datapathId);
        if (node.listen !== undefined) spec.listen = listenAddress(node.listen);
        if (node.controller !== undefined) spec.controller = controllerRef(node.controller);
        if (node.underlay !== undefined) {
          const u = node.underlay;
          spec.underlay = {
            interface: {
              name: u.port,
              mac: u.mac ?? generatedMac(name, u.port, taken),
              ipv4: u.ipv4 === undefined ? [] : [{ address: u.ipv4.address, prefixLength: u.ipv4.prefixLength }],
              ipv6: u.ipv6 === undefined ? [] : [{ address: u.ipv6.address, prefixLength: u.ipv6.prefixLength }],
            },
            ...(u.gateway !== undefined && { gateway: u.gateway.address }),
          };
        }
        nodes.push(spec);
        continue;
      }
      if (node.kind === 'controller') {
        nodes.push({ kind: 'controller', name, app: node.app, options: node.options, latency: node.latency, schedule: node.schedule });
        continue;
      }
      const interfaces: InterfaceSpec[] = Object.entries(node.interfaces).map(([port, spec]) => ({
        name: port,
        mac: 'mac' in spec && spec.mac !== undefined ? spec.mac : generatedMac(name, port, taken),
        ipv4: spec.ipv4.map((ip) => ({ address: ip.address, prefixLength: ip.prefixLength })),
        ipv6: spec.ipv6.map((ip) => ({ address: ip.address, prefixLength: ip.prefixLength })),
      }));
      if (node.kind === 'host') {
        const host: NodeSpec = { kind: 'host', name, interfaces, arpTimeout: node.arpTimeout };
        if (node.gateway !== undefined) host.gateway = node.gateway.address;
        nodes.push(host);
      } else {
        const routes = node.routes.map((route): RouteSpec => {
          const spec: RouteSpec = { prefix: route.to.address, prefixLength: route.to.prefixLength };
          if (route.via !== undefined) spec.via = route.via.address;
          const port = route.interface ?? (route.via === undefined ? undefined : this.subnetsOf(facts).find((s) => onSubnet(route.via!, s.ip))?.port);
          if (port !== undefined) spec.interface = port;
          return spec;
        });
        nodes.push({ kind: 'router', name, interfaces, routes, arpTimeout: node.arpTimeout });
      }
    }
    return nodes;
  }
}

function buildLink(link: Parsed<typeof linkSchema>, defaults: Parsed<typeof defaultsSchema>['link']): LinkSpec {
  return {
    endpoints: link.endpoints,
    latency: link.latency ?? defaults.latency,
    jitter: link.jitter ?? defaults.jitter,
    bandwidth: link.bandwidth ?? defaults.bandwidth,
    queue: link.queue ?? defaults.queue,
    mtu: link.mtu ?? defaults.mtu,
    loss: link.loss ?? defaults.loss,
    schedule: link.schedule,
  };
}

/** Whether an address is on a subnet of its own family. */
function onSubnet(address: Ipv4 | Ipv6, subnet: Ipv4 | Ipv6): boolean {
  return typeof address.value === 'bigint' ? inPrefix6(address.value, subnet.value as bigint, subnet.prefixLength) : inPrefix(address.value, subnet.value as number, subnet.prefixLength);
}

/** The subnet an interface address is on, as text: 10.0.1.0/24, 2001:db8::/64. */
function subnetText(ip: Ipv4 | Ipv6): string {
  if (typeof ip.value === 'number') return subnetList([{ ip: ip as Ipv4 }]);
  const host = BigInt(128 - ip.prefixLength);
  return `${numberToIpv6((ip.value >> host) << host)}/${ip.prefixLength}`;
}

/** Two subnets share addresses: the shorter prefix holds the other's network. */
function overlaps(a: Ipv4, b: Ipv4): boolean {
  const [wide, narrow] = a.prefixLength <= b.prefixLength ? [a, b] : [b, a];
  return inPrefix(narrow.value, wide.value, wide.prefixLength);
}

function subnetList(subnets: { ip: Ipv4 }[]): string {
  if (subnets.length === 0) return 'it has no IPv4 subnet';
  return [...new Set(subnets.map((s) => `${numberToIpv4(networkOf(s.ip.value, s.ip.prefixLength))}/${s.ip.prefixLength}`))].join(', ');
}

function describeTime(raw: unknown): string {
  return typeof raw === 'string' ? raw : String(raw);
}

function defaultName(file: string): string {
  const name = basename(file).replace(/\.[^.]*$/, '');
  return name === '' || name === '-' ? 'topology' : name;
}

/**
 * Generated MACs are 02:4e:4c:xx:xx:xx ("NL"): locally administered, in IEEE 802c's AAI quadrant
 * (second hex digit 2), and outside every range Wireshark names (its wka file calls 02:01-02:20
 * "MS-NLB-PhysServer"), so a capture shows them as they are.
 */
const GENERATED_MAC_PREFIX = ['02', '4e', '4c'];

/**
 * A locally administered unicast MAC (02:…) from a hash of `node:port`: the same names give the
 * same MAC in every run and every file; a clash with one already taken hashes again.
 */
function generatedMac(node: string, port: string, taken: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    const digest = createHash('sha256').update(attempt === 0 ? `${node}:${port}` : `${node}:${port}#${attempt}`).digest();
    const mac = [...GENERATED_MAC_PREFIX, ...Array.from(digest.subarray(0, 3), (b) => b.toString(16).padStart(2, '0'))].join(':');
    if (!taken.has(mac)) {
      taken.add(mac);
      return mac;
    }
  }
}

/** A rate limit with its burst: one second's worth unless given. */
function bucket(limit: { rate: number; burst?: number | undefined }): { rate: number; burst: number } {
  return { rate: limit.rate, burst: limit.burst ?? Math.max(1, Math.ceil(limit.rate)) };
}

/** A `controller:` of a switch or a tenant: a node name, or tcp:HOST:PORT. */
function controllerRef(text: string): ControllerRef {
  return text.startsWith('tcp:') ? listenAddress(text.slice(4)) : { node: text };
}

/** A switch's `listen:`: a port on 127.0.0.1, or HOST:PORT. */
function listenAddress(listen: number | string): { host: string; port: number } {
  if (typeof listen === 'number') return { host: '127.0.0.1', port: listen };
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) };
}
