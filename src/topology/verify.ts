/**
 * `netloom verify` and `isolated:` over a topology: build and run it to a time, hand the
 * installed physical tables to the isolation verifier (tenants/verify.ts), and replay a witness
 * in a fresh run of the same topology to show where it really goes; the report as text. Owns the
 * mapping from a built network to the verifier's model; the analysis itself is the verifier's.
 */
import { build, farEnds, type AppRegistry, type Built } from './build.js';
import type { InterfaceSpec, Topology } from './types.js';
import { didYouMean, listNames } from './errors.js';
import { checkRunOptions } from './probe.js';
import type { SwitchNode } from '../switch/node.js';
import type { ControllerNode } from '../controller/node.js';
import { Host } from '../hosts/host.js';
import { ipv4ToNumber } from '../hosts/addressing.js';
import { parseSelector } from '../switch/ofctl.js';
import { buildPath, type PathResult } from '../trace/path.js';
import type { TraceEvent } from '../sim/recorder.js';
import { MAX_HOPS } from '../sim/network.js';
import { toHex } from '../wire/addresses.js';
import { verifyModel, type IsolationReport, type Leak, type PathStep, type VerifyHost, type VerifyModel, type VerifyOptions, type VerifyPort } from '../tenants/verify.js';

/** The verifier's model of a built network now: every switch's tables and ports, each tenant's ports. */
export function verifyModelOf(built: Built): VerifyModel {
  const topology = built.topology;
  const far = farEnds(topology);
  const kinds = new Map(topology.nodes.map((n) => [n.name, n.kind]));
  const hosts = new Map<string, VerifyHost>();
  const switches = topology.nodes.flatMap((spec) => {
    if (spec.kind !== 'switch') return [];
    const node = built.net.nodes.get(spec.name) as SwitchNode;
    const ports = new Map<number, VerifyPort>();
    for (const p of spec.ports) {
      const end = far.get(`${spec.name}:${p.name}`);
      const port: VerifyPort = { number: p.ofport, name: p.name, tunnel: p.tunnel !== undefined };
      if (end !== undefined) {
        const [node, portName] = end.port.split(':') as [string, string];
        port.far = { node, port: portName, kind: end.kind === 'switch' ? 'switch' : end.kind === 'host' ? 'host' : 'other' };
        const host = topology.nodes.find((n) => n.name === node);
        const iface = host?.kind === 'host' || host?.kind === 'router' ? host.interfaces.find((i) => i.name === portName) : undefined;
        if (iface !== undefined) hosts.set(`${spec.name}:${p.ofport}`, { node, port: portName, mac: iface.mac, address: iface.ipv4[0] === undefined ? undefined : ipv4ToNumber(iface.ipv4[0].address) });
      }
      ports.set(p.ofport, port);
    }
    return [{ name: spec.name, pipeline: node.bridge.pipeline, ports }];
  });
  const ofport = (sw: string, port: string) => {
    const spec = topology.nodes.find((n) => n.name === sw);
    return spec?.kind === 'switch' ? spec.ports.find((p) => p.name === port)!.ofport : 0;
  };
  // A read-only tenant (no addresses) sends nothing of its own: its ports are the tenants' it reads.
  const tenants = (topology.tenants ?? []).flatMap((t) =>
    t.prefix === undefined
      ? []
      : [{
          name: t.name,
          space: { id: t.id, prefix: ipv4ToNumber(t.prefix), length: t.prefixLength! },
          ports: t.switches.flatMap((s) => {
            // Its write entries that hold on this virtual switch (none declared: all of its traffic).
            const regions = t.flowspace?.filter((e) => e.permission === 'write' && (e.switches === undefined || e.switches.includes(s.name))).map((e) => parseSelector(e.match).rule.match);
            // A port bound by VLAN is a trunk to hosts: an edge, whatever is at its far end.
            return s.ports.map((p) => ({
              switch: p.switch, port: ofport(p.switch, p.port), edge: p.vlan !== undefined || kinds.get(far.get(`${p.switch}:${p.port}`)?.port.split(':')[0] ?? '') !== 'switch',
              ...(regions !== undefined && { regions }), ...(p.vlan !== undefined && { vlan: p.vlan }),
            }));
          }),
        }],
  );
  // Behind a tenant's VLAN of a trunk: a witness leaves the trunk's far end tagged, from a host of that VLAN there.
  for (const t of topology.tenants ?? []) {
    for (const p of t.switches.flatMap((s) => s.ports)) {
      const end = p.vlan === undefined ? undefined : far.get(`${p.switch}:${p.port}`);
      if (end === undefined) continue;
      const [node, portName] = end.port.split(':') as [string, string];
      const access = topology.nodes.find((n) => n.name === node);
      const host = access?.kind === 'switch' ? access.ports.filter((q) => q.tag === p.vlan).map((q) => far.get(`${node}:${q.name}`)?.port).find((h) => h !== undefined) : undefined;
      const iface = host === undefined ? undefined : interfaceOf(topology, host);
      hosts.set(`${p.switch}:${ofport(p.switch, p.port)}.${p.vlan}`, { node, port: portName, mac: iface?.mac ?? '02:00:00:00:00:01', address: iface?.ipv4[0] === undefined ? undefined : ipv4ToNumber(iface.ipv4[0].address) });
    }
  }
  return { switches, tenants, hosts, now: built.net.scheduler.now };
}

/** The interface a node:port names, on a host or router. */
function interfaceOf(topology: Topology, id: string): InterfaceSpec | undefined {
  const [node, port] = id.split(':') as [string, string];
  const spec = topology.nodes.find((n) => n.name === node);
  return spec?.kind === 'host' || spec?.kind === 'router' ? spec.interfaces.find((i) => i.name === port) : undefined;
}

/** A verification that cannot start: no tenants, or a tenant named that the topology lacks (bad input). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly code = 'NETLOOM_VERIFY';
}

/** Tenants to verify must exist. */
function checkTenants(topology: Topology, tenants: readonly string[] | undefined): void {
  const names = (topology.tenants ?? []).map((t) => t.name);
  if (names.length === 0) throw new VerifyError(`${topology.name} declares no tenants: there is no isolation to verify`);
  for (const name of tenants ?? []) {
    if (!names.includes(name)) throw new VerifyError(`unknown tenant "${name}"${didYouMean(name, names)} (tenants are ${listNames(names)})`);
  }
}

export interface VerifyRunOptions extends VerifyOptions {
  /** Virtual time to verify at, ns (default: when the run has nothing left to do). */
  at?: number;
  seed?: number;
  apps?: AppRegistry;
  /** Changes the network once it is at `at`, before the check (a rule injected by a test, a what-if). */
  alter?: (built: Built) => void;
}

/** Builds and runs the topology to `at`, then verifies the physical tables installed then. */
export async function verifyIsolation(topology: Topology, options: VerifyRunOptions = {}): Promise<IsolationReport> {
  checkTenants(topology, options.tenants);
  checkRunOptions({ ...(options.at !== undefined && { at: options.at }), ...(options.seed !== undefined && { seed: options.seed }) });
  const built = build(topology, { seed: options.seed ?? topology.seed, ...(options.apps !== undefined && { apps: options.apps }) });
  await built.net.run(options.at ?? Infinity);
  options.alter?.(built);
  return verifyModel(verifyModelOf(built), options);
}

/** Verifies a network as it is now (a run's end: `isolated:` expectations). */
export function verifyBuilt(built: Built, options: VerifyOptions = {}): IsolationReport {
  checkTenants(built.topology, options.tenants);
  return verifyModel(verifyModelOf(built), options);
}

export interface ReplayResult {
  /** Host interfaces (node:port) the witness frame, or a frame made from it, arrived at. */
  reached: string[];
  /** Tenants whose controller got it as a PACKET_IN. */
  controllers: string[];
  /** Its way, event by event: `node:port rx`, `node: <the tables' decision>`, … */
  steps: string[];
  /** Its way as `netloom trace` shows one, when it ended in a delivery or a drop. */
  path?: PathResult;
}

/**
 * Sends a leak's witness frame from its host in a fresh run of the topology, run first to `at`
 * (the time the tables were verified at, same seed and traffic, so the same tables), and says
 * where it went: the proof that the witness is real.
 */
export async function replayWitness(topology: Topology, leak: Leak, options: { at: number; seed?: number; apps?: AppRegistry; alter?: (built: Built) => void }): Promise<ReplayResult> {
  const witness = leak.witness;
  if (witness === undefined) throw new VerifyError(`this leak has no witness to replay (${leak.witnessNote ?? 'none was found'})`);
  const built = build(topology, { seed: options.seed ?? topology.seed, ...(options.apps !== undefined && { apps: options.apps }) });
  const net = built.net;
  let armed = false;
  const controllers = new Set<string>();
  const header = witness.bytes.subarray(0, 12);
  for (const t of topology.tenants ?? []) {
    if (!('node' in t.controller)) continue;
    (net.nodes.get(t.controller.node) as ControllerNode).controller.use(() => ({
      packetIn: (dp, ev) => {
        // The tenant of a virtual datapath is its id's top 16 bits; the witness is known by its MACs.
        if (armed && Number(dp.id >> 48n) === t.id && ev.data.subarray(0, 12).every((b, i) => b === header[i])) controllers.add(t.name);
      },
    }));
  }
  const events: TraceEvent[] = [];
  net.recorder.add({ event: (e) => void (armed && events.push(e)) });
  await net.run(options.at);
  options.alter?.(built);
  const [node, port] = witness.host.split(':') as [string, string];
  const frame = net.frame(witness.bytes);
  armed = true;
  // From a host, or from the far end of a trunk (the frame tagged as an access switch sends it).
  net.nodes.get(node)!.port(port)!.send(frame);
  await net.run(options.at + 2e9);
  net.recorder.close();
  const mine = events.filter((e) => e.trace === frame.trace);
  const reached = [...new Set(mine.filter((e) => e.dir === 'rx' && net.nodes.get(e.node) instanceof Host).map((e) => `${e.node}:${e.port}`))];
  const steps = mine.map((e) => `${e.node}${e.port === undefined ? '' : `:${e.port}`} ${e.dir}${e.reason === undefined ? '' : ` ${e.reason}`}${e.detail === undefined ? '' : `: ${e.detail}`}`);
  const ended = mine.some((e) => e.dir === 'deliver' || e.dir === 'drop');
  return { reached, controllers: [...controllers], steps, ...(ended && { path: buildPath(mine, undefined) }) };
}

/** Each leak's witness replayed in a fresh run at the time of the report (undefined for a leak without one). */
export function replayLeaks(topology: Topology, report: IsolationReport, options: { apps?: AppRegistry } = {}): Promise<(ReplayResult | undefined)[]> {
  return Promise.all(report.leaks.map((l) => (l.witness === undefined ? undefined : replayWitness(topology, l, { at: report.at, ...options }))));
}

/** The report as `netloom verify` prints it: what was checked, then each leak with its witness, its path and, given, its replay. */
export function formatIsolationReport(name: string, r: IsolationReport, replays: readonly (ReplayResult | undefined)[]): string {
  const c = r.checked;
  const out: string[] = [];
  const when = `${(r.at / 1e9).toFixed(3)} s`;
  const what = `${c.tenants.length} tenants (${c.tenants.join(', ')}), ${c.switches} switches, ${c.tables} tables, ${c.rules} rules, ${c.edgePorts} edge ports, ${c.headerSets} header sets, ${c.lookups} table lookups, in ${c.ms} ms`;
  if (r.isolated) out.push(`${name} at ${when}: isolated`, `  checked ${what}`);
  else out.push(`${name} at ${when}: NOT isolated${r.leaks.length > 0 ? `, ${r.leaks.length} leak${r.leaks.length === 1 ? '' : 's'}` : ''}`, `  checked ${what}`);
  if (!r.complete) out.push(`  the exploration stopped at its budget of header sets: isolation is not proved`);
  if (c.loops + c.hopBound > 0) out.push(`  ${c.loops} header sets came back to a state already explored (loops), ${c.hopBound} passed ${MAX_HOPS} links`);
  r.leaks.forEach((l, i) => out.push('', ...formatLeak(l, i + 1, replays[i])));
  for (const o of r.overlaps) out.push('', `flowspace overlap on ${o.a.switch}: ${o.a.tenant} ${o.a.match} and ${o.b.tenant} ${o.b.match}`, `  a header in both: ${o.witness}`);
  if (r.approximations.length > 0) out.push('', 'over-approximated (sound: can only add leaks)', ...r.approximations.map((a) => `  ${a}`));
  if (r.unverifiable.length > 0) out.push('', 'not verified', ...r.unverifiable.map((a) => `  ${a}`));
  return out.join('\n');
}

function formatLeak(l: Leak, n: number, replay: ReplayResult | undefined): string[] {
  const out = [`leak ${n} (${l.kind}): ${l.tenant}'s packet ${l.detail}`, `  responsible: ${l.responsible.switch} ${l.responsible.text}`];
  if (l.witness === undefined) out.push(`  no witness frame: ${l.witnessNote}`);
  else {
    out.push(`  witness, sent by ${l.witness.host} (${l.witness.switchPort}): ${l.witness.spec}`, `    ${toHex(l.witness.bytes)}`);
    out.push(`    netloom craft '${l.witness.spec}' --hex`);
  }
  out.push('  path');
  for (const s of l.path) out.push(`    ${formatStep(s)}`);
  if (replay !== undefined) {
    const where = [...replay.reached, ...replay.controllers.map((t) => `controller of ${t}`)];
    const reached = where.length === 0 ? `reached no host or controller${replay.path === undefined ? '' : ` (${replay.path.disposition}${replay.path.node ? ` at ${replay.path.node}` : ''})`}` : `reached ${where.join(', ')}`;
    // A host or controller leak is confirmed when the frame gets there; else an over-approximation made it.
    const verdict = l.kind === 'flowspace' ? '' : where.includes(l.to) ? ': confirmed' : `: not confirmed (an over-approximation below may have made this leak)`;
    out.push(`  replayed in a fresh run at the same time: ${reached}${verdict}`);
  }
  return out;
}

function formatStep(s: PathStep): string {
  switch (s.step) {
    case 'lookup':
      return `${s.switch} in ${s.inPort}: ${s.rule}`;
    case 'miss':
      return `${s.switch} in ${s.inPort}: table ${s.table}, no match`;
    case 'output':
      return `${s.switch} out ${s.outPort} -> ${s.to}`;
    case 'controller':
      return `${s.switch} in ${s.inPort}: PACKET_IN to the platform`;
  }
}
