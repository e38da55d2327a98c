// Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by playwright-core, on pages
// of the repository served by serve.mjs on 127.0.0.1. runInChromium() runs the smoke page and returns what
// smoke() returned there; withChromiumPage() is the general form (the web demo's tests use it).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

export const CHROMIUM = '/usr/bin/chromium';
// Flags for this closed network (no background connections, which would be refused; no first-run, sync or
// component updates) and for running as root (no sandbox). playwright adds --headless for headless: true.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function missing(executablePath) {
  return new Error(`${executablePath} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does) — the Chromium tests do not skip`);
}

/**
 * Launches Chromium with a fresh, empty profile; returns { context, close }. close() closes the browser and
 * removes the profile.
 */
export async function launchChromium({ executablePath = CHROMIUM, timeout = 30000 } = {}) {
  if (!existsSync(executablePath)) throw missing(executablePath);
  const profile = mkdtempSync(join(tmpdir(), 'gaussface-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, timeout });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Serves the repository, opens `page` (a path in it) in headless Chromium and returns `await fn(tab, url)`.
 * Page errors, console errors and failed requests (HTTP ≥ 400 or no answer) of the page and its workers fail
 * the call. Options: `isolated` sends COOP same-origin + COEP require-corp; `headers` adds any response
 * headers; `cors` sends Access-Control-Allow-Origin: *.
 */
export async function withChromiumPage(page, { isolated = false, headers = {}, cors = false, executablePath = CHROMIUM, timeout = 30000 } = {}, fn) {
  if (!existsSync(executablePath)) throw missing(executablePath);
  const server = await serve(ROOT, { isolated, headers, cors });
  let browser;
  try {
    browser = await launchChromium({ executablePath, timeout });
    const tab = await browser.context.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(`page error: ${e.stack || e.message || e}`));
    tab.on('console', (m) => m.type() === 'error' && errors.push(`console error: ${m.text()}`));
    tab.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    tab.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
    tab.on('crash', () => errors.push('the page crashed'));
    const fail = () => {
      if (errors.length) throw new Error(`in Chromium (${page}):\n${errors.join('\n')}`);
    };
    let out;
    try {
      await tab.goto(`${server.url}/${page}`, { timeout });
      out = await fn(tab, server.url);
    } catch (e) {
      fail(); // the page's own errors say more than a timeout
      throw e;
    }
    fail();
    return out;
  } finally {
    await browser?.close();
    await server.close();
  }
}

/**
 * Runs the smoke test page (test/runtime/page.html) and returns { result, isolated, workers }: smoke()'s
 * object, the page's crossOriginIsolated and the URLs of the workers the page started.
 */
export function runInChromium({ page = 'test/runtime/page.html', isolated = false, headers, executablePath, timeout = 30000 } = {}) {
  return withChromiumPage(page, { isolated, headers, executablePath, timeout }, async (tab) => {
    const workers = [];
    tab.on('worker', (w) => workers.push(w.url()));
    await tab.waitForFunction(() => window.__smoke !== undefined, null, { timeout });
    const out = await tab.evaluate(() => window.__smoke);
    if (!out.ok) throw new Error(`smoke test failed in Chromium: ${out.error}`);
    return { result: out.result, isolated: out.isolated, workers };
  });
}
