/**
 * Running a topology: build it, attach the sinks asked for, run the virtual clock, then
 * summarize traffic and drops and check the expectations. Path expectations each run a probe in
 * a fresh network of their own, so they neither disturb nor depend on the traffic.
 */
import type { CaptureWriter, EspSaRecord } from '../capture/writer.js';
import type { Network } from '../sim/network.js';
import { fromHex } from '../wire/addresses.js';
import type { TraceSink } from '../sim/recorder.js';
import { PathCollector, buildPath, type PathResult } from '../trace/path.js';
import { CaptureSink } from '../trace/capture-sink.js';
import { build, hostOf, receiverOf, resolveAddress, type Built } from './build.js';
import type { DropReason, Expectation, Topology } from './types.js';
import type { Platform } from '../tenants/platform.js';
import { connectOpenFlow, listenOpenFlow, ListenError, type OpenFlowListener } from '../openflow/tcp.js';
import type { AppRegistry } from './build.js';
import { checkProbe, checkRunOptions } from './probe.js';
import { verifyBuilt, verifyIsolation } from './verify.js';
import { runCaptureSelector } from './capture.js';

export interface RunOptions {
  /** Virtual time to stop at, ns (default: when nothing is left to do). */
  until?: number;
  seed?: number;
  capture?: CaptureWriter;
  /** The ports `capture` holds (`NODE:PORT`, `NODE:*`, `*`): default the topology's `capture:`, else every port. */
  capturePorts?: readonly string[];
  sinks?: TraceSink[];
  onProgress?: (now: number) => void;
  /** Controller apps given as module paths in the topology, loaded beforehand (loadApps). */
  apps?: AppRegistry;
}

export interface TrafficSummary {
  name: string;
  kind: 'ping' | 'udp';
  sent: number;
  delivered: number;
  lost: number;
  /** Pings: round-trip times, ms. */
  rtt?: { min: number; avg: number; max: number; mdev: number };
  /** Pings: ICMP errors received instead of replies. */
  errors?: Record<string, number>;
  /** Pings: requests still waiting for their reply when the run ended (within their timeout): not counted as lost. */
  inFlight?: number;
}

export interface ExpectationResult {
  expectation: string;
  passed: boolean;
  /** What was found. */
  actual: string;
  path?: PathResult;
}

export interface RunSummary {
  topology: string;
  seed: number;
  /** Virtual time at the end, ns. */
  endedAt: number;
  events: number;
  packetHops: number;
  traffic: TrafficSummary[];
  drops: { node: string; reason: DropReason; count: number }[];
  /** With tenants: what the platform counted for each. */
  tenants?: TenantSummary[];
  expectations: ExpectationResult[];
  passed: boolean;
}

export interface TenantSummary {
  name: string;
  /** Physical rules it has installed at the end, over all switches. */
  flows: number;
  packetIns: number;
  /** PACKET_INs dropped past its PACKET_IN rate. */
  packetInsDropped: number;
  /** Messages from its controller refused, by OpenFlow error (`BAD_ACTION/EPERM`). */
  refused: Record<string, number>;
  /** Of those, refused past its message rate. */
  rateLimited: number;
}

/** The ESP SAs of a topology's esp tunnel ports, as Wireshark's esp_sa table describes them. */
export function espSecretsOf(topology: Topology): EspSaRecord[] {
  const records: EspSaRecord[] = [];
  for (const node of topology.nodes) {
    if (node.kind !== 'switch' || node.underlay === undefined) continue;
    const local = node.underlay.interface.ipv4[0]?.address ?? '*';
    for (const port of node.ports) {
      const t = port.tunnel;
      if (t?.esp === undefined) continue;
      records.push({ protocol: 'IPv4', src: local, dst: t.remoteIp === 'flow' ? '*' : t.remoteIp, spi: t.esp.spiOut, alg: t.esp.alg, key: fromHex(t.esp.key) });
    }
  }
  return records;
}

export async function runTopology(topology: Topology, options: RunOptions = {}): Promise<RunSummary> {
  const run = startRun(topology, options);
  await run.advance(options.until ?? Infinity);
  return run.finish();
}

/** A run whose clock someone else drives (the live feed paces, pauses and steps it); runTopology is start, advance to the end, finish. */
export interface SteppedRun {
  readonly net: Network;
  /** Runs the virtual clock to `until`, ns (Infinity: until nothing is left to do). */
  advance(until: number): Promise<void>;
  /** Closes the sinks and checks the expectations; once, at the end. */
  finish(): Promise<RunSummary>;
}

/** Builds the network with the sinks asked for, at virtual time 0; nothing has run yet. */
export function startRun(topology: Topology, options: RunOptions = {}): SteppedRun {
  checkRunOptions(options);
  const seed = options.seed ?? topology.seed;
  const built = prepare(topology, seed, options);
  return {
    net: built.net,
    advance: (until) => built.net.run(until, options.onProgress),
    finish: () => summarize(built, topology, seed, options.apps),
  };
}

export interface RealtimeOptions extends RunOptions {
  /** Ends the run early (Ctrl-C at the CLI). */
  signal?: AbortSignal;
  /** Told where each switch with `listen:` accepts OpenFlow connections, once it does. */
  onListening?: (node: string, host: string, port: number) => void;
}

/**
 * The peers outside the process a topology's switches meet (`listen:`, `controller: tcp:…`), as
 * `s1 listens on 127.0.0.1:6634`: with any, a run must follow the wall clock (runTopologyRealtime).
 */
export function wallClockPeers(topology: Topology): string[] {
  const peers: string[] = [];
  for (const node of topology.nodes) {
    if (node.kind !== 'switch') continue;
    if (node.listen !== undefined) peers.push(`${node.name} listens on ${node.listen.host}:${node.listen.port}`);
    if (node.controller !== undefined && 'port' in node.controller) peers.push(`${node.name} connects to tcp:${node.controller.host}:${node.controller.port}`);
  }
  for (const t of topology.tenants ?? []) {
    if ('port' in t.controller) peers.push(`tenant ${t.name}'s virtual switches connect to tcp:${t.controller.host}:${t.controller.port}`);
  }
  return peers;
}

/**
 * A run paced to the wall clock: virtual time follows real time from the start, so OpenFlow
 * peers outside the process (ovs-ofctl, a controller) meet the switches as they would real
 * ones. Switches with `listen:` accept connections for the whole run. Ends at `until`, or when
 * `signal` aborts; without either it runs until aborted.
 */
export async function runTopologyRealtime(topology: Topology, options: RealtimeOptions = {}): Promise<RunSummary> {
  checkRunOptions(options);
  const seed = options.seed ?? topology.seed;
  const built = prepare(topology, seed, options);
  const listeners: OpenFlowListener[] = [];
  try {
    for (const spec of topology.nodes) {
      if (spec.kind !== 'switch' || spec.listen === undefined) continue;
      const listener = await listenOpenFlow(built.agents.get(spec.name)!, spec.listen.host, spec.listen.port).catch((e: unknown) => {
        throw e instanceof ListenError ? new ListenError(`${spec.name}: ${e.message}`) : e;
      });
      listeners.push(listener);
      options.onListening?.(spec.name, listener.host, listener.port);
    }
    for (const { agent, host, port } of built.connectsOut) listeners.push(connectOpenFlow(agent, host, port));
    await paceToWallClock(built, options.until ?? Infinity, options.signal, options.onProgress);
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
  }
  return summarize(built, topology, seed, options.apps);
}

/** Runs the scheduler in step with real time: every millisecond or so, up to the time elapsed. */
function paceToWallClock(built: Built, until: number, signal: AbortSignal | undefined, onProgress: ((now: number) => void) | undefined): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    const tick = async () => {
      const target = Math.min(until, Math.round((performance.now() - start) * 1e6));
      await built.net.run(target, onProgress);
      if (target >= until || signal?.aborted) {
        resolve();
        return;
      }
      setTimeout(() => void tick(), 1);
    };
    void tick();
  });
}

function prepare(topology: Topology, seed: number, options: RunOptions): Built {
  const select = runCaptureSelector(topology, options.capturePorts); // checked with no capture too: a mistake is never silent
  const built = build(topology, { seed, ...(options.apps !== undefined && { apps: options.apps }) });
  if (options.capture) {
    options.capture.addEspSecrets(espSecretsOf(topology));
    built.net.recorder.add(new CaptureSink(built.net, options.capture, select));
  }
  for (const s of options.sinks ?? []) built.net.recorder.add(s);
  return built;
}

async function summarize(built: Built, topology: Topology, seed: number, apps: AppRegistry | undefined): Promise<RunSummary> {
  built.net.recorder.close();
  const traffic = summarizeTraffic(built);
  const drops = [...built.net.drops].map(([key, count]) => {
    const [node, reason] = key.split(' ') as [string, DropReason];
    return { node, reason, count };
  });
  const expectations: ExpectationResult[] = [];
  for (const e of topology.expect) expectations.push(await check(e, built, traffic, topology, seed, apps));
  return {
    topology: topology.name,
    seed,
    endedAt: built.net.scheduler.now,
    events: built.net.scheduler.processed,
    packetHops: built.net.hops,
    traffic,
    drops,
    ...(built.platform !== undefined && { tenants: summarizeTenants(built.platform) }),
    expectations,
    passed: expectations.every((e) => e.passed),
  };
}

function summarizeTenants(platform: Platform): TenantSummary[] {
  return platform.tenants.map((t) => ({
    name: t.name,
    flows: platform.virtualSwitches.reduce((n, v) => n + (v.tenant === t ? v.installed() : 0), 0),
    packetIns: t.counters.packetIns,
    packetInsDropped: t.counters.packetInsDropped,
    refused: Object.fromEntries(t.counters.refused),
    rateLimited: t.counters.rateLimited,
  }));
}

function summarizeTraffic(built: Built): TrafficSummary[] {
  return built.traffic.map((t) => {
    if (t.ping) {
      const { sent, received, rtt, errors } = t.ping;
      const now = built.net.scheduler.now;
      let inFlight = 0;
      for (const sentAt of t.ping.outstanding.values()) if (now - sentAt < t.ping.timeout) inFlight++;
      const summary: TrafficSummary = { name: t.spec.name, kind: 'ping', sent, delivered: received, lost: sent - received - inFlight, errors, ...(inFlight > 0 && { inFlight }) };
      if (rtt.count > 0) summary.rtt = { min: rtt.min / 1e6, avg: rtt.mean / 1e6, max: rtt.max / 1e6, mdev: Math.sqrt(rtt.m2 / rtt.count) / 1e6 };
      return summary;
    }
    const udp = t.udp!;
    const delivered = udp.receiver?.udpReceived.get(udp.key) ?? 0;
    return { name: t.spec.name, kind: 'udp', sent: udp.app.sent, delivered, lost: udp.app.sent - delivered };
  });
}

export interface TraceOptions {
  proto?: 'icmp' | 'udp';
  /** UDP destination port. */
  dstPort?: number;
  /** Virtual time to send at, ns. */
  at?: number;
  /** Payload bytes: ICMP echo data (default 56) or UDP payload (default 32). */
  size?: number;
  /** Sets IPv4 don't-fragment. */
  df?: boolean;
  seed?: number;
  capture?: CaptureWriter;
  /** The ports `capture` holds, as RunOptions' `capturePorts`. */
  capturePorts?: readonly string[];
  apps?: AppRegistry;
}

/**
 * Sends one probe at `at` in a fresh network and returns its path. An unknown `from` or `to`, or
 * one with no IPv4 address, is a ProbeError listing the names that would do (see checkProbe).
 */
export async function tracePath(topology: Topology, from: string, to: string, options: TraceOptions = {}): Promise<PathResult> {
  const probe = checkProbe(topology, from, to, options);
  const select = runCaptureSelector(topology, options.capturePorts); // checked with no capture too: a mistake is never silent
  const built = build(topology, { seed: options.seed ?? topology.seed, traffic: false, ...(options.apps !== undefined && { apps: options.apps }) });
  const net = built.net;
  const host = hostOf(net, from);
  const dst = resolveAddress(net, to);
  if (options.capture) net.recorder.add(new CaptureSink(net, options.capture, select));
  // The probe's trace id is the id of the next frame made: collect from the start.
  let collector: PathCollector | undefined;
  const events: Parameters<PathCollector['event']>[0][] = [];
  net.recorder.add({ event: (e) => (collector ? collector.event(e) : events.push(e)) });
  await net.run(probe.at);
  const trace = host.probe(dst, probe.proto, { ...(probe.dstPort !== undefined && { dstPort: probe.dstPort }), ...(probe.size !== undefined && { size: probe.size }), ...(probe.df === true && { df: true }) });
  collector = new PathCollector(trace);
  for (const e of events) collector.event(e);
  await net.run(probe.at + 60e9);
  net.recorder.close();
  // A named destination is that node, even when another tenant's host has the same address.
  const destination = net.nodes.has(to) ? to : receiverOf(net, dst)?.name;
  return buildPath(collector.events, destination, collector.arpDrops);
}

/** What an expectation asks, as summaries print it: known before the run (`netloom test` lists skipped ones). */
export function describeExpectation(e: Expectation, topology: Topology): string {
  if (e.kind === 'delivered') {
    const bounds = [e.min !== undefined && `at least ${e.min}`, e.max !== undefined && `at most ${e.max}`].filter(Boolean).join(' and ');
    return `${topology.traffic[e.traffic]!.name}: ${bounds} delivered`;
  }
  if (e.kind === 'dropped') return `at least ${e.min} dropped at ${e.node} for ${e.reason}`;
  if (e.kind === 'isolated') return `${e.tenants.length > 1 ? `${e.tenants.slice(0, -1).join(', ')} and ${e.tenants.at(-1)}` : e.tenants[0]} ${e.tenants.length === 1 ? 'is' : 'are'} isolated${e.at === undefined ? '' : ` at ${e.at / 1e9} s`}`;
  return `${e.proto} ${e.from} → ${e.to}${e.via.length ? ` via ${e.via.join(', ')}` : ''}: ${e.disposition}`;
}

async function check(e: Expectation, built: Built, traffic: TrafficSummary[], topology: Topology, seed: number, apps: AppRegistry | undefined): Promise<ExpectationResult> {
  const expectation = describeExpectation(e, topology);
  if (e.kind === 'delivered') {
    const t = traffic[e.traffic]!;
    const passed = (e.min === undefined || t.delivered >= e.min) && (e.max === undefined || t.delivered <= e.max);
    return { expectation, passed, actual: `${t.delivered} of ${t.sent} delivered${t.inFlight ? `, ${t.inFlight} in flight` : ''}` };
  }
  if (e.kind === 'dropped') {
    const count = built.net.drops.get(`${e.node} ${e.reason}`) ?? 0;
    return { expectation, passed: count >= e.min, actual: `${count} dropped` };
  }
  if (e.kind === 'isolated') {
    const report = e.at === undefined ? verifyBuilt(built, { tenants: e.tenants }) : await verifyIsolation(topology, { tenants: e.tenants, at: e.at, seed, ...(apps !== undefined && { apps }) });
    const c = report.checked;
    const leak = report.leaks[0];
    const actual = report.isolated
      ? `isolated: ${c.headerSets} header sets through ${c.rules} rules checked`
      : leak === undefined
        ? 'not proved: the exploration stopped at its budget'
        : `${report.leaks.length} leak${report.leaks.length === 1 ? '' : 's'}; ${leak.tenant}'s packet ${leak.detail}, by ${leak.responsible.switch} ${leak.responsible.text}`;
    return { expectation, passed: report.isolated, actual };
  }
  const path = await tracePath(topology, e.from, e.to, { proto: e.proto, ...(e.dstPort !== undefined && { dstPort: e.dstPort }), at: e.at, seed, ...(apps !== undefined && { apps }) });
  const nodes = path.hops.map((h) => h.node);
  let at = 0;
  const viaInOrder = e.via.every((v) => {
    const i = nodes.indexOf(v, at);
    if (i < 0) return false;
    at = i + 1;
    return true;
  });
  const passed = viaInOrder && path.disposition === e.disposition;
  return {
    expectation,
    passed,
    actual: `${nodes.join(' → ')}: ${path.disposition}${path.reason ? ` (${path.reason})` : ''}`,
    path,
  };
}
