// The screenshots in docs/: each page at 1280x800 in Debian's Chromium, with one
// unit selected, as a learner first sees it.
//
//   node screenshots.js OUT.png PAGE.html LAYER UNIT [OUT.png PAGE.html LAYER UNIT ...]
//
// docs/10-looking-inside.md gives the commands that write the pages.
'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { chromium } = require('playwright-core');

(async () => {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 4 !== 0) {
    console.error('usage: node screenshots.js OUT.png PAGE.html LAYER UNIT [...]');
    process.exit(2);
  }
  const browser = await chromium.launch({
    executablePath: execFileSync('sh', ['-c', 'command -v chromium']).toString().trim(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, offline: true });
  for (let i = 0; i < args.length; i += 4) {
    const [out, file, layer, unit] = args.slice(i, i + 4);
    const page = await context.newPage();
    await page.goto('file://' + path.resolve(file));
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('.unit[data-layer="' + layer + '"][data-unit="' + unit + '"]');
    await page.screenshot({ path: out });
    console.log('wrote', out);
    await page.close();
  }
  await browser.close();
})();
