/**
 * The viewer page: connects to the feed, keeps the events in a store, draws the topology and
 * every frame in flight at the page's clock, and wires the controls (play, pause, step,
 * restart, speed, live), the filters (sent to the server), the event log, the timeline and
 * the packet panel. Keyboard: Space play/pause, . step, r restart, l live, Escape closes the
 * packet panel; nodes, log rows and packets are focusable and open with Enter.
 */
import type { FeedEvent, FeedFilter, HelloMessage, ServerMessage } from '../../messages.js';
import { Clock, DEFAULT_REPLAY_SPEED } from './clock.js';
import { FeedConnection } from './connection.js';
import { PacketDetails, byId } from './details.js';
import { formatTime } from './format.js';
import { svg, TENANT_COLOURS, TopologyGraph } from './graph.js';
import { EventStore, type Flight } from './store.js';
import { Timeline } from './timeline.js';
import type { ViewerProbe } from './probe.js';

/** Rows the event log keeps in the page. */
const LOG_ROWS = 300;
/** How long (real ms) a drop stays marked. */
const DROP_MARK_MS = 1500;

declare global {
  interface Window {
    __netloom: ViewerProbe;
  }
}
const probe: ViewerProbe = { ready: false, received: 0, missed: 0, state: 'connecting', states: 0, now: 0, flights: 0, selected: undefined };
window.__netloom = probe;

interface View {
  hello: HelloMessage;
  store: EventStore;
  graph: TopologyGraph;
  timeline: Timeline;
  details: PacketDetails;
  tenantColour: Map<string, string>;
}

const clock = new Clock();
let view: View | undefined;
/** State messages so far; the probe shows them once a frame has drawn what they brought. */
let statesReceived = 0;
/** Events received since the last frame: logged and flashed once per frame. */
let fresh: FeedEvent[] = [];
const packetEls = new Map<number, SVGCircleElement>();

const connection = new FeedConnection(receive, (text) => (byId('run-state').title = text));
connection.open();

function receive(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      return hello(m);
    case 'state': {
      statesReceived++;
      if (m.state.speed !== clock.run.speed && clock.mode === 'live') showSpeed(m.state.speed);
      clock.setState(m.state, performance.now());
      if (view !== undefined && m.state.run !== view.store.run && m.state.state === 'ready') startOver(view);
      return controls();
    }
    case 'events':
      if (view === undefined) return;
      for (const item of m.events) {
        if (item.kind === 'event' && item.run !== view.store.run && view.store.run !== 0) startOver(view);
        view.store.add(item);
        if (item.kind === 'event') fresh.push(item);
      }
      return;
    case 'decode':
      return view?.details.decode(m);
    case 'error':
      if (m.code === 'NETLOOM_FEED_GONE') view?.details.gone();
      byId('run-state').title = `${m.code}: ${m.message}`;
      return;
  }
}

function hello(m: HelloMessage): void {
  clock.setState(m.state, performance.now());
  showSpeed(m.state.speed);
  const first = view === undefined;
  if (first || view!.hello.topology.name !== m.topology.name) build(m);
  // A run we only watch that goes as fast as possible is over before anyone could see it: the page replays it.
  if (first && m.state.speed === null && !m.state.control) {
    clock.seek(0, performance.now());
    clock.setReplaying(true, performance.now(), 0);
    showSpeed(clock.replaySpeed);
  }
  // Whatever the server still holds after what this page has (a gap marker for what it does not).
  connection.send({ type: 'resume', from: Math.min(connection.lastSeq, m.seq) });
  controls();
  probe.ready = true;
}

function build(m: HelloMessage): void {
  const topology = m.topology;
  document.title = `netloom: ${topology.name}`;
  byId('topology-name').textContent = topology.name;
  const stage = byId('stage');
  stage.replaceChildren();
  const store = new EventStore(topology);
  const graph = new TopologyGraph(stage, topology, (node) => {
    (byId('filter-node') as HTMLSelectElement).value = node;
    applyFilter();
  });
  const timeline = new Timeline(byId('timeline') as unknown as SVGSVGElement, store, (t) => clock.seek(t, performance.now()));
  const details = new PacketDetails(topology, store, (seq) => connection.send({ type: 'decode', seq }), () => select(undefined));
  const tenantColour = new Map(topology.tenants.map((t, i) => [t.name, TENANT_COLOURS[i % TENANT_COLOURS.length]!]));
  view = { hello: m, store, graph, timeline, details, tenantColour };
  options(byId('filter-tenant') as HTMLSelectElement, topology.tenants.map((t) => t.name), tenantColour);
  options(byId('filter-node') as HTMLSelectElement, topology.nodes.map((n) => n.name));
  byId('events').replaceChildren();
}

function options(select: HTMLSelectElement, names: string[], colours?: Map<string, string>): void {
  select.replaceChildren(new Option('all', ''), ...names.map((n) => {
    const o = new Option(n, n);
    const c = colours?.get(n);
    if (c !== undefined) o.style.color = c;
    return o;
  }));
}

/** A restart (or a new filter): what the page held is of another run. */
function startOver(v: View): void {
  v.store.clear();
  v.details.forget();
  for (const el of packetEls.values()) el.remove();
  packetEls.clear();
  byId('events').replaceChildren();
  fresh = [];
}

// ---- controls ----

function controls(): void {
  const s = clock.run;
  const play = byId('play') as HTMLButtonElement;
  const replaying = clock.mode === 'replay';
  // Watching a run it cannot drive (run --feed), the page pauses, steps and restarts its own replay.
  play.textContent = (replaying ? clock.replaying : s.state === 'playing') ? 'Pause' : 'Play';
  (byId('live') as HTMLButtonElement).setAttribute('aria-pressed', String(!replaying));
  byId('run-state').textContent = `run ${s.run} ${s.state}${replaying ? ' · replay' : ''}${s.control ? '' : ' · watching'}`;
}

function togglePlay(): void {
  const now = performance.now();
  if (clock.mode === 'replay' || !clock.run.control) {
    if (clock.mode === 'live') clock.seek(clock.now(now, view?.store.latest ?? 0), now);
    clock.setReplaying(!clock.replaying, now, view?.store.latest ?? 0);
  } else if (clock.run.state === 'playing') connection.send({ type: 'pause' });
  else connection.send({ type: 'play', ...speedChoice() });
  controls();
}

function step(): void {
  if (clock.mode === 'live' && clock.run.control) connection.send({ type: 'step' });
  else if (view !== undefined) {
    const now = clock.now(performance.now(), view.store.latest);
    const next = view.store.nextTime(now);
    if (next !== undefined) clock.seek(next, performance.now());
  }
  controls();
}

function restart(): void {
  if (clock.mode === 'live' && clock.run.control) connection.send({ type: 'restart' });
  else clock.seek(0, performance.now());
  controls();
}

/** The speed selector shows the run's speed when it changes, and the replay's in replay; otherwise it keeps the user's choice for the next play. */
function showSpeed(speed: number | null): void {
  (byId('speed') as HTMLSelectElement).value = speed === null ? 'max' : String(speed);
}

function speedChoice(): { speed?: number | null } {
  const value = (byId('speed') as HTMLSelectElement).value;
  return { speed: value === 'max' ? null : Number(value) };
}

byId('play').addEventListener('click', togglePlay);
byId('step').addEventListener('click', step);
byId('restart').addEventListener('click', restart);
byId('live').addEventListener('click', () => {
  clock.follow();
  controls();
});
byId('speed').addEventListener('change', () => {
  const { speed } = speedChoice();
  const wall = performance.now();
  const latest = view?.store.latest ?? 0;
  if (clock.mode === 'live' && !clock.run.control) {
    // Watching a run we cannot pace: the page replays from here at the chosen speed.
    clock.seek(clock.now(wall, latest), wall);
    clock.setReplaying(true, wall, latest);
  }
  if (clock.mode === 'replay') clock.setReplaySpeed(speed ?? 1, wall, latest);
  else if (clock.run.state === 'playing') connection.send({ type: 'play', speed: speed ?? null });
  controls();
});

document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (target.closest('input, select, textarea') !== null || e.ctrlKey || e.metaKey || e.altKey) return;
  if (target.id === 'timeline' && view !== undefined && view.timeline.key(e, clock.now(performance.now(), view.store.latest))) {
    e.preventDefault();
    return;
  }
  const onButton = target.closest('button, [role=button]') !== null;
  if (e.key === ' ' && !onButton) togglePlay();
  else if (e.key === '.') step();
  else if (e.key === 'r') restart();
  else if (e.key === 'l') {
    clock.follow();
    controls();
  } else if (e.key === 'Escape') view?.details.close();
  else return;
  e.preventDefault();
});

// ---- filters ----

function applyFilter(): void {
  if (view === undefined) return;
  const tenant = (byId('filter-tenant') as HTMLSelectElement).value;
  const node = (byId('filter-node') as HTMLSelectElement).value;
  const layer = (byId('filter-layer') as HTMLSelectElement).value;
  const trace = (byId('filter-trace') as HTMLInputElement).value;
  const filter: FeedFilter = {};
  if (tenant !== '') filter.tenants = [tenant];
  if (node !== '') filter.nodes = [node];
  if (layer !== '') filter.layers = [layer];
  if (trace !== '' && Number.isInteger(Number(trace)) && Number(trace) >= 0) filter.traces = [Number(trace)];
  const run = view.store.run;
  startOver(view);
  view.store.run = run;
  connection.send({ type: 'filter', filter });
  connection.send({ type: 'resume', from: 0 });
  const t = view.hello.topology.tenants.find((x) => x.name === tenant);
  view.graph.focus(t === undefined ? (node === '' ? undefined : new Set([node])) : new Set(view.graph.membersOf(t.name)));
}

for (const id of ['filter-tenant', 'filter-node', 'filter-layer', 'filter-trace']) byId(id).addEventListener('change', applyFilter);
byId('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  applyFilter();
});

// ---- selection ----

function select(seq: number | undefined): void {
  probe.selected = seq;
  for (const el of document.querySelectorAll('.selected')) el.classList.remove('selected');
  if (seq === undefined || view === undefined) return;
  const event = view.store.bySeq(seq);
  if (event === undefined) return;
  packetEls.get(event.packet)?.classList.add('selected');
  document.querySelector(`#events [data-seq="${seq}"]`)?.classList.add('selected');
  view.details.show(seq);
}

// ---- drawing, once per animation frame ----

function frame(): void {
  requestAnimationFrame(frame);
  if (view === undefined) return;
  const wall = performance.now();
  const { store } = view;
  const now = clock.now(wall, store.latest);
  log(view);
  const flights = store.inFlight(now);
  drawPackets(view, flights, now);
  drawDrops(view, now);
  view.timeline.draw(now);
  byId('clock').textContent = formatTime(now);
  byId('received').textContent = String(store.events.length);
  byId('in-flight').textContent = String(flights.length);
  const missed = byId('missed');
  missed.hidden = store.missed === 0;
  missed.textContent = `${store.missed} events skipped`;
  probe.received = store.events.length;
  probe.missed = store.missed;
  probe.now = now;
  probe.flights = flights.length;
  probe.state = clock.run.state;
  probe.states = statesReceived;
}
requestAnimationFrame(frame);

function packetClass(f: Flight): string {
  const stack: string[] = f.event.stack?.map((s) => s.layer) ?? [];
  const kind = ['esp', 'gre', 'vxlan'].find((l) => stack.includes(l)) ?? ['arp', 'icmp', 'icmpv6', 'tcp', 'udp'].find((l) => stack.includes(l)) ?? 'other';
  return `packet ${kind}`;
}

function drawPackets(v: View, flights: Flight[], now: number): void {
  const live = new Set<number>();
  for (const f of flights) {
    live.add(f.packet);
    const a = v.graph.position(f.from);
    const b = v.graph.position(f.to);
    if (a === undefined || b === undefined) continue;
    let el = packetEls.get(f.packet);
    if (el === undefined) {
      el = svg('circle', { class: packetClass(f), r: 7, 'data-packet': f.packet, 'data-seq': f.seq, 'data-trace': f.trace, tabindex: 0, role: 'button' }, v.graph.packets);
      el.setAttribute('aria-label', `packet ${f.packet}: ${f.event.stack?.map((s) => s.layer).join('/') ?? ''} from ${f.from} to ${f.to}`);
      if (f.event.tenant !== undefined) {
        el.setAttribute('data-tenant', f.event.tenant);
        el.style.fill = v.tenantColour.get(f.event.tenant) ?? '';
      }
      const seq = f.seq;
      el.addEventListener('click', () => select(seq));
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') select(seq);
      });
      if (probe.selected === seq) el.classList.add('selected');
      packetEls.set(f.packet, el);
    }
    const k = f.t1 > f.t0 ? (now - f.t0) / (f.t1 - f.t0) : 1;
    el.setAttribute('cx', (a.x + (b.x - a.x) * k).toFixed(1));
    el.setAttribute('cy', (a.y + (b.y - a.y) * k).toFixed(1));
  }
  for (const [packet, el] of packetEls) {
    // A selected packet stays where it is until another is chosen: it can still be read.
    if (!live.has(packet) && Number(el.dataset['seq']) !== probe.selected) {
      el.remove();
      packetEls.delete(packet);
    }
  }
}

const dropEls = new Map<number, SVGGElement>();
function drawDrops(v: View, now: number): void {
  const speed = clock.mode === 'replay' ? clock.replaySpeed : clock.run.speed ?? DEFAULT_REPLAY_SPEED;
  const window = Math.max(1, DROP_MARK_MS * 1e6 * speed);
  const keep = new Set<number>();
  for (const d of v.store.dropsNear(now, window)) {
    keep.add(d.seq);
    if (dropEls.has(d.seq)) continue;
    const p = v.graph.position(d.node);
    if (p === undefined) continue;
    const g = svg('g', { class: 'drop-mark', 'data-seq': d.seq, 'data-node': d.node, transform: `translate(${p.x + 18},${p.y - 18})` }, v.graph.marks);
    svg('path', { d: 'M-6 -6L6 6M6 -6L-6 6' }, g);
    svg('text', { x: 10, y: 4 }, g).textContent = d.reason ?? 'drop';
    svg('title', {}, g).textContent = `dropped at ${d.node}${d.port === undefined ? '' : `:${d.port}`}: ${d.reason ?? ''}${d.detail === undefined ? '' : ` (${d.detail})`}`;
    dropEls.set(d.seq, g);
  }
  for (const [seq, el] of dropEls) {
    if (!keep.has(seq)) {
      el.remove();
      dropEls.delete(seq);
    }
  }
}

function log(v: View): void {
  if (fresh.length === 0) return;
  const list = byId('events');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  const rows = fresh.slice(-LOG_ROWS).map((e) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `event ${e.dir}`;
    button.dataset['seq'] = String(e.seq);
    const tenant = e.tenant === undefined ? '' : ` [${e.tenant}]`;
    const what = e.reason ?? e.detail ?? e.stack?.map((s) => s.layer).join('/') ?? '';
    button.textContent = `${formatTime(e.t)} ${e.node}${e.port === undefined ? '' : `:${e.port}`} ${e.dir}${tenant} ${what}`;
    if (e.tenant !== undefined) button.style.borderLeftColor = v.tenantColour.get(e.tenant) ?? '';
    // An event opened from the log is also the moment shown: the view replays from its time.
    button.addEventListener('click', () => {
      clock.seek(e.t, performance.now());
      controls();
      select(e.seq);
    });
    li.appendChild(button);
    return li;
  });
  for (const e of fresh.slice(-8)) v.graph.flash(e.node);
  fresh = [];
  list.append(...rows);
  while (list.childElementCount > LOG_ROWS) list.firstElementChild!.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}
