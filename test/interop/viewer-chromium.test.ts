/**
 * The viewer in a real browser: Debian's headless Chromium driven by playwright-core, against a
 * feed served in this process. The page must load a running topology, draw every node and link,
 * animate the VXLAN lesson's pings along their links, show a clicked packet's layers nested with
 * the right VNI and inner addresses, pause and step the run, and filter by tenant.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFeed, type Feed } from '../../src/feed/feed.js';
import { loadTopologyFile } from '../../src/topology/load.js';

const root = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env['NETLOOM_CHROMIUM'] ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`skipping the viewer browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set NETLOOM_CHROMIUM)`);

interface Probe {
  ready: boolean;
  received: number;
  missed: number;
  state: string;
  now: number;
  flights: number;
  selected: number | undefined;
}

/** What page.evaluate callbacks see in the page (this file is type-checked without the DOM library). */
declare const window: { __netloom: Probe };
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

describe.skipIf(missing)('the viewer in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let feed: Feed | undefined;
  const errors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await feed?.close();
    feed = undefined;
    // Nothing the page did may have thrown or been refused (CSP, 404s, failed requests).
    expect(errors).toEqual([]);
  });

  async function open(lesson: string, options: Parameters<typeof startFeed>[1]): Promise<{ feed: Feed; page: Page }> {
    feed = await startFeed(loadTopologyFile(join(root, 'topologies', lesson)), { port: 0, ...options });
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors.length = 0;
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    await page.goto(feed.server.url);
    await page.waitForFunction(() => window.__netloom?.ready === true);
    return { feed, page };
  }

  const probe = (): Promise<Probe> => page.evaluate(() => ({ ...window.__netloom }));

  /** Steps the run (serve) until `selector` is on the page; at most `max` steps. */
  async function stepUntil(selector: string, max: number): Promise<void> {
    for (let i = 0; i < max; i++) {
      if ((await page.locator(selector).count()) > 0) return;
      const before = (await probe()).received;
      await page.click('#step');
      await page.waitForFunction((n) => window.__netloom.received > n && window.__netloom.state === 'paused', before);
    }
    throw new Error(`${selector} did not appear within ${max} steps`);
  }

  it('draws every node and link of the running topology', async () => {
    const { feed } = await open('vxlan.yaml', { control: true });
    const topology = feed.hub.view;
    const nodes = await page.locator('#graph .node').evaluateAll((els) => els.map((e) => [e.getAttribute('data-node'), e.getAttribute('class')]));
    expect(nodes).toEqual(topology.nodes.map((n) => [n.name, `node ${n.kind}`]));
    const links = await page.locator('#graph line.link').evaluateAll((els) => els.map((e) => e.getAttribute('data-endpoints')));
    expect(links).toEqual(topology.links.map((l) => l.endpoints.join(' ')));
    // Each line runs between the two nodes it joins.
    const geometry = await page.evaluate(() => {
      const at = (name: string) => document.querySelector(`[data-node="${name}"]`)!.getAttribute('transform');
      return [...document.querySelectorAll('line.link')].map((l) => {
        const [a, b] = l.getAttribute('data-endpoints')!.split(' ').map((e) => e.split(':')[0]!);
        return [at(a!), `translate(${l.getAttribute('x1')},${l.getAttribute('y1')})`, at(b!), `translate(${l.getAttribute('x2')},${l.getAttribute('y2')})`];
      });
    });
    for (const [a, start, b, end] of geometry) expect([start, end]).toEqual([a, b]);
    expect(await page.textContent('#topology-name')).toBe('vxlan');
    expect(await page.textContent('#run-state')).toBe('run 1 ready');
  });

  it('animates the VXLAN pings along their links', async () => {
    await open('vxlan.yaml', { control: true });
    // Stepped to where s1 sends the first ping out VXLAN-encapsulated, then played a thousand
    // times slower than real time: the 1 ms link to r1 takes a second to cross.
    const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
    await stepUntil(ping, 40);
    const packet = await page.locator(ping).getAttribute('data-packet');
    expect(await page.locator(ping).getAttribute('aria-label')).toBe(`packet ${packet}: ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload from s1 to r1`);
    const circle = page.locator(`circle.packet[data-packet="${packet}"]`);
    const where = () => circle.evaluate((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))] as const);
    const centre = (name: string) => page.locator(`[data-node="${name}"]`).evaluate((g) => g.getAttribute('transform')!.match(/-?[\d.]+/g)!.map(Number) as [number, number]);
    const [ax, ay] = await centre('s1');
    const [bx, by] = await centre('r1');
    // How far along the link from s1 to r1 (0..1), and how far off its line (px).
    const along = ([x, y]: readonly [number, number]) => ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2);
    const off = ([x, y]: readonly [number, number]) => Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / Math.hypot(bx - ax, by - ay);
    const start = await where();
    expect(along(start)).toBeCloseTo(0, 5);
    await page.selectOption('#speed', '0.001');
    await page.click('#play');
    await page.waitForTimeout(250);
    const first = await where();
    await page.waitForTimeout(250);
    const second = await where();
    expect(along(first)).toBeGreaterThan(0.05);
    expect(along(second)).toBeGreaterThan(along(first));
    expect(along(second)).toBeLessThan(1);
    expect(off(first)).toBeLessThan(1);
    expect(off(second)).toBeLessThan(1);
    expect((await probe()).flights).toBe(1);
  });

  it('shows a clicked packet as nested layers: outer Ethernet / IPv4 / UDP / VXLAN 5000 around the inner ping', async () => {
    await open('vxlan.yaml', { control: true });
    const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
    await stepUntil(ping, 40);
    await page.locator(ping).first().click();
    await page.waitForSelector('#layers .layer-vxlan');
    // Each header is a box around what it carries.
    const nesting = await page.evaluate(() => {
      const out: string[] = [];
      for (let box = document.querySelector('#layers > .layer'); box !== null; box = box.querySelector(':scope > .layer')) out.push(box.getAttribute('data-layer')!);
      return out;
    });
    expect(nesting).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp', 'payload']);
    const field = (layer: string, name: string, nth = 0) => page.locator(`#layers [data-field="${layer}.${name}"]`).nth(nth).textContent();
    expect(await field('vxlan', 'vni')).toBe('5000');
    expect(await field('udp', 'dstPort')).toBe('4789');
    expect([await field('ipv4', 'src', 0), await field('ipv4', 'dst', 0)]).toEqual(['192.168.1.1', '192.168.2.1']);
    expect([await field('ipv4', 'src', 1), await field('ipv4', 'dst', 1)]).toEqual(['10.10.0.1', '10.10.0.2']);
    expect(await field('icmp', 'type')).toBe('8');
    expect(await page.locator('#layers .layer-vxlan > .layer-title').textContent()).toBe('vxlan · 8 bytes · VXLAN tunnel header');
    expect(await page.locator('#overheads li').allTextContents()).toEqual([
      'VXLAN adds 50 bytes (50 in front): the 98-byte inner ethernet goes out as 148 bytes; on a link with MTU 1500 the inner IP packet can be at most 1450 bytes',
    ]);
    // The hop where s1 wrapped it says what was added.
    await page.waitForSelector('#hops .changes');
    expect(await page.locator('#hops li.encap .changes li').first().textContent()).toBe(
      'encapsulated: added ethernet src=02:4e:4c:7f:bf:51 dst=02:4e:4c:30:f4:e3 / ipv4 src=192.168.1.1 dst=192.168.2.1 ttl=64 / udp srcPort=54163 dstPort=4789 / vxlan vni=5000 in front',
    );
    expect(await page.locator('#explain').textContent()).toContain('VXLAN encapsulation adds 50 bytes around a 98-byte inner ethernet');
  });

  it('shows ESP as the wire carries it, and opened with the run\'s key, what was encrypted marked', async () => {
    await open('esp.yaml', { control: true });
    const sealed = 'circle.packet.esp[aria-label*="from s1 to r1"]';
    await stepUntil(sealed, 60);
    await page.locator(sealed).first().click();
    await page.waitForSelector('#layers .layer-esp');
    const boxes = await page.evaluate(() => {
      const out: string[] = [];
      for (let box = document.querySelector('#layers > .layer'); box !== null; box = box.querySelector(':scope > .layer')) out.push(box.getAttribute('class')!);
      return out;
    });
    expect(boxes.slice(0, 5)).toEqual(['layer layer-ethernet', 'layer layer-ipv4', 'layer layer-esp tunnel', 'layer layer-gre tunnel decrypted', 'layer layer-ethernet decrypted']);
    expect(await page.locator('#layers [data-field="esp.spi"]').textContent()).toBe('4097');
    expect(await page.locator('#layers [data-field="gre.key"]').textContent()).toBe('200');
    expect(await page.locator('#layers .layer-esp > .note').first().textContent()).toMatch(/^Opened with the run’s own key .*SPI, sequence number and IV travel in the clear/);
  });

  it('pauses and steps: paused, nothing more arrives; a step delivers exactly the next instant', async () => {
    await open('vxlan.yaml', { control: true });
    await page.selectOption('#speed', '0.01');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__netloom.received > 5);
    await page.click('#play');
    await page.waitForFunction(() => window.__netloom.state === 'paused');
    expect(await page.textContent('#play')).toBe('Play');
    const paused = await probe();
    await page.waitForTimeout(400);
    expect((await probe()).received).toBe(paused.received);
    expect((await probe()).now).toBe(paused.now);
    await page.keyboard.press('.');
    await page.waitForFunction((n) => window.__netloom.received > n && window.__netloom.state === 'paused', paused.received);
    const stepped = await probe();
    expect(stepped.now).toBeGreaterThan(paused.now);
    // Every event the step delivered is of the one instant the clock now stands at.
    const times = await page.locator('#events button').evaluateAll((els, n) => els.slice(n).map((e) => e.textContent!.split(' ')[0]), paused.received);
    expect(new Set(times)).toEqual(new Set([(stepped.now / 1e9).toFixed(6)]));
  });

  it('filters by tenant: only blue\'s events, red\'s hosts dimmed', async () => {
    const { feed } = await open('tenants-shared-switch.yaml', { control: true, speed: null });
    await page.click('#play');
    await page.waitForFunction(() => window.__netloom.state === 'ended');
    const all = (await probe()).received;
    await page.selectOption('#filter-tenant', 'blue');
    await page.waitForFunction((n) => window.__netloom.received > 0 && window.__netloom.received < n, all);
    await page.waitForTimeout(200);
    const rows = await page.locator('#events button').allTextContents();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row).toContain('[blue]');
    expect(feed.server.metrics().clients.map((c) => c.filter)).toEqual([{ tenants: ['blue'] }]);
    const dimmed = await page.locator('#graph .node.dimmed').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(dimmed).toEqual(['c-red', 'r1', 'r2']);
    expect(await page.locator('#graph .node[data-node="b1"]').getAttribute('data-tenants')).toBe('blue');
    expect(await page.locator('#graph .node[data-node="s1"]').getAttribute('data-tenants')).toBe('blue red');
  });
});
