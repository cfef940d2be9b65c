#!/usr/bin/env node
// What a visitor sees of the time-dependent parts of pages (the next-session panel, the
// past / on now / next badges, the session page's own time and city table), in headless
// Debian Chromium driven by playwright-core, with the clock frozen and the time zone set.
//
// Usage: echo '{"cases": [...]}' | node tests/browser/clock.mjs
// Each case: {url, time (ISO 8601), timezoneId, javaScript (default true), width (default 1280),
//             axe (run axe-core, default false), screenshot (a PNG path, optional),
//             fullPage (the screenshot's extent, default true: the whole page)}.
// Prints one JSON array, one entry per case, with what the page shows (see `observe`).
// Exit status: 0 done, 2 usage or browser error.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AXE_PATH = resolve(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const PARALLEL = 6;

function die(message) {
  process.stderr.write(`clock.mjs: ${message}\n`);
  process.exit(2);
}

// Runs in the page: the texts and markings a visitor sees.
function observe() {
  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
  const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0;
  const panel = document.querySelector('.next-session');
  const slot = (name) => panel && panel.querySelector(`[data-slot="${name}"]`);
  const cardsWith = (kind) => [...document.querySelectorAll(`.session-card .status-${kind}`)]
    .map((badge) => badge.closest('.session-card').dataset.id);
  const state = document.querySelector('.session-state');
  return {
    panel: panel && {
      heading: text(panel.querySelector('h2')),
      static: text(panel.querySelector('.next-static')),
      title: text(panel.querySelector('.next-title')),
      titleHref: slot('title') && slot('title').getAttribute('href'),
      programme: text(slot('programme')),
      yours: text(slot('yours')),
      yoursZone: text(slot('yours-zone')),
      reference: text(slot('reference-line')),
      join: !!slot('join'),
      ics: !!slot('ics'),
      recording: text(slot('recording')),
      recordingHref: slot('recording') && slot('recording').getAttribute('href'),
      recordingLang: slot('recording') && slot('recording').lang,
      links: [...panel.querySelectorAll('a')].map((a) => [text(a), a.getAttribute('href')]),
    },
    next: cardsWith('next'),
    now: cardsWith('now'),
    past: cardsWith('past'),
    cancelledOrPostponedMarked: [...document.querySelectorAll('.session-card.is-cancelled, .session-card.is-postponed')]
      .filter((card) => card.querySelector('.status-next, .status-past, .status-now')).map((card) => card.dataset.id),
    yourTimes: [...document.querySelectorAll('.session-card .your-time')].map(text),
    join: [...document.querySelectorAll('.actions .join a')].filter(visible).length,
    calendarLinks: [...document.querySelectorAll('article.session .actions a')].filter(visible).length,
    sessionState: state && visible(state) ? text(state) : null,
    localTime: visible(document.querySelector('.local-time')) ? text(document.querySelector('.local-time')) : null,
    yoursRows: [...document.querySelectorAll('.city-times tr.is-yours')].map((row) => [...row.children].map(text)),
    cityRows: [...document.querySelectorAll('.city-times tbody tr')].length,
    overflowX: document.documentElement.scrollWidth > window.innerWidth,
  };
}

async function run(browser, c) {
  const context = await browser.newContext({
    viewport: { width: c.width || 1280, height: 900 },
    timezoneId: c.timezoneId,
    javaScriptEnabled: c.javaScript !== false,
    locale: 'en-US',
  });
  const errors = [];
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(String(err.message || err)));
  // "Failed to load resource" is tests/browser/axe.mjs's business (it reports every broken request).
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  await page.clock.setFixedTime(new Date(c.time));
  const response = await page.goto(c.url, { waitUntil: 'load' });
  // With scripts off, evaluate() still runs (in an isolated world) but the page's own script never did.
  const seen = await page.evaluate(observe);
  let violations = [];
  if (c.axe) {
    await page.addScriptTag({ path: AXE_PATH });
    violations = await page.evaluate(async (tags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    }, TAGS);
  }
  if (c.screenshot) await page.screenshot({ path: c.screenshot, fullPage: c.fullPage !== false });
  await context.close();
  return { ...c, status: response ? response.status() : null, errors, violations, ...seen };
}

async function main() {
  let cases;
  try {
    ({ cases } = JSON.parse(readFileSync(0, 'utf8')));
  } catch (err) {
    die(`input is not JSON: ${err.message}`);
  }
  if (!Array.isArray(cases) || !cases.every((c) => c.url && c.time && c.timezoneId)) {
    die('expected {"cases": [{url, time, timezoneId, ...}]}');
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    // A few pages at a time, each in its own context (its own clock and zone).
    const out = new Array(cases.length);
    let taken = 0;
    const worker = async () => {
      while (taken < cases.length) {
        const index = taken++;
        out[index] = await run(browser, cases[index]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => die(err && err.stack ? err.stack : String(err)));
