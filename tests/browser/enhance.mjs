#!/usr/bin/env node
// What site.js adds, in headless Chromium with the clock frozen: the copy button beside a
// calendar's address, and recordings and materials shown only once their session is over.
//
// Usage: node tests/browser/enhance.mjs -   with on stdin
//   {"cases": [{"url": "http://127.0.0.1:8000/en/calendar/", "now": "2021-10-28T16:00:00Z", "timezoneId": "Asia/Yangon"}]}
// Prints a JSON array, one entry per case:
//   {url, now, afterHidden: [true|false per .after-session element], copyButtons, copied, status, errors: [text...]}
// where `copied` is the clipboard's text after clicking the first copy button (null without one).
// Environment: CHROMIUM (default /usr/bin/chromium).

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const request = JSON.parse(readFileSync(0, 'utf8'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const results = [];
try {
  for (const { url, now, timezoneId } of request.cases) {
    const context = await browser.newContext({ timezoneId, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    await page.clock.setFixedTime(new Date(now));
    await page.goto(url, { waitUntil: 'load' });
    const afterHidden = await page.$$eval('.after-session', (els) => els.map((el) => el.hidden));
    const buttons = page.locator('.feed-address button');
    const copyButtons = await buttons.count();
    let copied = null, status = null;
    if (copyButtons) {
      await buttons.first().click();
      await page.waitForFunction(() => document.querySelector('.feed-address [role=status]').textContent !== '');
      copied = await page.evaluate(() => navigator.clipboard.readText());
      status = await page.locator('.feed-address [role=status]').first().textContent();
    }
    results.push({ url, now, afterHidden, copyButtons, copied, status, errors });
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
