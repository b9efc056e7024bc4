/**
 * The topology drawn as an SVG graph: one group per node (shape by kind, ring coloured by the
 * tenants it serves), one line per link, laid out once by d3-force (a fixed number of ticks
 * from d3's deterministic start, so the same topology is drawn the same way every time), pan
 * and zoom by d3-zoom. Packets and drops are drawn on layers above the links by the page.
 */
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, type SimulationNodeDatum } from 'd3-force';
import { select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import type { TopologyView } from '../../messages.js';
import { formatBandwidth, formatLatency } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Tenant colours, in tenant order; colour-blind-safe (Okabe–Ito). */
export const TENANT_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000'];

interface NodeDatum extends SimulationNodeDatum {
  name: string;
  kind: string;
}

export interface Point {
  x: number;
  y: number;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

/** Which tenants each node serves: a tenant's switches, the hosts on its ports, its controller. */
function tenantsOf(topology: TopologyView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (node: string, tenant: string) => {
    const list = out.get(node) ?? [];
    if (!list.includes(tenant)) list.push(tenant);
    out.set(node, list);
  };
  const peer = new Map<string, string>();
  for (const l of topology.links) {
    peer.set(l.endpoints[0], l.endpoints[1]);
    peer.set(l.endpoints[1], l.endpoints[0]);
  }
  for (const t of topology.tenants) {
    for (const port of t.ports) {
      add(port.slice(0, port.indexOf(':')), t.name);
      const other = peer.get(port);
      if (other !== undefined) add(other.slice(0, other.indexOf(':')), t.name);
    }
    if (t.controller !== undefined) add(t.controller, t.name);
  }
  return out;
}

export class TopologyGraph {
  readonly root: SVGSVGElement;
  /** Where packets and drop marks go (above links and nodes, inside the zoomed group). */
  readonly packets: SVGGElement;
  readonly marks: SVGGElement;
  private readonly positions = new Map<string, Point>();
  private readonly nodeEls = new Map<string, SVGGElement>();
  private readonly linkEls: SVGLineElement[] = [];
  private readonly served: Map<string, string[]>;

  constructor(container: HTMLElement, readonly topology: TopologyView, onNode: (name: string) => void) {
    this.root = svg('svg', { id: 'graph', role: 'group', 'aria-label': `topology ${topology.name}` });
    container.appendChild(this.root);
    const viewport = svg('g', { class: 'viewport' }, this.root);
    const linkLayer = svg('g', { class: 'links' }, viewport);
    const nodeLayer = svg('g', { class: 'nodes' }, viewport);
    this.marks = svg('g', { class: 'marks' }, viewport);
    this.packets = svg('g', { class: 'packets' }, viewport);

    const layout = this.layout();
    const tenants = tenantsOf(topology);
    this.served = tenants;
    const colour = new Map(topology.tenants.map((t, i) => [t.name, TENANT_COLOURS[i % TENANT_COLOURS.length]!]));
    for (const c of topology.channels) {
      const [a, b] = [layout.get(c.controller)!, layout.get(c.switch)!];
      const line = svg('line', { class: 'channel', 'data-endpoints': `${c.controller} ${c.switch}`, x1: a.x, y1: a.y, x2: b.x, y2: b.y }, linkLayer);
      svg('title', {}, line).textContent = `OpenFlow channel: ${c.controller} — ${c.switch}`;
    }
    for (const l of topology.links) {
      const [a, b] = l.endpoints.map((e) => layout.get(e.slice(0, e.indexOf(':')))!);
      const line = svg('line', { class: 'link', 'data-link': l.id, 'data-endpoints': l.endpoints.join(' '), x1: a!.x, y1: a!.y, x2: b!.x, y2: b!.y }, linkLayer);
      svg('title', {}, line).textContent = `${l.endpoints[0]} — ${l.endpoints[1]}: ${formatLatency(l.latency)}, ${formatBandwidth(l.bandwidth)}, MTU ${l.mtu}`;
      this.linkEls.push(line);
    }
    for (const n of topology.nodes) {
      const p = layout.get(n.name)!;
      const g = svg('g', { class: `node ${n.kind}`, 'data-node': n.name, transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button' }, nodeLayer);
      const served = tenants.get(n.name) ?? [];
      g.setAttribute('aria-label', `${n.kind} ${n.name}${served.length > 0 ? `, tenant ${served.join(', ')}` : ''}`);
      if (served.length > 0) g.setAttribute('data-tenants', served.join(' '));
      served.forEach((t, i) => svg('circle', { class: 'tenant-ring', r: 24 + 4 * i, stroke: colour.get(t)! }, g));
      shape(n.kind, g);
      svg('text', { class: 'label', y: 36 }, g).textContent = n.name;
      svg('title', {}, g).textContent = `${n.kind} ${n.name}: ${n.ports.join(', ') || 'no ports'}`;
      g.addEventListener('click', () => onNode(n.name));
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onNode(n.name);
        }
      });
      this.nodeEls.set(n.name, g);
    }

    container.appendChild(legend(topology, colour));

    const behaviour = zoom<SVGSVGElement, unknown>().scaleExtent([0.2, 5]).on('zoom', (e: { transform: { toString(): string } }) => viewport.setAttribute('transform', e.transform.toString()));
    select(this.root).call(behaviour).on('dblclick.zoom', null);
    // Fit the drawing to the box once.
    const xs = [...layout.values()].map((p) => p.x);
    const ys = [...layout.values()].map((p) => p.y);
    const box = this.root.getBoundingClientRect();
    const w = Math.max(...xs) - Math.min(...xs) + 160;
    const h = Math.max(...ys) - Math.min(...ys) + 160;
    const k = Math.min(1.6, (box.width || 800) / w, (box.height || 500) / h);
    const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
    const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
    select(this.root).call(behaviour.transform, zoomIdentity.translate((box.width || 800) / 2 - k * cx, (box.height || 500) / 2 - k * cy).scale(k));
  }

  position(node: string): Point | undefined {
    return this.positions.get(node);
  }

  /** The nodes that serve a tenant. */
  membersOf(tenant: string): string[] {
    return [...this.served].filter(([, tenants]) => tenants.includes(tenant)).map(([node]) => node);
  }

  /** Dims what is not in `keep` (undefined: nothing dimmed). */
  focus(keep: Set<string> | undefined): void {
    for (const [name, el] of this.nodeEls) el.classList.toggle('dimmed', keep !== undefined && !keep.has(name));
    for (const line of this.linkEls) {
      const ends = (line.getAttribute('data-endpoints') ?? '').split(' ').map((e) => e.slice(0, e.indexOf(':')));
      line.classList.toggle('dimmed', keep !== undefined && !ends.every((n) => keep.has(n)));
    }
  }

  /** Marks a node for a moment (an event happened there). */
  flash(node: string): void {
    const el = this.nodeEls.get(node);
    if (el === undefined) return;
    el.classList.remove('flash');
    // Restart the CSS animation.
    void el.getBoundingClientRect();
    el.classList.add('flash');
  }

  private layout(): Map<string, Point> {
    const nodes: NodeDatum[] = this.topology.nodes.map((n) => ({ name: n.name, kind: n.kind }));
    const links = [
      ...this.topology.links.map((l) => ({ source: l.endpoints[0].slice(0, l.endpoints[0].indexOf(':')), target: l.endpoints[1].slice(0, l.endpoints[1].indexOf(':')) })),
      ...this.topology.channels.map((c) => ({ source: c.controller, target: c.switch })),
    ];
    const simulation = forceSimulation(nodes)
      .force('link', forceLink<NodeDatum, { source: string; target: string }>(links).id((d) => d.name).distance(110))
      .force('charge', forceManyBody().strength(-600))
      .force('collide', forceCollide(50))
      .force('center', forceCenter(0, 0))
      .stop();
    simulation.tick(300);
    for (const n of nodes) this.positions.set(n.name, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) });
    return this.positions;
  }
}

/** What the colours mean: tenants (rings, packets), and packets by what they carry. */
function legend(topology: TopologyView, colour: Map<string, string>): HTMLElement {
  const list = document.createElement('ul');
  list.id = 'legend';
  list.setAttribute('aria-label', 'legend');
  const item = (cls: string, text: string, fill?: string) => {
    const li = document.createElement('li');
    const dot = document.createElement('span');
    dot.className = `swatch ${cls}`;
    if (fill !== undefined) dot.style.background = fill;
    li.append(dot, text);
    list.appendChild(li);
  };
  for (const t of topology.tenants) item('tenant', `tenant ${t.name}`, colour.get(t.name));
  for (const [cls, text] of [['vxlan', 'VXLAN'], ['gre', 'GRE'], ['esp', 'ESP'], ['icmp', 'ICMP'], ['udp', 'UDP/TCP'], ['arp', 'ARP']]) item(cls!, text!);
  return list;
}

function shape(kind: string, g: SVGGElement): void {
  switch (kind) {
    case 'host':
      svg('rect', { class: 'shape', x: -16, y: -12, width: 32, height: 24, rx: 4 }, g);
      return;
    case 'router':
      svg('circle', { class: 'shape', r: 17 }, g);
      svg('path', { class: 'glyph', d: 'M-9 0h18M0 -9v18' }, g);
      return;
    case 'switch':
      svg('rect', { class: 'shape', x: -20, y: -13, width: 40, height: 26, rx: 2 }, g);
      svg('path', { class: 'glyph', d: 'M-12 -4h24m-4 -3l4 3l-4 3M12 4h-24m4 -3l-4 3l4 3' }, g);
      return;
    default:
      svg('polygon', { class: 'shape', points: '0,-18 18,0 0,18 -18,0' }, g);
  }
}
