/**
 * The page's side of `/feed`: one WebSocket to the server the page came from (with the page's
 * token), reconnecting with backoff and resuming after the last seq it saw, so a dropped
 * connection becomes a gap marker and never a silent hole.
 */
import type { ClientMessage, ServerMessage } from '../../messages.js';

export class FeedConnection {
  private socket: WebSocket | undefined;
  private backoff = 500;
  /** The last event seq received; a reconnect resumes after it. */
  lastSeq = 0;
  connected = false;

  constructor(
    private readonly onMessage: (m: ServerMessage) => void,
    private readonly onStatus: (text: string) => void,
  ) {}

  open(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/feed${location.search}`;
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.addEventListener('open', () => {
      this.connected = true;
      this.backoff = 500;
      this.onStatus('connected');
    });
    ws.addEventListener('message', (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as ServerMessage;
      if (m.type === 'events') for (const item of m.events) this.lastSeq = Math.max(this.lastSeq, item.kind === 'event' ? item.seq : item.to);
      this.onMessage(m);
    });
    ws.addEventListener('close', () => {
      this.connected = false;
      this.onStatus(`disconnected; retrying in ${this.backoff / 1000} s`);
      setTimeout(() => this.open(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 8000);
    });
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
