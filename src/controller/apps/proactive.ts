/**
 * `proactive`: the controller finds the topology itself and programs paths before traffic needs
 * them. When a switch connects it gets three flows — LLDP and ARP to the controller, everything
 * else dropped — and every connected switch sends LLDP (a chassis id naming its datapath, a port
 * id naming the port) out of each port, so each LLDP that comes back as a PACKET_IN is a link.
 * Hosts are found by their ARP: the controller answers ARP itself (proxy ARP) for hosts it knows
 * and sends requests for the others out of every edge port, never flooding through the switches,
 * so a mesh with loops is fine. For each host it knows, every switch gets a flow
 * `priority=10,dl_dst=HOST -> output:PORT` along a shortest path (fewest links, ties to the lower
 * datapath id and port); a link going down recomputes them all.
 */
import type { OfAction } from '../../openflow/actions.js';
import { OFPP, OFPPR, OFPPS } from '../../openflow/messages.js';
import type { Datapath } from '../datapath.js';
import type { AppFactory } from '../controller.js';

const ETH_LLDP = 0x88cc;
const ETH_ARP = 0x0806;
const LLDP_MULTICAST = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];
const PATH_PRIORITY = 10;
/** The cookie of path flows, so a reroute deletes them and nothing else. */
const PATH_COOKIE = 0x70617468n;

interface Host {
  mac: bigint;
  ip: number;
  dpid: bigint;
  port: number;
}

const hex = (n: bigint) => n.toString(16).padStart(16, '0');
const macText = (m: bigint) => hex(m).slice(4).match(/../g)!.join(':');
const readMac = (b: Uint8Array, o: number) => b.subarray(o, o + 6).reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const output = (port: number): OfAction => ({ type: 'output', port, maxLen: 0 });

/** An LLDP frame: chassis id "dpid:<16 hex>" (locally assigned), port id "<n>" (port component), TTL 120. */
function lldpFrame(dpid: bigint, port: number, src: string): Uint8Array {
  const tlv = (type: number, value: number[]) => [(type << 1) | (value.length >> 8), value.length & 0xff, ...value];
  const ascii = (t: string) => [...t].map((c) => c.charCodeAt(0));
  const mac = src.split(':').map((x) => parseInt(x, 16));
  return Uint8Array.from([
    ...LLDP_MULTICAST, ...mac, ETH_LLDP >> 8, ETH_LLDP & 0xff,
    ...tlv(1, [7, ...ascii(`dpid:${hex(dpid)}`)]), ...tlv(2, [2, ...ascii(String(port))]), ...tlv(3, [0, 120]), 0, 0,
  ]);
}

/** The (datapath, port) an LLDP frame of ours names, if it is one. */
function readLldp(frame: Uint8Array): { dpid: bigint; port: number } | undefined {
  let o = 14;
  let dpid: bigint | undefined;
  let port: number | undefined;
  while (o + 2 <= frame.length) {
    const type = frame[o]! >> 1;
    const length = ((frame[o]! & 1) << 8) | frame[o + 1]!;
    const value = frame.subarray(o + 2, o + 2 + length);
    if (type === 0 || value.length < length) break;
    const text = String.fromCharCode(...value.subarray(1));
    if (type === 1 && value[0] === 7 && /^dpid:[0-9a-f]{16}$/.test(text)) dpid = BigInt(`0x${text.slice(5)}`);
    if (type === 2 && value[0] === 2 && /^\d+$/.test(text)) port = Number(text);
    o += 2 + length;
  }
  return dpid !== undefined && port !== undefined ? { dpid, port } : undefined;
}

/** An ARP reply from `answer` (the host asked about) to the asker. */
function arpReply(asker: { mac: bigint; ip: number }, answer: { mac: bigint; ip: number }): Uint8Array {
  const mac = (m: bigint) => [...Array(6)].map((_, i) => Number((m >> BigInt(8 * (5 - i))) & 0xffn));
  const ip = (a: number) => [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  return Uint8Array.from([
    ...mac(asker.mac), ...mac(answer.mac), 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2,
    ...mac(answer.mac), ...ip(answer.ip), ...mac(asker.mac), ...ip(asker.ip),
  ]);
}

export const proactive: AppFactory = ({ controller }) => {
  const switches = new Map<bigint, Datapath>();
  /** Directed links: "dpid:port" -> the far end. */
  const links = new Map<string, { dpid: bigint; port: number }>();
  const hosts = new Map<number, Host>();
  const key = (dpid: bigint, port: number) => `${dpid}:${port}`;
  const isEdge = (dpid: bigint, port: number) => !links.has(key(dpid, port));

  const discover = () => {
    for (const dp of switches.values()) {
      for (const p of dp.ports.values()) if (p.portNo < OFPP.MAX) dp.packetOut(lldpFrame(dp.id, p.portNo, p.hwAddr), [output(p.portNo)]);
    }
  };

  /** Next hop from every switch toward `host`: breadth-first from the host's switch over the links. */
  const installRoutes = (host: Host) => {
    const toward = new Map<bigint, number>([[host.dpid, host.port]]);
    let frontier = [host.dpid];
    while (frontier.length > 0) {
      const next: bigint[] = [];
      // Neighbours in a stable order: by datapath id, then port.
      const edges = [...links.entries()]
        .map(([k, far]) => ({ dpid: BigInt(k.slice(0, k.indexOf(':'))), port: Number(k.slice(k.indexOf(':') + 1)), far }))
        .sort((a, b) => (a.dpid === b.dpid ? a.port - b.port : a.dpid < b.dpid ? -1 : 1));
      for (const e of edges) {
        if (toward.has(e.dpid) || !frontier.includes(e.far.dpid)) continue;
        toward.set(e.dpid, e.port);
        next.push(e.dpid);
      }
      frontier = next;
    }
    for (const [dpid, port] of toward) {
      switches.get(dpid)?.flowMod({ priority: PATH_PRIORITY, cookie: PATH_COOKIE, match: [{ field: 'eth_dst', value: host.mac }], actions: [output(port)] });
    }
  };

  const reroute = () => {
    for (const dp of switches.values()) dp.deleteFlows(`cookie=0x${PATH_COOKIE.toString(16)}/-1`);
    for (const host of hosts.values()) installRoutes(host);
  };

  const installBase = (dp: Datapath) => {
    dp.addFlow('priority=65535,dl_type=0x88cc,actions=CONTROLLER:65535');
    dp.addFlow('priority=100,arp,actions=CONTROLLER:65535');
    dp.addFlow('priority=0,actions=drop');
  };

  const sendToEdges = (frame: Uint8Array, except: { dpid: bigint; port: number }) => {
    for (const dp of switches.values()) {
      for (const p of dp.ports.values()) {
        if (p.portNo >= OFPP.MAX || !isEdge(dp.id, p.portNo) || (dp.id === except.dpid && p.portNo === except.port)) continue;
        dp.packetOut(frame, [output(p.portNo)]);
      }
    }
  };

  return {
    async switchConnected(dp) {
      switches.set(dp.id, dp);
      installBase(dp);
      // Its LLDP flow must be in place before any neighbour's LLDP arrives.
      await dp.barrier();
      discover();
    },
    switchDisconnected(dp) {
      switches.delete(dp.id);
      for (const [k, far] of links) if (far.dpid === dp.id || k.startsWith(`${dp.id}:`)) links.delete(k);
    },
    portStatus(dp, ev) {
      const down = ev.reason === OFPPR.DELETE || (ev.port.state & OFPPS.LINK_DOWN) !== 0;
      const k = key(dp.id, ev.port.portNo);
      const far = links.get(k);
      if (down && far !== undefined) {
        links.delete(k);
        links.delete(key(far.dpid, far.port));
        controller.note(`${controller.name}: link ${hex(dp.id)}:${ev.port.portNo} — ${hex(far.dpid)}:${far.port} down; rerouting`);
        reroute();
      } else if (!down) discover();
    },
    packetIn(dp, ev) {
      const frame = ev.data;
      if (frame.length < 14) return;
      const type = u16(frame, 12);
      if (type === ETH_LLDP) {
        const from = readLldp(frame);
        if (from === undefined || links.get(key(dp.id, ev.inPort))?.dpid === from.dpid) return;
        links.set(key(from.dpid, from.port), { dpid: dp.id, port: ev.inPort });
        links.set(key(dp.id, ev.inPort), from);
        for (const host of hosts.values()) installRoutes(host);
        return;
      }
      if (type !== ETH_ARP || frame.length < 42 || !isEdge(dp.id, ev.inPort)) return;
      const op = u16(frame, 20);
      const sender: Host = { mac: readMac(frame, 22), ip: u32(frame, 28), dpid: dp.id, port: ev.inPort };
      const targetIp = u32(frame, 38);
      const known = hosts.get(sender.ip);
      if (known === undefined || known.dpid !== sender.dpid || known.port !== sender.port || known.mac !== sender.mac) {
        hosts.set(sender.ip, sender);
        controller.note(`${controller.name}: host ${macText(sender.mac)} is at ${hex(dp.id)}:${ev.inPort}`);
        installRoutes(sender);
      }
      const target = hosts.get(targetIp);
      if (op === 1 && target !== undefined) {
        dp.packetOut(arpReply(sender, target), [output(ev.inPort)]);
        return;
      }
      if (target !== undefined) switches.get(target.dpid)?.packetOut(frame, [output(target.port)]);
      else sendToEdges(frame, { dpid: dp.id, port: ev.inPort });
    },
  };
};
