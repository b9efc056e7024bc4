/**
 * The packet panel: a clicked frame's layers as nested boxes (each with its header's size and
 * every field), what each encapsulation adds and leaves of the link's MTU, and the frame's
 * trace hop by hop with the decision at each hop (as `netloom trace` words it) and what changed
 * in the frame there. Decodes come from the server on request (`decode`).
 */
import type { DecodeMessage, FeedEvent, TopologyView } from '../../messages.js';
import type { JsonLayer } from '../../../wire/json.js';
import { encapCost, hopChanges, nestLayers, type LayerBox } from './layers.js';
import type { EventStore } from './store.js';
import { formatTime } from './format.js';

/** Frames of one trace decoded for its hop-by-hop changes, at most. */
const TRACE_DECODES = 32;

export class PacketDetails {
  private readonly panel = byId('details');
  private selected: number | undefined;
  /** Decoded frames by seq (the page asks once per frame). */
  private readonly decoded = new Map<number, JsonLayer[]>();
  private readonly waiting = new Set<number>();

  constructor(
    private readonly topology: TopologyView,
    private readonly store: EventStore,
    private readonly request: (seq: number) => void,
    private readonly onClose: () => void,
  ) {
    byId('details-close').addEventListener('click', () => this.close());
  }

  get seq(): number | undefined {
    return this.selected;
  }

  /** Shows the frame of event `seq`. */
  show(seq: number): void {
    const event = this.store.bySeq(seq);
    if (event === undefined) return;
    this.selected = seq;
    this.panel.hidden = false;
    byId('details-title').textContent = `packet ${event.packet} (trace ${event.trace})`;
    byId('details-where').textContent = `${event.dir} at ${event.node}${event.port === undefined ? '' : `:${event.port}`}, t = ${formatTime(event.t)}, ${event.length ?? 0} bytes${event.tenant === undefined ? '' : `, tenant ${event.tenant}`}`;
    byId('layers').replaceChildren();
    byId('explain').textContent = '';
    this.overheads(event);
    this.want(seq);
    for (const frame of this.frames(event.trace).slice(0, TRACE_DECODES)) this.want(frame.seq);
    this.hops(event);
  }

  close(): void {
    this.selected = undefined;
    this.panel.hidden = true;
    this.onClose();
  }

  /** A decode the page asked for arrived. */
  decode(m: DecodeMessage): void {
    this.waiting.delete(m.seq);
    this.decoded.set(m.seq, m.layers);
    if (this.selected === undefined) return;
    const event = this.store.bySeq(this.selected);
    if (event === undefined) return;
    if (m.seq === this.selected) {
      const box = nestLayers(m.layers, event.stack);
      byId('layers').replaceChildren(...(box === undefined ? [] : [renderBox(box)]));
      byId('explain').textContent = m.explain;
    }
    if (event.trace === this.store.bySeq(m.seq)?.trace) this.hops(event);
  }

  /** The event left the server's replay ring before it was asked for. */
  gone(): void {
    for (const seq of this.waiting) this.decoded.set(seq, []);
    this.waiting.clear();
    if (this.selected !== undefined && byId('layers').childElementCount === 0) byId('layers').textContent = 'This frame is no longer in the server’s replay ring.';
  }

  forget(): void {
    this.decoded.clear();
    this.waiting.clear();
    if (this.selected !== undefined) this.close();
  }

  private want(seq: number): void {
    if (this.decoded.has(seq) || this.waiting.has(seq)) return;
    this.waiting.add(seq);
    this.request(seq);
  }

  /** The first event of each frame of a trace that carries the frame (its tx or encap). */
  private frames(trace: number): FeedEvent[] {
    const seen = new Set<number>();
    const out: FeedEvent[] = [];
    for (const e of this.store.trace(trace)) {
      if (e.length === undefined || e.dir === 'control' || seen.has(e.packet)) continue;
      seen.add(e.packet);
      out.push(e);
    }
    return out;
  }

  private overheads(event: FeedEvent): void {
    const list = byId('overheads');
    list.replaceChildren();
    const link = event.link === undefined ? undefined : this.topology.links[event.link];
    for (const e of event.encap ?? []) {
      const li = document.createElement('li');
      li.className = 'overhead';
      li.textContent = encapCost(e, link?.mtu ?? 1500).text;
      list.appendChild(li);
    }
  }

  private hops(selected: FeedEvent): void {
    const firstOf = new Map(this.frames(selected.trace).map((e) => [e.packet, e.seq]));
    const rows = this.store.trace(selected.trace).map((e) => {
      const li = document.createElement('li');
      li.className = `hop ${e.dir}${e.seq === selected.seq ? ' current' : ''}`;
      li.dataset['seq'] = String(e.seq);
      const head = document.createElement('span');
      head.textContent = `${formatTime(e.t)}  ${e.node}${e.port === undefined ? '' : `:${e.port}`}  ${e.dir}`;
      li.appendChild(head);
      const why = [e.rule === undefined ? undefined : `table ${e.rule.table}, priority ${e.rule.priority}: ${e.rule.text}`, e.detail, e.reason, e.tenant === undefined ? undefined : `tenant ${e.tenant}`].filter((x) => x !== undefined);
      if (why.length > 0) {
        const p = document.createElement('div');
        p.className = 'why';
        p.textContent = why.join(' — ');
        li.appendChild(p);
      }
      // What changed since the frame it was made from: shown once, at the frame's first event.
      if (firstOf.get(e.packet) === e.seq && e.parent !== 0) {
        const mine = this.decoded.get(e.seq);
        const parentSeq = firstOf.get(e.parent);
        const theirs = parentSeq === undefined ? undefined : this.decoded.get(parentSeq);
        if (mine !== undefined && theirs !== undefined && mine.length > 0 && theirs.length > 0) {
          const changes = hopChanges(theirs, mine);
          if (changes.length > 0) {
            const ul = document.createElement('ul');
            ul.className = 'changes';
            for (const c of changes) {
              const item = document.createElement('li');
              item.textContent = c;
              ul.appendChild(item);
            }
            li.appendChild(ul);
          }
        }
      }
      return li;
    });
    byId('hops').replaceChildren(...rows);
  }
}

function renderBox(box: LayerBox): HTMLElement {
  const el = document.createElement('div');
  el.className = `layer layer-${box.layer}${box.tunnel === undefined ? '' : ' tunnel'}${box.encrypted ? ' encrypted' : ''}${box.decrypted ? ' decrypted' : ''}`;
  el.dataset['layer'] = box.layer;
  const title = document.createElement('div');
  title.className = 'layer-title';
  title.textContent = `${box.layer}${box.bytes === undefined ? '' : ` · ${box.bytes} bytes`}${box.tunnel === undefined ? '' : ` · ${box.tunnel} tunnel header`}${box.decrypted ? ' · decrypted' : ''}`;
  el.appendChild(title);
  const fields = document.createElement('dl');
  for (const [name, value] of box.fields) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset['field'] = `${box.layer}.${name}`;
    fields.append(dt, dd);
  }
  el.appendChild(fields);
  if (box.encrypted) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = 'Encrypted: what ESP carries (the inner packet, padding, pad length, next header) and the ICV are opaque without the key. SPI and sequence number travel in the clear.';
    el.appendChild(note);
  }
  if (box.layer === 'esp' && !box.encrypted) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = 'Opened with the run’s own key (as its capture’s Decryption Secrets Block lets Wireshark do): on the wire everything inside this box, with the padding, pad length and next header, was ciphertext; SPI, sequence number and IV travel in the clear; the ICV authenticates them all.';
    el.appendChild(note);
  }
  if (box.inner !== undefined) {
    if (box.tunnel !== undefined) {
      const note = document.createElement('p');
      note.className = 'note';
      note.textContent = `inside the ${box.tunnel} tunnel: the inner packet`;
      el.appendChild(note);
    }
    el.appendChild(renderBox(box.inner));
  }
  return el;
}

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el;
}
