// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core: runs a page of the repository and
// returns what it leaves in window.__smoke. Never downloads a browser.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

export const CHROMIUM = '/usr/bin/chromium';
// Flags for this closed network: no background connections that would be refused, no sandbox as root.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Opens `page` (a path in the repository) in headless Chromium and runs `fn(tab)`; page errors fail it. */
export async function withChromiumPage(page, { isolated = false, cors = false } = {}, fn) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does`);
  const root = resolve(new URL('../..', import.meta.url).pathname);
  const server = await serve(root, { isolated, cors });
  const profile = mkdtempSync(join(tmpdir(), 'gaussface-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const errors = [];
  try {
    const tab = await context.newPage();
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await tab.goto(`${server.url}/${page}`);
    const out = await fn(tab, server.url);
    if (errors.length) throw new Error(`page errors: ${errors.join('\n')}`);
    return out;
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Runs the smoke page and returns what it leaves in window.__smoke. */
export function runInChromium(page, { isolated = false, timeout = 60000 } = {}) {
  return withChromiumPage(page, { isolated }, async (tab) => {
    await tab.waitForFunction(() => window.__smoke !== undefined, null, { timeout });
    const out = await tab.evaluate(() => window.__smoke);
    if (!out.ok) throw new Error(`page failed: ${out.error}`);
    return out;
  });
}
