/**
 * The README's viewer screenshots (docs/viewer-*.png), taken in headless Chromium from lessons
 * served in this process: `npx tsx scripts/viewer-screenshots.ts` (needs Debian's chromium, or
 * NETLOOM_CHROMIUM). The same seed gives the same run; the pictures change only when the page does.
 */
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startFeed } from '../src/feed/feed.js';
import { loadTopologyFile } from '../src/topology/load.js';

const root = join(import.meta.dirname, '..');
const browser = await chromium.launch({ executablePath: process.env['NETLOOM_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

async function shoot(lesson: string, file: string, scene: (page: Page) => Promise<void>): Promise<void> {
  const feed = await startFeed(loadTopologyFile(join(root, 'topologies', lesson)), { port: 0, control: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(feed.server.url);
  await page.waitForFunction(() => (globalThis as unknown as { __netloom: { ready: boolean } }).__netloom.ready);
  await scene(page);
  await page.screenshot({ path: join(root, 'docs', file) });
  console.log(`docs/${file}`);
  await page.close();
  await feed.close();
}

/** Steps the run until `selector` is on the page. */
async function stepUntil(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 200 && (await page.locator(selector).count()) === 0; i++) {
    const before = await page.evaluate(() => (globalThis as unknown as { __netloom: { received: number } }).__netloom.received);
    await page.click('#step');
    await page.waitForFunction((n) => (globalThis as unknown as { __netloom: { received: number } }).__netloom.received > n, before);
  }
}

// The VXLAN lesson, stepped to where s1 sends the first ping into the tunnel; the packet opened.
await shoot('vxlan.yaml', 'viewer-vxlan.png', async (page) => {
  const ping = 'circle.packet.vxlan[aria-label$="/ipv4/icmp/payload from s1 to r1"]';
  await stepUntil(page, ping);
  await page.locator(ping).first().click();
  await page.waitForSelector('#hops .changes');
  // Played a thousand times slower for 0.4 s: the packet is on its way to r1.
  await page.selectOption('#speed', '0.001');
  await page.click('#play');
  await page.waitForTimeout(400);
  await page.click('#play');
  await page.waitForFunction(() => (globalThis as unknown as { __netloom: { state: string } }).__netloom.state === 'paused');
});

// Two tenants with the same addresses on one switch, filtered to blue.
await shoot('tenants-shared-switch.yaml', 'viewer-tenants.png', async (page) => {
  await stepUntil(page, 'circle.packet[data-tenant="blue"][aria-label*="icmp"]');
  await page.selectOption('#filter-tenant', 'blue');
  await page.waitForTimeout(300);
});

await browser.close();
