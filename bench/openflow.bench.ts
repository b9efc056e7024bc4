/**
 * OpenFlow: encode and decode of a FLOW_MOD and a PACKET_IN (messages per second, beside copying
 * the same bytes), and flow setups per second through netloom's controller running the
 * `learning` app — the classic cbench measure: a PACKET_IN in, a FLOW_MOD out — first in process
 * (beside decoding the PACKET_IN alone), then over TCP on 127.0.0.1 (beside a TCP echo of the
 * same messages in the same run).
 */
import { createConnection, createServer } from 'node:net';
import { Controller } from '../src/controller/controller.js';
import { learning } from '../src/controller/apps/learning.js';
import { listenController } from '../src/controller/tcp.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../src/openflow/messages.js';
import { MessageFramer } from '../src/openflow/framing.js';
import { encode } from '../src/index.js';
import { measure, measureAsync, report, type Result } from './harness.js';

const HOSTS = 64;
const mac = (k: number) => `02:00:00:00:${((k >> 8) & 0xff).toString(16).padStart(2, '0')}:${(k & 0xff).toString(16).padStart(2, '0')}`;
const frame = (src: number, dst: number) => encode([{ layer: 'ethernet', src: mac(src), dst: mac(dst) }, { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }, { layer: 'udp', srcPort: 1, dstPort: 2 }, { layer: 'payload', data: new Uint8Array(58) }]);

/** PACKET_INs from host k to host k+1, each on port 1 + k % 8: once every host is known, each makes a FLOW_MOD. */
const packetIns = Array.from({ length: HOSTS }, (_, k) =>
  encodeMessage({ type: 'packet_in', xid: 0, bufferId: 0xffffffff, totalLen: 100, reason: 0, tableId: 0, cookie: 0n, match: [{ field: 'in_port', value: BigInt(1 + (k % 8)) }], data: frame(k, (k + 1) % HOSTS) }),
);

const FLOW_MOD: OfMessage = {
  type: 'flow_mod', xid: 7, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1, bufferId: 0xffffffff,
  outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0,
  match: [{ field: 'in_port', value: 1n }, { field: 'eth_dst', value: 0x020000000002n }, { field: 'eth_src', value: 0x020000000001n }],
  instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 2, maxLen: 0 }] }],
};

/** Answers the controller's handshake as a switch would (one FEATURES_REPLY, an empty PORT_DESC). */
function switchReplies(m: OfMessage): OfMessage[] {
  if (m.type === 'hello') return [{ type: 'hello', xid: 1, elements: [{ type: 'versionbitmap', bitmaps: [0x10] }] }];
  if (m.type === 'features_request') return [{ type: 'features_reply', xid: m.xid, datapathId: 1n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 }];
  if (m.type === 'multipart_request') return [{ type: 'multipart_reply', xid: m.xid, flags: 0, body: { kind: 'port_desc', ports: [] } }];
  return [];
}

async function inProcess(): Promise<Result[]> {
  const controller = new Controller('c1');
  controller.use(learning);
  let flowMods = 0;
  const inbox: Uint8Array[] = [];
  const dp = controller.attach({ label: 'bench', send: (bytes) => (inbox.push(bytes), true), close: () => {} });
  // The handshake: answer until the switch is connected.
  for (let round = 0; round < 10 && controller.datapaths.size === 0; round++) {
    for (const bytes of inbox.splice(0)) for (const r of switchReplies(decodeMessage(bytes))) dp.receive(encodeMessage(r));
    await new Promise((r) => setImmediate(r));
  }
  for (const p of packetIns) dp.receive(p);
  inbox.length = 0;
  let i = 0;
  const baseline = 'baseline: decode the PACKET_IN';
  const results = [
    measure(baseline, () => {
      flowMods += decodeMessage(packetIns[i++ % HOSTS]!).xid;
    }),
    measure('flow setups: PACKET_IN -> learning app -> FLOW_MOD', () => {
      dp.receive(packetIns[i++ % HOSTS]!);
      flowMods += inbox.length;
      inbox.length = 0;
    }, baseline),
  ];
  if (flowMods < 0) throw new Error('unreachable');
  return results;
}

/** cbench over TCP: a client sends 64 PACKET_INs at a time and waits for the 128 replies (FLOW_MOD and PACKET_OUT each). */
async function overTcp(): Promise<Result[]> {
  const controller = new Controller('c1');
  controller.use(learning);
  const listener = await listenController(controller, '127.0.0.1', 0);
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as { port: number }).port;

  const client = (port: number, handshake: boolean) =>
    new Promise<{ batch: (expected: number) => Promise<void>; close: () => void }>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      const framer = new MessageFramer();
      let waiting: { count: number; done: () => void } | undefined;
      let ready = !handshake;
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        for (const bytes of framer.push(chunk)) {
          if (!ready) {
            const m = decodeMessage(bytes);
            for (const r of switchReplies(m)) socket.write(encodeMessage(r));
            if (m.type === 'multipart_request') {
              ready = true;
              // Teach the app every host first.
              setTimeout(() => resolve(api), 50);
            }
            continue;
          }
          if (waiting !== undefined && --waiting.count === 0) waiting.done();
        }
      });
      const api = {
        batch: (expected: number) =>
          new Promise<void>((done) => {
            waiting = { count: expected, done };
            socket.write(Buffer.concat(packetIns));
          }),
        close: () => socket.destroy(),
      };
      if (!handshake) socket.once('connect', () => resolve(api));
    });

  const ours = await client(listener.port, true);
  // The first round teaches the app every host: 63 floods, then host 0 known to the last one (FLOW_MOD + PACKET_OUT).
  await ours.batch(HOSTS + 1);
  const theirs = await client(echoPort, false);
  const baseline = 'baseline: TCP echo of the same 64 messages';
  const results = [
    await measureAsync(baseline, () => theirs.batch(HOSTS)),
    await measureAsync('flow setups over TCP, 64 at a time (per batch)', () => ours.batch(2 * HOSTS), baseline),
  ];
  ours.close();
  theirs.close();
  await listener.close();
  echo.close();
  // Per flow setup rather than per batch.
  return results.map((r) => ({ ...r, name: r.name.replace('(per batch)', '').trim(), opsPerSecond: r.opsPerSecond * HOSTS }));
}

export async function main(): Promise<void> {
  const packetIn = packetIns[0]!;
  const flowMod = encodeMessage(FLOW_MOD);
  const decodedIn = decodeMessage(packetIn);
  let sink = 0;
  const baseline = 'baseline: copy the message bytes';
  const codec: Result[] = [
    measure(baseline, () => {
      sink += flowMod.slice().length;
    }),
    measure('encode FLOW_MOD (3 OXM fields, output)', () => {
      sink += encodeMessage(FLOW_MOD).length;
    }, baseline),
    measure('decode FLOW_MOD', () => {
      sink += decodeMessage(flowMod).xid;
    }, baseline),
    measure('encode PACKET_IN (in_port, 100-byte frame)', () => {
      sink += encodeMessage(decodedIn).length;
    }, baseline),
    measure('decode PACKET_IN', () => {
      sink += decodeMessage(packetIn).xid;
    }, baseline),
  ];
  report('OpenFlow 1.3 codec: messages per second', codec);
  report('controller: flow setups per second, in process (cbench)', await inProcess());
  report('controller: flow setups per second over TCP on 127.0.0.1 (cbench)', await overTcp());
  if (sink < 0) throw new Error('unreachable');
}
