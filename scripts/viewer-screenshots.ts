/**
 * The README's viewer screenshots (docs/viewer-*.png), taken in headless Chromium from lessons
 * served in this process: `npx tsx scripts/viewer-screenshots.ts` (needs Debian's chromium, or
 * NETLOOM_CHROMIUM). The same seed gives the same run; the pictures change only when the page does.
 */
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { startFeed } from '../src/feed/feed.js';
import { loadTopologyFile } from '../src/topology/load.js';
import { nextState, probe, ready, stepUntil } from '../test/interop/viewer-driver.js';

const root = join(import.meta.dirname, '..');
const browser = await puppeteer.launch({ browser: 'chrome', executablePath: process.env['NETLOOM_CHROMIUM'] ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });

async function shoot(lesson: string, file: string, scene: (page: Page) => Promise<void>): Promise<void> {
  const feed = await startFeed(loadTopologyFile(join(root, 'topologies', lesson)), { port: 0, control: true });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 860 });
  await page.goto(feed.server.url);
  await ready(page);
  await scene(page);
  await page.screenshot({ path: join(root, 'docs', file) as `${string}.png` });
  console.log(`docs/${file}`);
  await page.close();
  await feed.close();
}

// The VXLAN lesson, stepped to where s1 sends the first ping into the tunnel, the packet opened,
// then played a thousand times slower for 0.4 s: the packet is on its way to r1.
await shoot('vxlan.yaml', 'viewer-vxlan.png', async (page) => {
  const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
  await stepUntil(page, ping, 60);
  await page.click(ping);
  await page.waitForSelector('#hops .changes');
  await page.select('#speed', '0.001');
  await page.click('#play');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const before = (await probe(page)).states;
  await page.click('#play');
  await nextState(page, before);
});

// Two tenants with the same addresses on one switch, filtered to blue.
await shoot('tenants-shared-switch.yaml', 'viewer-tenants.png', async (page) => {
  await stepUntil(page, 'circle.packet[data-tenant="blue"][aria-label*="icmp"]', 200);
  await page.select('#filter-tenant', 'blue');
  await new Promise((resolve) => setTimeout(resolve, 300));
});

await browser.close();
