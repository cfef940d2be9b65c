#!/usr/bin/env node
// Real-client accessibility check: axe-core (WCAG 2.0/2.1 A and AA) in headless
// Debian Chromium driven by playwright-core.
//
// Usage:
//   node tests/browser/axe.mjs '{"urls": ["http://127.0.0.1:8000/"], "widths": [1280, 375]}'
//   node tests/browser/axe.mjs urls.json          (a file holding that JSON)
//   echo '[...urls...]' | node tests/browser/axe.mjs -
// The JSON is either {"urls": [...], "widths": [...]} or a plain list of URLs
// (widths then default to 1280 and 375). Every page is loaded at every width
// (viewport height 900); where the page shows a Menu button (`.menu > summary`), axe runs
// again with the menu open, its violations marked "(menu open)".
//
// Prints one JSON array on stdout, one entry per (url, width):
//   {url, width, status, axeRan, menuOpened, violations: [{id, impact, help, helpUrl, nodes: [{target, html, summary}]}],
//    thirdPartyRequests: [url...], consoleErrors: [text...], pageErrors: [text...],
//    brokenRequests: [{url, status (HTTP code, or the network error)}],
//    overflowX: {scrollWidth, innerWidth, culprits} | null}
// Any request to a host other than the URLs' own origin(s) is recorded and
// aborted (third-party requests are forbidden, and the network is closed anyway).
//
// Exit status: 0 = no problem found, 1 = problems found (JSON still printed),
// 2 = usage or browser error (message on stderr).
//
// Environment: CHROMIUM (default /usr/bin/chromium), AXE_TIMEOUT_MS (per page, default 30000).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const AXE_PATH = resolve(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const DEFAULT_WIDTHS = [1280, 375];
const HEIGHT = 900;
const TIMEOUT = Number(process.env.AXE_TIMEOUT_MS || 30000);
const LAUNCH_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function die(message) {
  process.stderr.write(`axe.mjs: ${message}\n`);
  process.exit(2);
}

function readInput() {
  const arg = process.argv[2];
  let text;
  if (arg === undefined || arg === '-') {
    text = readFileSync(0, 'utf8');
  } else if (/^\s*[[{]/.test(arg)) {
    text = arg;
  } else {
    try {
      text = readFileSync(arg, 'utf8');
    } catch (err) {
      die(`cannot read ${arg}: ${err.message}`);
    }
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    die(`input is not JSON: ${err.message}`);
  }
  const urls = Array.isArray(data) ? data : data.urls;
  const widths = (!Array.isArray(data) && data.widths) || DEFAULT_WIDTHS;
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string')) {
    die('expected a non-empty list of URL strings');
  }
  if (!Array.isArray(widths) || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    die('expected "widths" to be a list of positive integers');
  }
  return { urls, widths };
}

// In-page resources (data:, blob:, about:) never leave the machine.
const INLINE_PROTOCOLS = new Set(['data:', 'blob:', 'about:']);

function isLocal(url, localOrigins) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (INLINE_PROTOCOLS.has(parsed.protocol)) return true;
  // A WebSocket to the same server has a ws: origin but the same host and port.
  const host = parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? parsed.host : null;
  return localOrigins.has(parsed.origin)
    || (host !== null && [...localOrigins].some((o) => new URL(o).host === host));
}

function truncate(text, max = 300) {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

async function runAxe(page) {
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
    }));
  }, TAGS);
  return result.map((v) => ({ ...v, nodes: v.nodes.map((n) => ({ ...n, html: truncate(n.html || '') })) }));
}

async function checkPage(page, url, width, record) {
  const entry = {
    url, width, status: null, axeRan: false, menuOpened: false, violations: [],
    thirdPartyRequests: [], consoleErrors: [], pageErrors: [], brokenRequests: [],
    overflowX: null,
  };
  record.current = entry;
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
    entry.status = response ? response.status() : null;
    // Measured before axe runs: its checks scroll and may add nodes.
    const size = await page.evaluate(() => {
      const limit = window.innerWidth;
      const sticksOut = (el) => el.getBoundingClientRect().right > limit + 0.5;
      const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '')
        + [...el.classList].map((c) => `.${c}`).join('');
      // The innermost elements that reach past the right edge: the likely culprits.
      const culprits = [...document.body.querySelectorAll('*')]
        .filter((el) => sticksOut(el) && ![...el.children].some(sticksOut))
        .slice(0, 3)
        .map((el) => {
          let path = name(el);
          for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            path = `${name(p)} > ${path}`;
          }
          return `${path} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
        });
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: limit, culprits };
    });
    if (size.scrollWidth > size.innerWidth) entry.overflowX = size;
    await page.addScriptTag({ path: AXE_PATH });
    entry.violations = await runAxe(page);
    // Where the navigation is folded behind the Menu button, check it opened too.
    const menu = page.locator('.menu > summary');
    if (await menu.isVisible()) {
      await menu.click();
      entry.menuOpened = true;
      entry.violations.push(...(await runAxe(page)).map((v) => ({ ...v, help: `${v.help} (menu open)` })));
    }
    entry.axeRan = true;
  } catch (err) {
    entry.pageErrors.push(`check failed: ${err.message.split('\n')[0]}`);
  }
  record.current = null;
  // The same blocked stylesheet or failed image may be asked for more than once.
  for (const key of ['thirdPartyRequests', 'consoleErrors', 'pageErrors']) {
    entry[key] = [...new Set(entry[key])];
  }
  entry.brokenRequests = [...new Map(entry.brokenRequests.map((b) => [`${b.status} ${b.url}`, b])).values()];
  return entry;
}

async function checkWidth(browser, urls, width, localOrigins) {
  const context = await browser.newContext({
    viewport: { width, height: HEIGHT },
    serviceWorkers: 'block',
  });
  const record = { current: null };
  await context.route('**/*', (route) => {
    const reqUrl = route.request().url();
    if (isLocal(reqUrl, localOrigins)) {
      return route.continue();
    }
    if (record.current) record.current.thirdPartyRequests.push(reqUrl);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    // "Failed to load resource" repeats what thirdPartyRequests and brokenRequests record.
    if (msg.type() === 'error' && record.current && !msg.text().startsWith('Failed to load resource')) {
      const loc = msg.location();
      const where = loc && loc.url ? ` (${loc.url}${loc.lineNumber ? `:${loc.lineNumber}` : ''})` : '';
      record.current.consoleErrors.push(`${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => {
    if (record.current) record.current.pageErrors.push(String(err && err.message ? err.message : err));
  });
  page.on('response', (resp) => {
    // The page's own status is reported as `status`; this is for its subresources.
    const req = resp.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return;
    if (record.current && resp.status() >= 400) {
      record.current.brokenRequests.push({ url: resp.url(), status: resp.status() });
    }
  });
  page.on('requestfailed', (req) => {
    const failure = req.failure();
    const text = failure ? failure.errorText : 'failed';
    // Blocked third-party requests are already recorded; ERR_ABORTED is a request
    // cancelled by the next navigation.
    if (record.current && !/ERR_BLOCKED_BY_CLIENT|ERR_ABORTED/.test(text)) {
      record.current.brokenRequests.push({ url: req.url(), status: text });
    }
  });
  // WebSockets do not go through route(); record them as third-party traffic too.
  page.on('websocket', (ws) => {
    if (record.current && !isLocal(ws.url(), localOrigins)) {
      record.current.thirdPartyRequests.push(ws.url());
    }
  });
  const results = [];
  for (const url of urls) {
    results.push(await checkPage(page, url, width, record));
  }
  await context.close();
  return results;
}

async function main() {
  const { urls, widths } = readInput();
  const localOrigins = new Set(urls.map((u) => new URL(u).origin));
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: LAUNCH_ARGS,
    });
  } catch (err) {
    die(`cannot start Chromium: ${err.message}`);
  }
  let perWidth;
  try {
    perWidth = await Promise.all(widths.map((w) => checkWidth(browser, urls, w, localOrigins)));
  } finally {
    await browser.close();
  }
  // Order: by URL, then by width in the order given.
  const out = [];
  urls.forEach((_, i) => perWidth.forEach((list) => out.push(list[i])));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  const bad = out.some((e) => !e.axeRan || e.violations.length || e.thirdPartyRequests.length
    || e.consoleErrors.length || e.pageErrors.length || e.brokenRequests.length
    || e.overflowX || e.status === null || e.status >= 400);
  process.exitCode = bad ? 1 : 0;
}

main().catch((err) => die(err && err.stack ? err.stack : String(err)));
