/**
 * The viewer in real browsers: Debian's headless Chromium (over CDP) and Firefox ESR (over
 * WebDriver BiDi), both driven by puppeteer-core, against a feed served in this process. The
 * page must load a running topology, draw every node and link, animate the VXLAN lesson's pings
 * along their links, show a clicked packet's layers nested with the right VNI and inner
 * addresses (and ESP's, marked decrypted), pause and step the run, and filter by tenant; and
 * nothing it does may throw, be refused by its CSP or fail to load.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startFeed, type Feed } from '../../src/feed/feed.js';
import { loadTopologyFile } from '../../src/topology/load.js';
import { nextState, probe as probeOf, ready, stepUntil as stepPageUntil } from './viewer-driver.js';
import type { ViewerProbe as Probe } from '../../src/feed/viewer/app/probe.js';

const root = join(import.meta.dirname, '..', '..');

const BROWSERS = [
  { name: 'Chromium', browser: 'chrome', path: process.env['NETLOOM_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'], install: 'chromium', variable: 'NETLOOM_CHROMIUM' },
  { name: 'Firefox', browser: 'firefox', path: process.env['NETLOOM_FIREFOX'] ?? '/usr/bin/firefox-esr', args: [], install: 'firefox-esr', variable: 'NETLOOM_FIREFOX' },
] as const;
for (const b of BROWSERS) {
  if (!existsSync(b.path)) console.warn(`skipping the viewer tests in ${b.name}: nothing at ${b.path} (apt-get install ${b.install}, or set ${b.variable})`);
}

/** What callbacks run in the page see (this file is type-checked without the DOM library). */
declare const window: { __netloom: Probe };
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

describe.each(BROWSERS)('the viewer in headless $name', ({ browser: kind, path, args }) => {
  const missing = !existsSync(path);
  let browser: Browser;
  let page: Page;
  let feed: Feed | undefined;
  const errors: string[] = [];

  // Firefox takes seconds to start, more on a busy machine.
  beforeAll(async () => {
    if (!missing) browser = await puppeteer.launch({ browser: kind, executablePath: path, headless: true, args: [...args] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await feed?.close();
    feed = undefined;
    expect(errors).toEqual([]);
  });

  async function open(lesson: string, options: Parameters<typeof startFeed>[1]): Promise<Feed> {
    feed = await startFeed(loadTopologyFile(join(root, 'topologies', lesson)), { port: 0, ...options });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 860 });
    errors.length = 0;
    page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`)));
    page.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
    await page.goto(feed.server.url);
    await ready(page);
    return feed;
  }

  const probe = (): Promise<Probe> => probeOf(page);
  const stepUntil = (selector: string, max: number) => stepPageUntil(page, selector, max);
  const text = (selector: string) => page.$eval(selector, (e) => (e as unknown as PageElement).textContent);
  const attribute = (selector: string, name: string) => page.$eval(selector, (e, n) => (e as unknown as PageElement).getAttribute(n), name);

  /** The classes (or data-layer) of the boxes of the opened packet, outermost first. */
  const boxes = (attributeName: string) =>
    page.evaluate((name: string) => {
      const out: string[] = [];
      for (let box = document.querySelector('#layers > .layer'); box !== null; box = box.querySelector(':scope > .layer')) out.push(box.getAttribute(name)!);
      return out;
    }, attributeName);

  it.skipIf(missing)('draws every node and link of the running topology', async () => {
    const topology = (await open('vxlan.yaml', { control: true })).hub.view;
    const nodes = await page.$$eval('#graph .node', (els) => els.map((e) => [e.getAttribute('data-node'), e.getAttribute('class')]));
    expect(nodes).toEqual(topology.nodes.map((n) => [n.name, `node ${n.kind}`]));
    const links = await page.$$eval('#graph line.link', (els) => els.map((e) => e.getAttribute('data-endpoints')));
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
    expect(await text('#topology-name')).toBe('vxlan');
    expect(await text('#run-state')).toBe('run 1 ready');
  });

  it.skipIf(missing)('animates the VXLAN pings along their links', async () => {
    await open('vxlan.yaml', { control: true });
    // Stepped to where s1 sends the first ping out VXLAN-encapsulated, then played a thousand
    // times slower than real time: the 1 ms link to r1 takes a second to cross.
    const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
    await stepUntil(ping, 40);
    const packet = await attribute(ping, 'data-packet');
    expect(await attribute(ping, 'aria-label')).toBe(`packet ${packet}: ethernet/ipv4/udp/vxlan/ethernet/ipv4/icmp/payload from s1 to r1`);
    const circle = `circle.packet[data-packet="${packet}"]`;
    const where = async () => [Number(await attribute(circle, 'cx')), Number(await attribute(circle, 'cy'))] as const;
    const centre = async (name: string) => (await attribute(`[data-node="${name}"]`, 'transform'))!.match(/-?[\d.]+/g)!.map(Number) as [number, number];
    const [ax, ay] = await centre('s1');
    const [bx, by] = await centre('r1');
    // How far along the link from s1 to r1 (0..1), and how far off its line (px).
    const along = ([x, y]: readonly [number, number]) => ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2);
    const off = ([x, y]: readonly [number, number]) => Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / Math.hypot(bx - ax, by - ay);
    expect(along(await where())).toBeCloseTo(0, 5);
    await page.select('#speed', '0.001');
    await page.click('#play');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const first = await where();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = await where();
    expect(along(first)).toBeGreaterThan(0.05);
    expect(along(second)).toBeGreaterThan(along(first));
    expect(along(second)).toBeLessThan(1);
    expect(off(first)).toBeLessThan(1);
    expect(off(second)).toBeLessThan(1);
    expect((await probe()).flights).toBe(1);
  });

  it.skipIf(missing)('shows a clicked packet as nested layers: outer Ethernet / IPv4 / UDP / VXLAN 5000 around the inner ping', async () => {
    await open('vxlan.yaml', { control: true });
    const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
    await stepUntil(ping, 40);
    await page.click(ping);
    await page.waitForSelector('#layers .layer-vxlan');
    // Each header is a box around what it carries.
    expect(await boxes('data-layer')).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'icmp', 'payload']);
    const fields = (layer: string, name: string) => page.$$eval(`#layers [data-field="${layer}.${name}"]`, (els) => els.map((e) => e.textContent));
    expect(await fields('vxlan', 'vni')).toEqual(['5000']);
    expect(await fields('udp', 'dstPort')).toEqual(['4789']);
    expect([await fields('ipv4', 'src'), await fields('ipv4', 'dst')]).toEqual([['192.168.1.1', '10.10.0.1'], ['192.168.2.1', '10.10.0.2']]);
    expect(await fields('icmp', 'type')).toEqual(['8']);
    expect(await text('#layers .layer-vxlan > .layer-title')).toBe('vxlan · 8 bytes · VXLAN tunnel header');
    expect(await page.$$eval('#overheads li', (els) => els.map((e) => e.textContent))).toEqual([
      'VXLAN adds 50 bytes (50 in front): the 98-byte inner ethernet goes out as 148 bytes; on a link with MTU 1500 the inner IP packet can be at most 1450 bytes',
    ]);
    // The hop where s1 wrapped it says what was added.
    await page.waitForSelector('#hops .changes');
    expect(await text('#hops li.encap .changes li')).toBe(
      'encapsulated: added ethernet src=02:4e:4c:7f:bf:51 dst=02:4e:4c:30:f4:e3 / ipv4 src=192.168.1.1 dst=192.168.2.1 ttl=64 / udp srcPort=54163 dstPort=4789 / vxlan vni=5000 in front',
    );
    expect(await text('#explain')).toContain('VXLAN encapsulation adds 50 bytes around a 98-byte inner ethernet');
  });

  it.skipIf(missing)("shows ESP as the wire carries it, and opened with the run's key, what was encrypted marked", async () => {
    await open('esp.yaml', { control: true });
    const sealed = 'circle.packet.esp[aria-label*="from s1 to r1"]';
    await stepUntil(sealed, 60);
    await page.click(sealed);
    await page.waitForSelector('#layers .layer-esp');
    expect((await boxes('class')).slice(0, 5)).toEqual(['layer layer-ethernet', 'layer layer-ipv4', 'layer layer-esp tunnel', 'layer layer-gre tunnel decrypted', 'layer layer-ethernet decrypted']);
    expect(await text('#layers [data-field="esp.spi"]')).toBe('4097');
    expect(await text('#layers [data-field="gre.key"]')).toBe('200');
    expect(await text('#layers .layer-esp > .note')).toMatch(/^Opened with the run’s own key .*SPI, sequence number and IV travel in the clear/);
  });

  it.skipIf(missing)('marks a drop where and why it happened, at its moment, from the event log', async () => {
    await open('vxlan.yaml', { control: true, speed: null });
    await page.click('#play');
    await page.waitForFunction(() => window.__netloom.state === 'ended');
    // The lesson's 1472-byte pings with DF do not fit the underlay: s1 drops them.
    const drop = await page.$eval('#events button.drop', (e) => ({ seq: Number(e.getAttribute('data-seq')), text: e.textContent! }));
    expect(drop.text).toBe('8.001012 s s1:eth1 drop MTU_EXCEEDED');
    await page.click(`#events button[data-seq="${drop.seq}"]`);
    await page.waitForSelector('.drop-mark[data-node="s1"]');
    expect(await text('.drop-mark[data-node="s1"] text')).toBe('MTU_EXCEEDED');
    expect(await text('#run-state')).toBe('run 1 ended · replay');
    expect(await attribute('#timeline', 'aria-valuetext')).toBe('8.001012 s');
    // The frame VXLAN made of the 1,514-byte ping: 1,564 bytes, an IP packet of 1,550 on a 1,500 MTU.
    expect(await text('#details-where')).toBe('drop at s1:eth1, t = 8.001012 s, 1564 bytes');
    expect(await page.$eval('.drop-mark[data-node="s1"] title', (e) => e.textContent)).toBe('dropped at s1:eth1: MTU_EXCEEDED (MTU 1500 < 1550 and DF is set)');
  });

  it.skipIf(missing)('pauses and steps: paused, nothing more arrives; a step delivers exactly the next instant', async () => {
    await open('vxlan.yaml', { control: true });
    await page.select('#speed', '0.01');
    await page.focus('#stage');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => window.__netloom.received > 5);
    await page.click('#play');
    await page.waitForFunction(() => window.__netloom.state === 'paused');
    expect(await text('#play')).toBe('Play');
    const paused = await probe();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await probe()).toMatchObject({ received: paused.received, now: paused.now });
    await page.keyboard.press('.');
    await nextState(page, paused.states);
    const stepped = await probe();
    expect(stepped.now).toBeGreaterThan(paused.now);
    // Every event the step delivered is of the one instant the clock now stands at.
    const times = await page.$$eval('#events button', (els, n) => els.slice(n).map((e) => e.textContent!.split(' ')[0]), paused.received);
    expect(new Set(times)).toEqual(new Set([(stepped.now / 1e9).toFixed(6)]));
  });

  it.skipIf(missing)("filters by tenant: only blue's events, red's hosts dimmed", async () => {
    const feed = await open('tenants-shared-switch.yaml', { control: true, speed: null });
    await page.click('#play');
    await page.waitForFunction(() => window.__netloom.state === 'ended');
    const all = (await probe()).received;
    await page.select('#filter-tenant', 'blue');
    await page.waitForFunction((n: number) => window.__netloom.received > 0 && window.__netloom.received < n, {}, all);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rows = await page.$$eval('#events button', (els) => els.map((e) => e.textContent!));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row).toContain('[blue]');
    expect(feed.server.metrics().clients.map((c) => c.filter)).toEqual([{ tenants: ['blue'] }]);
    expect(await page.$$eval('#graph .node.dimmed', (els) => els.map((e) => e.getAttribute('data-node')))).toEqual(['c-red', 'r1', 'r2']);
    expect(await attribute('#graph .node[data-node="b1"]', 'data-tenants')).toBe('blue');
    expect(await attribute('#graph .node[data-node="s1"]', 'data-tenants')).toBe('blue red');
  });
});
