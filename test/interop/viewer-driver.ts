/** Driving the viewer page from Node (puppeteer-core): what the browser tests and scripts/viewer-screenshots.ts share. */
import type { Page } from 'puppeteer-core';

import type { ViewerProbe } from '../../src/feed/viewer/app/probe.js';

interface PageWindow {
  __netloom: ViewerProbe;
}

export const probe = (page: Page): Promise<ViewerProbe> => page.evaluate(() => ({ ...(globalThis as unknown as PageWindow).__netloom }));

/** Waits until the page has said hello to the feed. */
export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as Partial<PageWindow>).__netloom?.ready === true);
}

/** Waits for the state message a control message brings (it comes after the events it released). */
export async function nextState(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n: number) => (globalThis as unknown as PageWindow).__netloom.states > n, {}, before);
}

/** Steps the run (serve) until `selector` is on the page; at most `max` steps. */
export async function stepUntil(page: Page, selector: string, max: number): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await page.$$(selector)).length > 0) return;
    const before = (await probe(page)).states;
    await page.click('#step');
    await nextState(page, before);
  }
  throw new Error(`${selector} did not appear within ${max} steps`);
}
