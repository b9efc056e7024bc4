/**
 * `learning`: reactive L2 learning per switch, as the classic simple_switch_13. A table-miss flow
 * sends every unknown packet to the controller; the app learns the source MAC's port, and when
 * it knows the destination it installs `priority=1,in_port,dl_src,dl_dst -> output` and sends
 * the packet on; otherwise it floods it. LLDP is ignored. Options: `idleTimeout` (s, default 0:
 * flows never expire), `priority` (default 1), `table` (default 0: the table it learns in).
 */
import { OFPCML_NO_BUFFER } from '../../openflow/actions.js';
import { OFPP } from '../../openflow/messages.js';
import type { AppFactory } from '../controller.js';

const ETH_LLDP = 0x88cc;

function mac(b: Uint8Array, o: number): bigint {
  let v = 0n;
  for (let i = 0; i < 6; i++) v = (v << 8n) | BigInt(b[o + i]!);
  return v;
}

export const learning: AppFactory = ({ options }) => {
  const idleTimeout = Number(options['idleTimeout'] ?? 0);
  const priority = Number(options['priority'] ?? 1);
  const tableId = Number(options['table'] ?? 0);
  /** Per switch: MAC -> the port it was last seen on. */
  const tables = new Map<bigint, Map<bigint, number>>();
  return {
    switchConnected(dp) {
      tables.set(dp.id, new Map());
      dp.flowMod({ tableId, priority: 0, actions: [{ type: 'output', port: OFPP.CONTROLLER, maxLen: OFPCML_NO_BUFFER }] });
    },
    switchDisconnected(dp) {
      tables.delete(dp.id);
    },
    packetIn(dp, ev) {
      const frame = ev.data;
      if (frame.length < 14 || ((frame[12]! << 8) | frame[13]!) === ETH_LLDP) return;
      const dst = mac(frame, 0);
      const src = mac(frame, 6);
      const macs = tables.get(dp.id) ?? new Map<bigint, number>();
      tables.set(dp.id, macs);
      macs.set(src, ev.inPort);
      const out = macs.get(dst);
      if (out === undefined) {
        dp.packetOut(frame, [{ type: 'output', port: OFPP.FLOOD, maxLen: 0 }], ev.inPort);
        return;
      }
      dp.flowMod({
        tableId, priority, idleTimeout,
        match: [{ field: 'in_port', value: BigInt(ev.inPort) }, { field: 'eth_dst', value: dst }, { field: 'eth_src', value: src }],
        actions: [{ type: 'output', port: out, maxLen: 0 }],
      });
      dp.packetOut(frame, [{ type: 'output', port: out, maxLen: 0 }], ev.inPort);
    },
  };
};
