// The page `dualpath explore` writes, checked in Debian's Chromium (driven by
// playwright-core, which downloads no browser), offline, from file://.
//
// For each of three pages (coffee, blobs, digits8x8) the test trains a model with
// `dualpath train ... --save model.json`, writes the page with
// `dualpath explore --model model.json --epochs N ...` (training on from the model, so
// that there is training to replay; one snapshot holds the model file's weights), and checks:
// - it loads with no console error, no uncaught exception and no request
//   other than its own file;
// - `#agreement` reports the page's own forward pass within the rounding bound
//   (data-worst-ratio <= 1) over at least one value;
// - clicking a unit shows, at the snapshot with the model file's weights,
//   the numbers `dualpath trace --model model.json --row R` prints for that unit;
// - a unit is selectable with the keyboard (focus, Enter);
// - moving the epoch slider (keyboard) moves the loss marker and changes the
//   output (the decision regions' pixels for two-feature data);
// - a weight slider changes the output, and reset brings it back.
//
// Environment: DUALPATH_BIN, the program (default $CARGO_TARGET_DIR/release/dualpath,
// else target/release/dualpath).

'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, process.env.DUALPATH_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || 'target', 'release', 'dualpath'));
if (!fs.existsSync(BIN)) {
  throw new Error('no program at ' + BIN + ': build it (cargo build --release) or set DUALPATH_BIN');
}

// Debian's Chromium, as docs/DESIGN.md says: whatever `command -v chromium` finds.
function chromiumPath() {
  const found = execFileSync('sh', ['-c', 'command -v chromium || true']).toString().trim();
  if (!found) throw new Error('no chromium on PATH: install Debian\'s (apt-get install chromium)');
  return found;
}

const PAGES = [
  {
    name: 'coffee',
    data: ['--data', 'coffee'],
    train: ['--normalize', '--repeat', '20', '--epochs', '2', '--validation-split', '0.2'],
    explore: ['--repeat', '5', '--epochs', '3'],
    trace: [],
    unit: { l: 0, j: 1 },
    two: true,
  },
  {
    name: 'blobs',
    data: ['--data', 'blobs'],
    train: ['--layers', '25:relu,15:relu,4:linear', '--loss', 'scce', '--from-logits', '--epochs', '3',
      '--validation-split', '0.2'],
    explore: ['--epochs', '3'],
    trace: ['--loss', 'scce', '--from-logits'],
    unit: { l: 1, j: 3 },
    two: true,
  },
  {
    name: 'digits',
    data: ['--data', 'digits8x8'],
    train: ['--layers', '25:relu,15:relu,10:linear', '--loss', 'scce', '--from-logits', '--epochs', '3',
      '--validation-split', '0.2'],
    explore: ['--epochs', '3'],
    trace: ['--loss', 'scce', '--from-logits'],
    unit: { l: 2, j: 4 },
    two: false,
  },
];

function run(args) {
  return execFileSync(BIN, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The trace's four numbers per quantity for one unit: {z: {loop, matrix, diff}, a, dz, db}. */
function traceUnit(text, l, j) {
  const lines = text.split('\n');
  const out = {};
  let section = null;
  let unit = null;
  for (const line of lines) {
    let m = line.match(/^(Forward|Backward), layer (\d+)/);
    if (m) { section = { dir: m[1], l: Number(m[2]) - 1 }; unit = null; continue; }
    m = line.match(/^\s+unit\s+(\d+):/);
    if (m) unit = Number(m[1]) - 1;
    if (!section || section.l !== l || unit !== j) continue;
    m = line.match(/\b(z|a|dz|db) = (?:.* = )?\s*(\S+)\s+matrix\s+(\S+)\s+diff\s+(\S+)\s*$/);
    if (m) out[m[1]] = { loop: m[2], matrix: m[3], diff: m[4] };
  }
  return out;
}

for (const spec of PAGES) {
  describe(spec.name + ' page', () => {
    let dir;
    let file;
    let browser;
    let page;
    let data;
    const problems = [];
    let loadMs;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dualpath-explore-'));
      const model = path.join(dir, 'model.json');
      file = path.join(dir, spec.name + '.html');
      run(['train', ...spec.data, ...spec.train, '--quiet', '--save', model]);
      run(['explore', '--model', model, ...spec.data, ...spec.trace, ...spec.explore, '--quiet', '--out', file]);
      spec.model = model;
      browser = await chromium.launch({
        executablePath: chromiumPath(),
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
          '--disable-component-update', '--no-first-run', '--disable-sync'],
      });
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, offline: true });
      page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push('console ' + m.type() + ': ' + m.text()); });
      page.on('pageerror', (e) => problems.push('uncaught: ' + e.message));
      page.on('requestfailed', (r) => problems.push('failed request: ' + r.url()));
      page.on('request', (r) => { if (r.url() !== 'file://' + file) problems.push('request: ' + r.url()); });
      const t0 = Date.now();
      await page.goto('file://' + file);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
      loadMs = Date.now() - t0;
      data = await page.evaluate(() => JSON.parse(document.getElementById('explore-data').textContent));
    });

    after(async () => {
      if (browser) await browser.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test('loads from file:// offline with no console error and no request', (t) => {
      const bytes = fs.statSync(file).size;
      t.diagnostic(spec.name + ': ' + (bytes / 1e6).toFixed(2) + ' MB, ready ' + loadMs + ' ms after navigation, ' + data.snapshots.length + ' snapshots');
      assert.deepEqual(problems, []);
      assert.equal(data.format, 'dualpath-explore 1');
    });

    test('#agreement: the page\'s forward pass within the bound of both Rust paths', async () => {
      const a = await page.$eval('#agreement', (e) => ({ worst: e.dataset.worstRatio, compared: e.dataset.compared, text: e.textContent }));
      const worst = Number(a.worst);
      assert.ok(a.worst !== '' && Number.isFinite(worst), 'data-worst-ratio is a number: ' + a.worst);
      assert.ok(worst <= 1, 'worst ratio ' + worst + ': ' + a.text);
      assert.ok(Number(a.compared) >= 1, 'compared ' + a.compared);
      assert.match(a.text, /within the rounding bound/);
    });

    test('clicking a unit shows the numbers dualpath trace prints for it', async () => {
      const { l, j } = spec.unit;
      // The snapshot that holds the model file's weights, which trace reads ("before
      // training" when explore trains on from the model, the only one when it shows it as it is).
      const saved = JSON.parse(fs.readFileSync(spec.model, 'utf8'));
      const weights = JSON.stringify(saved.layers.map((layer) => ({ w: layer.kernel, b: layer.bias })));
      const s = data.snapshots.findIndex((snap) => JSON.stringify(snap.params.map((p) => ({ w: p.w, b: p.b }))) === weights);
      assert.ok(s >= 0, 'a snapshot holds the model file\'s weights');
      await page.$eval('#epoch', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, String(s));
      assert.equal(await page.inputValue('#epoch'), String(s));
      assert.equal(await page.$eval('#unit-body', (b) => b.dataset.snapshot || null), null, 'no unit selected yet');
      const t = Math.min(1, data.trace_rows.length - 1);
      const row = data.trace_rows[t];
      await page.selectOption('#trace-row', String(t));
      await page.click('.unit[data-layer="' + l + '"][data-unit="' + j + '"]');
      const shown = await page.$$eval('#unit-body td[data-quantity]', (tds) => tds.map((td) => [td.dataset.quantity, td.dataset.path, td.textContent, td.dataset.k]));
      const panel = await page.$eval('#unit-body', (b) => [b.dataset.layer, b.dataset.unit, b.dataset.row, b.dataset.snapshot]);
      assert.deepEqual(panel, [String(l), String(j), String(row), String(s)]);
      const printed = traceUnit(run(['trace', '--model', spec.model, ...spec.data, ...spec.trace, '--row', String(row)]), l, j);
      assert.deepEqual(Object.keys(printed).sort(), ['a', 'db', 'dz', 'z'], 'trace printed z, a, dz, db for the unit');
      for (const q of ['z', 'a', 'dz', 'db']) {
        for (const p of ['loop', 'matrix', 'diff']) {
          const cell = shown.find((c) => c[0] === q && c[1] === p && c[3] === undefined);
          assert.ok(cell, 'the panel shows ' + q + ' on ' + p);
          assert.equal(cell[2], printed[q][p], q + ' (' + p + ') on the page and in dualpath trace');
        }
      }
    });

    test('a unit is selected with the keyboard: Tab to it, Enter', async () => {
      const target = page.locator('.unit[data-layer="0"][data-unit="0"]');
      await target.focus();
      await page.keyboard.press('Enter');
      assert.equal(await target.getAttribute('aria-pressed'), 'true');
      assert.equal(await page.$eval('#unit-body', (b) => b.dataset.layer + ',' + b.dataset.unit), '0,0');
    });

    test('the epoch slider moves the loss marker and changes the output', async () => {
      const look = () => page.evaluate(() => ({
        marker: document.getElementById('loss-marker').getAttribute('x1'),
        regions: document.getElementById('regions') ? document.getElementById('regions').toDataURL() : null,
        output: document.getElementById('output').dataset.values,
        label: document.getElementById('snapshot-label').textContent,
      }));
      await page.focus('#epoch');
      await page.keyboard.press('Home'); // the first snapshot: before training
      const first = await look();
      await page.keyboard.press('End'); // the last: after the last epoch
      const last = await look();
      assert.equal(await page.inputValue('#epoch'), String(data.snapshots.length - 1));
      assert.ok(Number(last.marker) > Number(first.marker), 'the loss marker moved right: ' + first.marker + ' → ' + last.marker);
      assert.notEqual(last.output, first.output, 'the output changed');
      assert.notEqual(last.label, first.label);
      if (spec.two) assert.notEqual(last.regions, first.regions, 'the decision regions changed');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.inputValue('#epoch'), String(data.snapshots.length - 2));
      await page.keyboard.press('Home');
      const back = await look();
      assert.equal(back.marker, first.marker);
      assert.equal(back.output, first.output);
      if (spec.two) assert.equal(back.regions, first.regions);
      await page.keyboard.press('End');
    });

    test('a weight slider changes the output; reset restores it', async () => {
      await page.click('.unit[data-layer="' + (data.layers.length - 1) + '"][data-unit="0"]');
      const output = () => page.$eval('#output', (o) => o.dataset.values);
      const regions = () => page.evaluate(() => (document.getElementById('regions') ? document.getElementById('regions').toDataURL() : null));
      const before = await output();
      const beforeRegions = await regions();
      await page.focus('#play-b');
      await page.keyboard.press('End'); // the bias to the slider's largest value
      const after = await output();
      assert.notEqual(after, before, 'the output follows the bias');
      assert.equal(await page.isVisible('#edited'), true);
      if (spec.two) assert.notEqual(await regions(), beforeRegions, 'the regions follow the bias');
      // The weight from the previous layer's most active unit at the selected point (a weight
      // from a unit whose activation is 0, a resting relu, changes nothing).
      const feeding = await page.$$eval('.unit[data-layer="' + (data.layers.length - 2) + '"]', (us) => us.map((u) => Math.abs(Number(u.dataset.a))));
      const k = feeding.indexOf(Math.max(...feeding));
      assert.ok(feeding[k] > 0, 'some unit feeds the output');
      await page.focus('#play-w-' + k);
      await page.keyboard.press('Home');
      assert.notEqual(await output(), after, 'the output follows a weight');
      await page.click('#reset');
      assert.equal(await output(), before, 'reset brings back the snapshot\'s output');
      assert.deepEqual(problems, [], 'no console error while playing');
    });
  });
}
