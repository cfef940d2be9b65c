#!/usr/bin/env node
// Layout measurements in headless Debian Chromium (playwright-core): what a phone, a
// visitor without scripts and a printer get. It measures and reports; the Python tests judge.
//
// Usage: echo '{"pages": [...], "menu": [...], "print": [...], "grid": [...], "today": [...]}' | node tests/browser/layout.mjs -
//   pages: URLs loaded at phone width (375 px), scripts on:        overflow: [{url, scrollWidth,
//          the document's width and the tables that need scrolling     clippedTables: [class…]}]
//   menu:  URLs loaded without scripts at 375 and 1280 px:         menu: [{url, width, summaryVisible,
//          the Menu summary clicked twice (phone)                     linksVisible: [closed, opened, closed again]}]
//          and, scripts on, at 375 px: the Menu opened, Escape,       menuScript: [{url, opened, afterEscape,
//          opened again, a click outside                                 focused, afterClickOutside}]
//   print: URLs loaded with print media emulated:                  print: [{url, joins: [{text, url, shown,
//          each join link's text (its ::after content included);        inPanel}], panel, headingBreakAfter,
//          computed page-break properties                               monthBreakInside}]
//   grid:  month-grid pages at 375 and 1280 px: each session's     grid: [{url, width, links: [{href, status,
//          colours, its day cell's, its time and whether it shows      background, border, cell, time, timeShown}],
//                                                                     weekdayDecorations}]
//   today: [{url, now, timezoneId}], loaded with the clock frozen   today: [{url, now, timezoneId,
//          at `now` in that zone: the days marked as today             marked: [date…], keyShown}]
// Prints one JSON object on stdout. Exit status: 0, or 2 for a usage or browser error.
//
// Environment: CHROMIUM (default /usr/bin/chromium).

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const PHONE = 375;
const WIDE = 1280;
const HEIGHT = 900;
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

function die(message) {
  process.stderr.write(`layout.mjs: ${message}\n`);
  process.exit(2);
}

async function withPage(browser, options, work) {
  const context = await browser.newContext({ viewport: { width: PHONE, height: HEIGHT }, ...options });
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

async function overflow(browser, urls) {
  return withPage(browser, {}, async (page) => {
    const out = [];
    for (const url of urls) {
      await page.goto(url, { waitUntil: 'load' });
      out.push({
        url,
        ...(await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          // Tables whose frame cuts them off: their rows would have to be scrolled sideways.
          clippedTables: [...document.querySelectorAll('.table-scroll')]
            .filter((el) => el.scrollWidth > el.clientWidth)
            .map((el) => el.querySelector('table').className || 'table'),
        }))),
      });
    }
    return out;
  });
}

async function menu(browser, urls) {
  return withPage(browser, { javaScriptEnabled: false }, async (page) => {
    const out = [];
    const links = () => page.locator('.main-nav a').evaluateAll(
      (as) => as.filter((a) => a.checkVisibility() && a.getBoundingClientRect().height > 0).length,
    );
    for (const width of [PHONE, WIDE]) {
      await page.setViewportSize({ width, height: HEIGHT });
      for (const url of urls) {
        await page.goto(url, { waitUntil: 'load' });
        const summary = page.locator('.menu > summary');
        const entry = { url, width, summaryVisible: await summary.isVisible(), linksVisible: [await links()] };
        if (entry.summaryVisible) {
          for (let i = 0; i < 2; i++) {
            await summary.click();
            entry.linksVisible.push(await links());
          }
        }
        out.push(entry);
      }
    }
    return out;
  });
}

// With scripts on, at phone width: the opened Menu closes on Escape (focus back on the button)
// and on a click outside it.
async function menuScript(browser, urls) {
  return withPage(browser, {}, async (page) => {
    const out = [];
    const summary = page.locator('.menu > summary');
    const isOpen = () => page.locator('details.menu').evaluate((d) => d.open);
    for (const url of urls) {
      await page.goto(url, { waitUntil: 'load' });
      await summary.click();
      const opened = await isOpen();
      await page.keyboard.press('Escape');
      const afterEscape = await isOpen();
      const focused = await summary.evaluate((s) => document.activeElement === s);
      await summary.click();
      await page.locator('.site-footer').click({ position: { x: 5, y: 5 } });  // its padding: no link there
      out.push({ url, opened, afterEscape, focused, afterClickOutside: await isOpen() });
    }
    return out;
  });
}

async function print(browser, urls) {
  return withPage(browser, { viewport: { width: WIDE, height: HEIGHT } }, async (page) => {
    const out = [];
    await page.emulateMedia({ media: 'print' });
    // Before every session: once a session is over, site.js takes its join link away.
    await page.clock.setFixedTime(new Date('2000-01-01T00:00:00Z'));
    for (const url of urls) {
      await page.goto(url, { waitUntil: 'load' });
      out.push({
        url,
        ...(await page.evaluate(() => {
          const printed = (a) => {
            const after = getComputedStyle(a, '::after').content;
            return a.innerText + (/^(none|normal)$/.test(after) ? '' : after.replace(/^"|"$/g, ''));
          };
          const values = (selector, property) => [...document.querySelectorAll(selector)]
            .map((el) => getComputedStyle(el)[property]);
          return {
            joins: [...document.querySelectorAll('.join a[href]')].map((a) => ({
              text: printed(a), url: a.href, shown: a.checkVisibility(), inPanel: !!a.closest('.next-session'),
            })),
            panel: !!document.querySelector('.next-session'),
            headingBreakAfter: values('main h1, main h2, main h3', 'breakAfter'),
            monthBreakInside: values('.month-grid', 'breakInside'),
          };
        })),
      });
    }
    return out;
  });
}

// Every session in a month grid: the colours that set it apart from its day cell, its visible text.
function gridLinks() {
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (!/^rgba\(.*,\s*0\)$|^transparent$/.test(bg)) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('.month-grid td a')].map((a) => {
    const style = getComputedStyle(a);
    return {
      href: a.getAttribute('href'),
      status: a.className.match(/\bis-(\w+)/)[1],
      background: opaque(a),
      border: style.borderTopStyle === 'none' ? null : style.borderTopColor,
      cell: opaque(a.closest('td')),
      time: a.querySelector('.cell-time') ? a.querySelector('.cell-time').textContent : null,
      timeShown: Boolean(a.querySelector('.cell-time') && a.querySelector('.cell-time').checkVisibility()),
    };
  });
}

async function grid(browser, urls) {
  return withPage(browser, {}, async (page) => {
    const out = [];
    for (const width of [PHONE, WIDE]) {
      await page.setViewportSize({ width, height: HEIGHT });
      for (const url of urls) {
        await page.goto(url, { waitUntil: 'load' });
        out.push({
          url,
          width,
          links: await page.evaluate(gridLinks),
          weekdayDecorations: await page.locator('.month-grid th abbr').evaluateAll(
            (abbrs) => [...new Set(abbrs.map((el) => getComputedStyle(el).textDecorationLine))],
          ),
        });
      }
    }
    return out;
  });
}

async function today(browser, cases) {
  const out = [];
  for (const { url, now, timezoneId } of cases) {
    out.push(await withPage(browser, { timezoneId }, async (page) => {
      await page.clock.setFixedTime(new Date(now));
      await page.goto(url, { waitUntil: 'load' });
      return {
        url,
        now,
        timezoneId,
        marked: await page.locator('.month-grid [aria-current="date"]').evaluateAll(
          (cells) => cells.map((c) => c.dataset.date),
        ),
        keyShown: await page.locator('.legend-today').isVisible(),
      };
    }));
  }
  return out;
}

async function main() {
  let input;
  try {
    input = JSON.parse(readFileSync(process.argv[2] === undefined || process.argv[2] === '-' ? 0 : process.argv[2], 'utf8'));
  } catch (err) {
    die(`input is not JSON: ${err.message}`);
  }
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: LAUNCH_ARGS });
  } catch (err) {
    die(`cannot start Chromium: ${err.message}`);
  }
  try {
    const [o, m, s, p, g, d] = await Promise.all([
      overflow(browser, input.pages || []),
      menu(browser, input.menu || []),
      menuScript(browser, input.menu || []),
      print(browser, input.print || []),
      grid(browser, input.grid || []),
      today(browser, input.today || []),
    ]);
    process.stdout.write(`${JSON.stringify({ overflow: o, menu: m, menuScript: s, print: p, grid: g, today: d }, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => die(err && err.stack ? err.stack : String(err)));
