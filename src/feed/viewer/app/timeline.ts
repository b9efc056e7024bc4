/**
 * The timeline: every event the page holds as a histogram over virtual time (drops in red), a
 * cursor at the clock, and seeking by click, drag or keys (arrows to the previous or next
 * event, Home and End).
 */
import type { EventStore } from './store.js';
import { svg } from './graph.js';
import { formatTime } from './format.js';

const BUCKETS = 240;

export class Timeline {
  private readonly bars: SVGGElement;
  private readonly cursor: SVGLineElement;
  private span = 1;
  private drawnCount = -1;

  constructor(
    private readonly root: SVGSVGElement,
    private readonly store: EventStore,
    private readonly seek: (t: number) => void,
  ) {
    this.bars = svg('g', { class: 'bars' }, root);
    this.cursor = svg('line', { class: 'cursor', y1: 0, y2: 40 }, root);
    let dragging = false;
    const at = (e: PointerEvent) => {
      const box = root.getBoundingClientRect();
      this.seek(Math.round(((e.clientX - box.left) / Math.max(1, box.width)) * this.span));
    };
    root.addEventListener('pointerdown', (e) => {
      dragging = true;
      root.setPointerCapture(e.pointerId);
      at(e);
    });
    root.addEventListener('pointermove', (e) => dragging && at(e));
    root.addEventListener('pointerup', () => (dragging = false));
  }

  /** Keys on the focused timeline; `now` is where the clock stands. Returns whether the key was used. */
  key(e: KeyboardEvent, now: number): boolean {
    let t: number | undefined;
    if (e.key === 'ArrowRight') t = this.store.nextTime(now);
    else if (e.key === 'ArrowLeft') t = this.store.previousTime(now);
    else if (e.key === 'Home') t = 0;
    else if (e.key === 'End') t = this.store.latest;
    else return false;
    if (t !== undefined) this.seek(t);
    return true;
  }

  /** Redraws the bars when events came in, and the cursor always. */
  draw(now: number): void {
    const width = this.root.clientWidth || 800;
    const span = Math.max(1, this.store.latest, now);
    if (this.drawnCount !== this.store.events.length || span !== this.span) {
      this.span = span;
      this.drawnCount = this.store.events.length;
      const counts = new Array<number>(BUCKETS).fill(0);
      const drops = new Array<number>(BUCKETS).fill(0);
      for (const e of this.store.events) {
        const b = Math.min(BUCKETS - 1, Math.floor((e.t / span) * BUCKETS));
        if (e.dir === 'drop') drops[b]!++;
        else if (e.dir === 'tx') counts[b]!++;
      }
      const max = Math.max(1, ...counts, ...drops);
      const w = width / BUCKETS;
      const bars: SVGElement[] = [];
      for (let b = 0; b < BUCKETS; b++) {
        if (counts[b]! > 0) bars.push(bar(b * w, w, (counts[b]! / max) * 30, 'tx'));
        if (drops[b]! > 0) bars.push(bar(b * w, w, (drops[b]! / max) * 30, 'drop'));
      }
      this.bars.replaceChildren(...bars);
    }
    const x = (now / this.span) * width;
    this.cursor.setAttribute('x1', String(x));
    this.cursor.setAttribute('x2', String(x));
    this.root.setAttribute('aria-valuemax', String(this.span));
    this.root.setAttribute('aria-valuenow', String(now));
    this.root.setAttribute('aria-valuetext', formatTime(now));
  }
}

function bar(x: number, w: number, h: number, kind: string): SVGRectElement {
  return svg('rect', { class: kind, x: x.toFixed(1), width: Math.max(1, w - 0.5).toFixed(1), y: (36 - h).toFixed(1), height: Math.max(1, h).toFixed(1) });
}
