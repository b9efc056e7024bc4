/**
 * netloom's OpenFlow 1.3 controller: it takes switch connections (simulated channels in a
 * topology, TCP for real switches), runs the handshake as os-ken does (HELLO, FEATURES_REQUEST,
 * PORT_DESC), then hands each switch to its apps: one handler per event, as os-ken and Ryu apps
 * are written, with the Datapath carrying the calls. An app's handler may be async; whatever it
 * throws is logged with the switch it concerns and never reaches the switch or other apps.
 */
import { OFP_VERSION, OFPP, type MessageOf, type OfMessage } from '../openflow/messages.js';
import type { Transport } from '../openflow/agent.js';
import type { Oxm } from '../openflow/oxm.js';
import { Datapath, formatDpid } from './datapath.js';

export interface PacketInEvent {
  /** The port the packet came in on (from the OXM in_port). */
  inPort: number;
  /** OFPR_*: 0 no_match (a table-miss flow), 1 action, 2 invalid_ttl. */
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Oxm[];
  /** The frame (whole when the flow's max_len was 65535). */
  data: Uint8Array;
  totalLen: number;
}

/** A controller app: any handler it has is called; each may return a promise. */
export interface ControllerApp {
  switchConnected?(dp: Datapath): void | Promise<void>;
  switchDisconnected?(dp: Datapath): void | Promise<void>;
  packetIn?(dp: Datapath, ev: PacketInEvent): void | Promise<void>;
  portStatus?(dp: Datapath, ev: MessageOf<'port_status'>): void | Promise<void>;
  flowRemoved?(dp: Datapath, ev: MessageOf<'flow_removed'>): void | Promise<void>;
  error?(dp: Datapath, ev: MessageOf<'error'>): void | Promise<void>;
}

export interface AppContext {
  controller: Controller;
  /** The app's options from the topology file or the command line. */
  options: Readonly<Record<string, unknown>>;
}

/** How an app is made: built-ins and user modules export one (as `default` or `app`). */
export type AppFactory = (context: AppContext) => ControllerApp;

export class Controller {
  /** Switches that finished the handshake, by datapath id. */
  readonly datapaths = new Map<bigint, Datapath>();
  /** What happened that a person may want to read: switches connecting, app errors. */
  readonly log: string[] = [];
  onLog: ((line: string) => void) | undefined;
  private readonly apps: ControllerApp[] = [];
  private readonly handshaking = new Set<Datapath>();

  constructor(readonly name: string) {}

  use(factory: AppFactory, options: Readonly<Record<string, unknown>> = {}): ControllerApp {
    const app = factory({ controller: this, options });
    this.apps.push(app);
    return app;
  }

  note(line: string): void {
    this.log.push(line);
    this.onLog?.(line);
  }

  /** A new switch connection: HELLO goes out at once; the rest follows the switch's HELLO. */
  attach(transport: Transport): Datapath {
    const dp = new Datapath(transport, { message: (d, m) => this.message(d, m), closed: (d) => this.closed(d) });
    this.handshaking.add(dp);
    dp.send({ type: 'hello', xid: dp.nextXid(), elements: [{ type: 'versionbitmap', bitmaps: [1 << OFP_VERSION] }] });
    return dp;
  }

  private message(dp: Datapath, m: OfMessage): void {
    switch (m.type) {
      case 'hello':
        if (this.handshaking.has(dp)) void this.handshake(dp, m);
        return;
      case 'echo_request':
        dp.send({ type: 'echo_reply', xid: m.xid, data: m.data });
        return;
      case 'packet_in': {
        const inPort = m.match.find((o) => o.field === 'in_port');
        const ev: PacketInEvent = {
          inPort: inPort !== undefined && inPort.field !== 'unknown' ? Number((inPort as { value: bigint }).value) : OFPP.ANY, reason: m.reason, tableId: m.tableId,
          cookie: m.cookie, match: m.match, data: m.data, totalLen: m.totalLen,
        };
        this.dispatch(dp, 'packetIn', (app) => app.packetIn?.(dp, ev));
        return;
      }
      case 'port_status':
        if (m.reason === 1) dp.ports.delete(m.port.portNo);
        else dp.ports.set(m.port.portNo, m.port);
        this.dispatch(dp, 'portStatus', (app) => app.portStatus?.(dp, m));
        return;
      case 'flow_removed':
        this.dispatch(dp, 'flowRemoved', (app) => app.flowRemoved?.(dp, m));
        return;
      case 'error':
        this.note(`${this.name}: switch ${formatDpid(dp.id)} sent OpenFlow error type ${m.errorType} code ${m.code} (xid ${m.xid})`);
        this.dispatch(dp, 'error', (app) => app.error?.(dp, m));
        return;
      default:
        return;
    }
  }

  /** os-ken's order: FEATURES_REQUEST, then PORT_DESC; the switch is ready when both are answered. */
  private async handshake(dp: Datapath, hello: MessageOf<'hello'>): Promise<void> {
    const bitmap = hello.elements.find((e) => e.type === 'versionbitmap');
    const offers13 = bitmap !== undefined && bitmap.type === 'versionbitmap' ? ((bitmap.bitmaps[0] ?? 0) & (1 << OFP_VERSION)) !== 0 : (hello.version ?? OFP_VERSION) >= OFP_VERSION;
    if (!offers13) {
      this.note(`${this.name}: a switch that does not speak OpenFlow 1.3 (${dp.transport.label}) was turned away`);
      dp.send({ type: 'error', xid: hello.xid, errorType: 0, code: 0, data: new Uint8Array(0) });
      dp.close();
      return;
    }
    try {
      const [features] = await dp.request({ type: 'features_request', xid: 0 });
      if (features?.type !== 'features_reply') throw new Error('no FEATURES_REPLY');
      dp.id = features.datapathId;
      dp.nTables = features.nTables;
      for (const body of await dp.multipart({ kind: 'port_desc' })) if (body.kind === 'port_desc') for (const p of body.ports) dp.ports.set(p.portNo, p);
    } catch (e) {
      this.note(`${this.name}: handshake with ${dp.transport.label} failed: ${(e as Error).message}`);
      dp.close();
      return;
    }
    this.handshaking.delete(dp);
    this.datapaths.get(dp.id)?.close();
    this.datapaths.set(dp.id, dp);
    this.note(`${this.name}: switch ${formatDpid(dp.id)} connected (${dp.ports.size} ports)`);
    this.dispatch(dp, 'switchConnected', (app) => app.switchConnected?.(dp));
  }

  private closed(dp: Datapath): void {
    this.handshaking.delete(dp);
    if (this.datapaths.get(dp.id) !== dp) return;
    this.datapaths.delete(dp.id);
    this.note(`${this.name}: switch ${formatDpid(dp.id)} disconnected`);
    this.dispatch(dp, 'switchDisconnected', (app) => app.switchDisconnected?.(dp));
  }

  /** Calls a handler of every app; a throw or a rejected promise is logged, never propagated. */
  private dispatch(dp: Datapath, event: string, call: (app: ControllerApp) => void | Promise<void>): void {
    for (const app of this.apps) {
      const fail = (e: unknown) => this.note(`${this.name}: app error in ${event} for switch ${formatDpid(dp.id)}: ${e instanceof Error ? e.message : String(e)}`);
      try {
        const r = call(app);
        if (r instanceof Promise) r.catch(fail);
      } catch (e) {
        fail(e);
      }
    }
  }
}
