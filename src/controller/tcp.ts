/**
 * The controller's TCP side: switches (Open vSwitch with `set-controller tcp:HOST:PORT`, or a
 * netloom switch with `controller: tcp:HOST:PORT`) connect here. A switch that stops reading
 * is disconnected once a megabyte waits for it; a switch that sends garbage is disconnected by
 * its Datapath; nothing a switch sends reaches the caller as an exception.
 */
import { listenTcp, socketTransport, type OpenFlowListener } from '../openflow/tcp.js';
import type { Controller } from './controller.js';

const HARD_LIMIT = 1 << 20;

export function listenController(controller: Controller, host: string, port: number): Promise<OpenFlowListener> {
  return listenTcp(host, port, (socket) => {
    const dp = controller.attach(socketTransport(socket, HARD_LIMIT, HARD_LIMIT));
    socket.on('data', (chunk: Buffer) => dp.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => dp.lost());
  });
}
