/**
 * A private Open vSwitch for interop tests: ovsdb-server and ovs-vswitchd started in a fresh
 * temporary directory with `--enable-dummy --disable-system --disable-system-route`, one bridge
 * `br0` on the userspace `dummy` datapath (as OVS's own tests/ofproto-macros.at does), N dummy
 * ports with OpenFlow port numbers 1..N whose transmitted frames land in pcap files, and
 * optionally tunnel ports with an underlay bridge. Frames go in with `netdev-dummy/receive` and
 * come out of the tx pcaps, read with netloom's capture reader.
 *
 * It owns its temporary directory and the two daemons it started, nothing else: every command
 * gets the OVS_*DIR variables pointing there and an explicit target (db socket, br0.mgmt,
 * control socket), so a system Open vSwitch and the host's interfaces are never touched.
 * See OVS-NOTES.md for why it works the way it does.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { readCapture } from '../../src/capture/read.js';
import { toHex } from '../../src/index.js';

// ---------------------------------------------------------------------------------------------
// Finding Open vSwitch.

export const OVS_BINARIES = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'] as const;
export type OvsBinary = (typeof OVS_BINARIES)[number];

/** ovs-vswitchd and ovsdb-server live in sbin, which is often not on a user's PATH. */
const SEARCH_DIRS = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/usr/local/sbin', '/sbin'];
const SCHEMA_DIRS = [process.env['OVS_PKGDATADIR'], '/usr/share/openvswitch', '/usr/local/share/openvswitch'];

function findExecutable(name: string): string | undefined {
  for (const dir of SEARCH_DIRS) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const binaries = new Map<OvsBinary, string>();
for (const name of OVS_BINARIES) {
  const path = findExecutable(name);
  if (path !== undefined) binaries.set(name, path);
}
const schema = SCHEMA_DIRS.filter((d): d is string => d !== undefined)
  .map((d) => join(d, 'vswitch.ovsschema'))
  .find((p) => existsSync(p));

/** What is missing to run Open vSwitch here: binary names, and the schema file if absent. */
export function missingOvs(): string[] {
  const missing: string[] = OVS_BINARIES.filter((name) => !binaries.has(name));
  if (schema === undefined) missing.push('vswitch.ovsschema');
  return missing;
}

export function haveOvs(): boolean {
  return missingOvs().length === 0;
}

/** For console.warn when skipping: what is missing and how to get it. */
export function ovsMissingMessage(): string {
  return `Open vSwitch is missing (${missingOvs().join(', ')}). Install it with: apt-get install openvswitch-switch`;
}

function binary(name: OvsBinary): string {
  const path = binaries.get(name);
  if (path === undefined) throw new Error(ovsMissingMessage());
  return path;
}

// ---------------------------------------------------------------------------------------------
// Types.

/**
 * The OpenFlow version ovs-ofctl speaks. It changes what a flow's text means, not only how it is
 * encoded: under OpenFlow15 (and 1.1-1.4) `mod_vlan_vid` becomes push_vlan + set_field unless the
 * match proves a tag is present, `strip_vlan` needs a match that proves a tag, and `goto_table`
 * is real; under OpenFlow10 `mod_vlan_vid` modifies-or-pushes, `strip_vlan` needs nothing, and
 * `goto_table` becomes `resubmit(,N)` (and `write_metadata` + `goto_table` is refused).
 */
export type OpenFlowVersion = 'OpenFlow10' | 'OpenFlow11' | 'OpenFlow12' | 'OpenFlow13' | 'OpenFlow14' | 'OpenFlow15';

/** What `-O` says: one version, a list of them (OpenFlow10,OpenFlow15), or nothing: plain ovs-ofctl, OpenFlow 1.0 + NXM. */
export type OfctlProtocols = OpenFlowVersion | `${OpenFlowVersion},${OpenFlowVersion}` | 'plain';

export type TunnelType = 'vxlan' | 'gre' | 'geneve';

/** The port a frame left by: an OpenFlow port of br0 (LOCAL is 65534), or the underlay wire. */
export type OvsPort = number | 'underlay';

export interface OvsOutput {
  port: OvsPort;
  bytes: Uint8Array;
}

export interface OvsSwitchOptions {
  /** Dummy ports p1..pN with OpenFlow port numbers 1..N. Default 4. */
  ports?: number;
  /** Default OpenFlow15 (see OpenFlowVersion). */
  protocol?: OpenFlowVersion;
  /** Also write each port's received frames to pN-rx.pcap (debugging only). Default false. */
  rxPcap?: boolean;
  /**
   * Keep ovs-vswitchd's datapath flow cache. Default false: `other_config:flow-limit=0`, so every
   * packet is an upcall translated against the current OpenFlow tables and MAC table, and no stale
   * datapath flow can answer for a flow table or MAC table that has since changed.
   */
  datapathFlowCache?: boolean;
}

export interface UnderlayOptions {
  /** Address of the underlay bridge's internal port, the tunnels' local endpoint, IPv4 or IPv6. Default 192.0.2.1/24. */
  localIp?: string;
  /** MAC of the underlay bridge (the outer Ethernet source). Default aa:55:aa:55:01:00. */
  localMac?: string;
}

/** An ovs-* command failed: the command line and what it printed. */
export class OvsCommandError extends Error {
  readonly code = 'NETLOOM_OVS_COMMAND';
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`${command} exited with ${status ?? 'a signal'}: ${stderr.trim() || stdout.trim()}`);
    this.name = 'OvsCommandError';
  }
}

/** Bridge under test and its LOCAL port number (OFPP_LOCAL). */
export const BRIDGE = 'br0';
export const LOCAL_PORT = 65534;
const BRIDGE_MAC = 'aa:55:aa:55:00:00';
const DATAPATH_ID = 'fedcba9876543210';
const UNDERLAY_BRIDGE = 'ul0';
const UNDERLAY_WIRE = 'ulwire';
const ALL_PROTOCOLS = '[OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15]';

/** Where one port's transmitted frames are, and how far we have read. */
interface TxCapture {
  port: OvsPort;
  path: string;
  /** The 24-byte pcap file header, once read. */
  header?: Uint8Array;
  /** Bytes of the file consumed so far. */
  offset: number;
}

// Daemons of every switch still running, killed if the process exits without stop().
const running = new Set<OvsSwitch>();
let exitHookInstalled = false;

// ---------------------------------------------------------------------------------------------

export class OvsSwitch {
  readonly dir: string;
  readonly ports: number;
  readonly protocol: OpenFlowVersion;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pids: number[] = [];
  private readonly captures: TxCapture[] = [];
  private readonly all: OvsOutput[] = [];
  private underlay: Required<UnderlayOptions> | undefined;
  private stopped = false;
  private injecting = false;

  /** Starts the daemons and builds br0 with its ports; throws (after cleaning up) on failure. */
  static start(options: OvsSwitchOptions = {}): OvsSwitch {
    const sw = new OvsSwitch(options);
    try {
      sw.boot(options);
    } catch (error) {
      sw.stop();
      throw error;
    }
    return sw;
  }

  private constructor(options: OvsSwitchOptions) {
    this.ports = options.ports ?? 4;
    this.protocol = options.protocol ?? 'OpenFlow15';
    if (!Number.isInteger(this.ports) || this.ports < 1 || this.ports > 64) throw new RangeError(`ports ${this.ports} is not an integer in 1-64`);
    // A short path: unix socket names are limited to 108 bytes.
    this.dir = mkdtempSync(join(tmpdir(), 'netloom-ovs-'));
    this.env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      OVS_RUNDIR: this.dir,
      OVS_LOGDIR: this.dir,
      OVS_DBDIR: this.dir,
      OVS_SYSCONFDIR: this.dir,
    };
    running.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const sw of running) sw.stop();
      });
    }
  }

  private get db(): string {
    return `unix:${join(this.dir, 'db.sock')}`;
  }

  private get ctl(): string {
    return join(this.dir, 'ovs-vswitchd.ctl');
  }

  private mgmt(bridge: string): string {
    return `unix:${join(this.dir, `${bridge}.mgmt`)}`;
  }

  private boot(options: OvsSwitchOptions): void {
    const conf = join(this.dir, 'conf.db');
    this.run('ovsdb-tool', ['create', conf, schema!]);
    const daemon = ['--detach', '--no-chdir', '--pidfile', '--log-file', '-vconsole:off'];
    this.run('ovsdb-server', [...daemon, `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`, `--remote=punix:${join(this.dir, 'db.sock')}`, conf]);
    this.pids.push(this.readPid('ovsdb-server'));
    const init = ['--no-wait', 'init'];
    if (options.datapathFlowCache !== true) init.push('--', 'set', 'Open_vSwitch', '.', 'other_config:flow-limit=0');
    this.vsctl(...init);
    this.run('ovs-vswitchd', [
      '--enable-dummy', '--disable-system', '--disable-system-route',
      ...daemon, `--unixctl=${this.ctl}`, this.db,
    ]);
    this.pids.push(this.readPid('ovs-vswitchd'));

    const args = [
      '--', 'add-br', BRIDGE,
      '--', 'set', 'Bridge', BRIDGE, 'datapath_type=dummy', 'fail-mode=secure',
      `other-config:datapath-id=${DATAPATH_ID}`, `other-config:hwaddr=${BRIDGE_MAC}`, `protocols=${ALL_PROTOCOLS}`,
      '--', 'set', 'Interface', BRIDGE, `options:tx_pcap=local-tx.pcap`,
    ];
    for (let n = 1; n <= this.ports; n++) {
      args.push('--', 'add-port', BRIDGE, `p${n}`, '--', 'set', 'Interface', `p${n}`, 'type=dummy', `ofport_request=${n}`, `options:tx_pcap=p${n}-tx.pcap`);
      if (options.rxPcap === true) args.push(`options:rxq_pcap=p${n}-rx.pcap`);
    }
    this.vsctl(...args);
    for (let n = 1; n <= this.ports; n++) this.captures.push({ port: n, path: join(this.dir, `p${n}-tx.pcap`), offset: 0 });
    this.captures.push({ port: LOCAL_PORT, path: join(this.dir, 'local-tx.pcap'), offset: 0 });
    for (let n = 1; n <= this.ports; n++) {
      const ofport = this.vsctl('get', 'Interface', `p${n}`, 'ofport').trim();
      if (ofport !== String(n)) throw new Error(`p${n} got OpenFlow port ${ofport}, not ${n}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Commands.

  private run(name: OvsBinary, args: string[], input?: string): string {
    const options: ExecFileSyncOptions = { env: this.env, cwd: this.dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 };
    if (input !== undefined) options.input = input;
    try {
      return execFileSync(binary(name), args, options) as string;
    } catch (error) {
      const e = error as { status?: number | null; stderr?: string | Buffer; stdout?: string | Buffer };
      throw new OvsCommandError(`${name} ${args.join(' ')}`.slice(0, 500), e.status ?? null, String(e.stderr ?? ''), String(e.stdout ?? ''));
    }
  }

  vsctl(...args: string[]): string {
    return this.run('ovs-vsctl', [`--db=${this.db}`, '--timeout=20', ...args]);
  }

  /** ovs-ofctl on br0 (or `bridge`): `ofctl(['dump-ports'])` runs `ovs-ofctl -O <v> dump-ports <br0.mgmt>` (no `-O` for 'plain'). */
  ofctl(args: string[], options: { bridge?: string; protocol?: OfctlProtocols; input?: string } = {}): string {
    const [command, ...rest] = args;
    if (command === undefined) throw new Error('ofctl needs a command');
    const protocol = options.protocol ?? this.protocol;
    return this.run('ovs-ofctl', [...(protocol === 'plain' ? [] : ['-O', protocol]), command, this.mgmt(options.bridge ?? BRIDGE), ...rest], options.input);
  }

  appctl(...args: string[]): string {
    return this.run('ovs-appctl', ['-t', this.ctl, '--timeout=20', ...args]);
  }

  /** What appctl does, over the control socket without starting a process (a few ms cheaper a call). */
  command(method: string, ...params: string[]): Promise<string> {
    return unixctl(this.ctl, method, params);
  }

  // -------------------------------------------------------------------------------------------
  // Flows.

  /**
   * `ovs-ofctl add-flows br0 -`; throws OvsCommandError with ovs-ofctl's message on a bad flow.
   * All or nothing: a flow ovs-ofctl cannot parse stops it before anything is sent, and from
   * OpenFlow 1.4 on `--bundle` makes the switch refuse the whole set if it refuses one flow
   * (without it, the flows before the refused one would stay installed).
   */
  addFlows(flows: string[], protocol: OfctlProtocols = this.protocol): void {
    this.flowMods(flows, protocol);
  }

  /**
   * Deletes every flow and adds `flows`, in one ovs-ofctl process: add-flows reads a leading
   * command word on each line (OVS's parse_ofp_str), so the first line is `delete`. With a bundle
   * (OpenFlow 1.4+) a refusal leaves the old table; without one, the flows before the refused one.
   */
  replaceFlows(flows: string[], protocol: OfctlProtocols = this.protocol): void {
    this.flowMods(['delete', ...flows], protocol);
  }

  private flowMods(lines: string[], protocol: OfctlProtocols): void {
    const bundle = /OpenFlow1[45]$/.test(protocol);
    this.ofctl(bundle ? ['add-flows', '-', '--bundle'] : ['add-flows', '-'], { protocol, input: lines.join('\n') + '\n' });
  }

  /** `ovs-ofctl del-flows br0 [match]`: every table, or the flows `match` selects. */
  delFlows(match?: string): void {
    this.ofctl(match === undefined ? ['del-flows'] : ['del-flows', match]);
  }

  /**
   * `ovs-ofctl dump-flows br0`. With `stats: false`, `--no-stats` leaves out the counters and
   * durations, which makes the text reproducible. Rows come in the classifier's order, not by
   * priority; `sort: true` adds `--rsort` (priority, highest first).
   */
  dumpFlows(options: { stats?: boolean; sort?: boolean; protocol?: OpenFlowVersion } = {}): string {
    const args = ['dump-flows'];
    if (options.stats === false) args.push('--no-stats');
    if (options.sort === true) args.push('--rsort');
    return this.ofctl(args, options.protocol === undefined ? {} : { protocol: options.protocol });
  }

  /** `ovs-appctl ofproto/trace br0 <flow> [packet hex]`, for debugging and comparing explanations. */
  trace(flow: string, packet?: Uint8Array): string {
    return packet === undefined ? this.appctl('ofproto/trace', BRIDGE, flow) : this.appctl('ofproto/trace', BRIDGE, flow, toHex(packet));
  }

  /** Forgets every learned MAC of NORMAL (`fdb/flush`). */
  fdbFlush(): void {
    this.appctl('fdb/flush', BRIDGE);
  }

  fdbShow(): string {
    return this.appctl('fdb/show', BRIDGE);
  }

  // -------------------------------------------------------------------------------------------
  // Packets.

  /**
   * Gives `frame` to br0 as received on `port` (1..N, LOCAL_PORT for br0's own port, or
   * 'underlay' for the underlay wire once a tunnel port exists) and resolves to the frames it made
   * OVS transmit, ordered by port (ascending, LOCAL as 65534, 'underlay' last) and, within a port,
   * in transmit order. OVS itself has no order between ports (its userspace datapath flushes
   * per-port batches); use trace() for the action order. Await each call before the next one.
   */
  async inject(port: OvsPort, frame: Uint8Array): Promise<OvsOutput[]> {
    await this.receive(port, frame);
    return this.collect();
  }

  /** Like inject without collecting: for frames whose outputs are read later, with outputs(). */
  async receive(port: OvsPort, frame: Uint8Array): Promise<void> {
    const name = this.netdevName(port);
    if (this.injecting) throw new Error('inject called while another inject is pending; await each inject');
    this.injecting = true;
    try {
      await unixctl(this.ctl, 'netdev-dummy/receive', [name, toHex(frame)]);
      await this.barrier();
    } finally {
      this.injecting = false;
    }
  }

  private netdevName(port: OvsPort): string {
    if (port === 'underlay') {
      if (this.underlay === undefined) throw new RangeError('no underlay yet: add a tunnel port first');
      return UNDERLAY_WIRE;
    }
    if (port === LOCAL_PORT) return BRIDGE;
    if (!Number.isInteger(port) || port < 1 || port > this.ports) throw new RangeError(`no port ${port} to inject into (1-${this.ports}, ${LOCAL_PORT} or 'underlay')`);
    return `p${port}`;
  }

  /** Every frame transmitted since start, in inject order (each inject's frames ordered as inject returns them). */
  outputs(): OvsOutput[] {
    this.collect();
    return [...this.all];
  }

  /**
   * Resolves once ovs-vswitchd has processed every frame queued before it. netdev-dummy/receive
   * only queues a frame; each main-loop iteration runs the datapath (dpif_netdev_run, which takes
   * one frame per dummy port, handles the upcall and transmits synchronously) before it serves
   * control connections, and accepts new control connections only at the start of serving them.
   * So a command sent on a new connection after the receive's reply is answered in a later
   * iteration, after that frame was forwarded and its tx pcap writes flushed.
   */
  private async barrier(): Promise<void> {
    await unixctl(this.ctl, 'version', []);
  }

  private collect(): OvsOutput[] {
    const fresh: OvsOutput[] = [];
    for (const capture of this.captures) {
      for (const bytes of readNewFrames(capture)) fresh.push({ port: capture.port, bytes });
    }
    this.all.push(...fresh);
    return fresh;
  }

  // -------------------------------------------------------------------------------------------
  // Tunnels.

  /**
   * Adds a tunnel port to br0 (e.g. `addTunnelPort('vx1', 'vxlan', { remote_ip: '192.0.2.2', key:
   * '5' }, 10)`) as OVS's tests/tunnel-push-pop.at does: native tunnelling on the userspace
   * datapath through an underlay bridge ul0 whose internal port holds the local endpoint address,
   * a route to each remote_ip via ul0, a static neighbour entry (so no ARP is sent), and one dummy
   * wire port whose transmissions are reported as port 'underlay'. `remoteMac` is the outer
   * destination MAC (default 02:00:00:00:00:02).
   */
  addTunnelPort(name: string, type: TunnelType, options: Record<string, string>, ofport: number, remoteMac = '02:00:00:00:00:02'): void {
    this.ensureUnderlay();
    const args = ['--', 'add-port', BRIDGE, name, '--', 'set', 'Interface', name, `type=${type}`, `ofport_request=${ofport}`];
    for (const [key, value] of Object.entries(options)) args.push(`options:${key}=${value}`);
    this.vsctl(...args);
    const got = this.vsctl('get', 'Interface', name, 'ofport').trim();
    if (got !== String(ofport)) throw new Error(`${name} got OpenFlow port ${got}, not ${ofport} (is the port number taken?)`);
    const remote = options['remote_ip'];
    if (remote !== undefined && remote !== 'flow') {
      this.appctl('ovs/route/add', `${remote}/${remote.includes(':') ? 128 : 32}`, UNDERLAY_BRIDGE);
      this.appctl('tnl/neigh/set', UNDERLAY_BRIDGE, remote, remoteMac);
    }
  }

  /** The tunnels' local endpoint (address and MAC of ul0), once a tunnel port exists. */
  underlayEndpoint(): { ip: string; mac: string } | undefined {
    return this.underlay === undefined ? undefined : { ip: this.underlay.localIp.split('/')[0]!, mac: this.underlay.localMac };
  }

  /** Sets up the underlay bridge; call before the first addTunnelPort to choose its addresses. */
  ensureUnderlay(options: UnderlayOptions = {}): Required<UnderlayOptions> {
    if (this.underlay !== undefined) return this.underlay;
    const underlay = { localIp: options.localIp ?? '192.0.2.1/24', localMac: options.localMac ?? 'aa:55:aa:55:01:00' };
    this.vsctl(
      '--', 'add-br', UNDERLAY_BRIDGE,
      '--', 'set', 'Bridge', UNDERLAY_BRIDGE, 'datapath_type=dummy', 'fail-mode=secure',
      'other-config:datapath-id=fedcba9876543211', `other-config:hwaddr=${underlay.localMac}`, `protocols=${ALL_PROTOCOLS}`,
      '--', 'add-port', UNDERLAY_BRIDGE, UNDERLAY_WIRE, '--', 'set', 'Interface', UNDERLAY_WIRE, 'type=dummy', 'ofport_request=1',
      'options:tx_pcap=underlay-tx.pcap',
    );
    // As tests/tunnel-push-pop.at and tunnel-push-pop-ipv6.at give the dummy bridge its address.
    this.appctl(underlay.localIp.includes(':') ? 'netdev-dummy/ip6addr' : 'netdev-dummy/ip4addr', UNDERLAY_BRIDGE, underlay.localIp);
    // The wire and the bridge's own port only talk to each other; NORMAL would add learning.
    this.ofctl(['add-flows', '-'], { bridge: UNDERLAY_BRIDGE, input: 'in_port=1,actions=LOCAL\nin_port=LOCAL,actions=output:1\n' });
    this.captures.push({ port: 'underlay', path: join(this.dir, 'underlay-tx.pcap'), offset: 0 });
    this.underlay = underlay;
    return underlay;
  }

  // -------------------------------------------------------------------------------------------

  /** Stops both daemons and removes the directory. Safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    running.delete(this);
    for (const pid of [...this.pids].reverse()) stopProcess(pid);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** ovs-vswitchd's log so far (for a failing test's message). */
  log(): string {
    const path = join(this.dir, 'ovs-vswitchd.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  private readPid(daemon: string): number {
    const pid = Number.parseInt(readFileSync(join(this.dir, `${daemon}.pid`), 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${daemon}.pid holds no process id`);
    return pid;
  }
}

// ---------------------------------------------------------------------------------------------

/** Frames appended to a tx pcap since the last call, as copies. */
function readNewFrames(capture: TxCapture): Uint8Array[] {
  let fd: number;
  try {
    fd = openSync(capture.path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    if (capture.header === undefined) {
      if (size < 24) return [];
      const header = new Uint8Array(24);
      readSync(fd, header, 0, 24, 0);
      capture.header = header;
      capture.offset = 24;
    }
    if (size <= capture.offset) return [];
    const bytes = new Uint8Array(24 + size - capture.offset);
    bytes.set(capture.header, 0);
    readSync(fd, bytes, 24, size - capture.offset, capture.offset);
    const read = readCapture(bytes);
    if (read.error !== undefined) throw new Error(`${capture.path}: ${read.error.message}`);
    capture.offset = size;
    return read.packets.map((p) => p.data.slice());
  } finally {
    closeSync(fd);
  }
}

/**
 * One unixctl command on a fresh connection (what ovs-appctl does, without starting a process):
 * JSON-RPC 1.0, one request, one reply, no framing beyond the JSON value itself.
 */
function unixctl(path: string, method: string, params: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    let settled = false;
    const finish = (error: Error | undefined, result?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(result ?? '');
    };
    const timer = setTimeout(() => finish(new Error(`unixctl ${method}: no reply in 20 s`)), 20_000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ id: 0, method, params })));
    socket.on('data', (chunk: string) => {
      text += chunk;
      let reply: { result?: unknown; error?: unknown };
      try {
        reply = JSON.parse(text) as { result?: unknown; error?: unknown };
      } catch {
        return; // the reply is still arriving
      }
      if (reply.error !== null && reply.error !== undefined) finish(new OvsCommandError(`ovs-appctl ${method} ${params.join(' ')}`.slice(0, 500), 2, String(reply.error), ''));
      else finish(undefined, typeof reply.result === 'string' ? reply.result : '');
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`unixctl ${method}: connection closed before a reply`)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it has exited all the same.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function stopProcess(pid: number): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200 && alive(pid); i++) sleepMs(10);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}
