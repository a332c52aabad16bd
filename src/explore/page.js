// The page of `dualpath explore`: reads the data the program embedded
// (format "dualpath-explore 1"), draws the network, replays training, shows
// one unit's arithmetic on the two Rust paths, and runs a third path of its
// own: the forward pass in float64 JavaScript, written to read like
// `src/paths/matrix.rs`. Plain JavaScript, no library, nothing from the network.
(function () {
  'use strict';

  const D = JSON.parse(document.getElementById('explore-data').textContent);
  const $ = (id) => document.getElementById(id);
  // SVG's namespace, from the HTML parser itself (an <svg> parsed in HTML lands in it).
  const SVG = (() => { const d = document.createElement('div'); d.innerHTML = '<svg></svg>'; return d.firstChild.namespaceURI; })();
  const L = D.layers.length;
  const LAST = L - 1;
  const N_IN = D.n_in;
  const ROWS = D.x.length;
  const TWO = N_IN === 2 && !D.image;
  const IMAGE = !!D.image;
  const GRID = 100; // heat maps: GRID × GRID points over the input plane
  // Colour-blind-safe colours: a blue/orange diverging scale (as ColorBrewer's
  // PuOr and TensorFlow Playground use) and Okabe & Ito's qualitative palette.
  const BLUE = [33, 102, 172];
  const ORANGE = [230, 97, 1];
  const WHITE = [247, 247, 247];
  const CLASS_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9',
    '#D55E00', '#F0E442', '#332288', '#999999', '#882255', '#117733', '#44AA99'];

  // ---------------------------------------------------------------------
  // The third path: the forward pass as `src/paths/matrix.rs` writes it.
  // A batch is a Float64Array in row-major order: row i, column j at i*cols + j.

  /** `σ(z)` as `src/nn/activation.rs` computes it: `e = e^{-|z|}`, then `1/(1+e)` or `e/(1+e)`. */
  function sigmoid(z) {
    const e = Math.exp(-Math.abs(z));
    return (z >= 0 ? 1 : e) / (1 + e);
  }

  /** `A = g(Z)` over a whole (m, units) batch; softmax row by row. */
  function activate(g, z, a, m, units) {
    if (g === 'softmax') {
      for (let i = 0; i < m; i++) {
        const row = i * units;
        let max = -Infinity;
        for (let j = 0; j < units; j++) max = Math.max(max, z[row + j]);
        let sum = 0;
        for (let j = 0; j < units; j++) {
          a[row + j] = Math.exp(z[row + j] - max); // e_k = exp(z_k - m)
          sum += a[row + j];
        }
        for (let j = 0; j < units; j++) a[row + j] /= sum; // a_k = e_k / Σ e
      }
      return;
    }
    for (let i = 0; i < z.length; i++) {
      const v = z[i];
      a[i] = g === 'relu' ? Math.max(0, v) : g === 'sigmoid' ? sigmoid(v) : g === 'tanh' ? Math.tanh(v) : v;
    }
  }

  /** One dense layer forward for the whole batch: `Z = A_in·W + B`, `A = g(Z)`. */
  function denseForward(aIn, m, nIn, layer, g) {
    const units = layer.b.length;
    const z = new Float64Array(m * units);
    const a = new Float64Array(m * units);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < units; j++) {
        let s = 0;
        for (let k = 0; k < nIn; k++) s += aIn[i * nIn + k] * layer.w[k][j]; // A_in·W: (m, n_in)·(n_in, units)
        z[i * units + j] = s + layer.b[j]; // + B: b_j down column j
      }
    }
    activate(g, z, a, m, units); // A = g(Z), (m, units)
    return { z: z, a: a };
  }

  /** The whole network forward: one {z, a} per layer. */
  function forward(params, x, m) {
    const out = [];
    let aIn = x;
    let nIn = N_IN;
    for (let l = 0; l < L; l++) {
      const layer = denseForward(aIn, m, nIn, params[l], D.layers[l].activation);
      out.push(layer);
      aIn = layer.a;
      nIn = params[l].b.length;
    }
    return out;
  }

  /** The network's input for a row in original units: `(x - mean) / std` when the data is normalised. */
  function networkInput(rows) {
    const x = new Float64Array(rows.length * N_IN);
    const norm = D.normalization;
    rows.forEach((row, i) => {
      for (let k = 0; k < N_IN; k++) {
        x[i * N_IN + k] = norm ? (row[k] - norm.mean[k]) / norm.std[k] : row[k];
      }
    });
    return x;
  }

  /** The output as probabilities (binary: P(1); multiclass: one per class), or the values (regression). */
  function outputValues(layers, i) {
    const units = D.layers[LAST].units;
    const z = layers[LAST].z.subarray(i * units, (i + 1) * units);
    const a = layers[LAST].a.subarray(i * units, (i + 1) * units);
    const g = D.layers[LAST].activation;
    if (D.kind === 'binary') return [g === 'linear' ? sigmoid(z[0]) : a[0]];
    if (D.kind === 'multiclass') {
      if (g === 'softmax') return Array.from(a);
      const p = new Float64Array(units);
      activate('softmax', z, p, 1, units);
      return Array.from(p);
    }
    return Array.from(a);
  }

  function predictedClass(values) {
    if (D.kind === 'binary') return values[0] >= 0.5 ? 1 : 0;
    let best = 0;
    values.forEach((v, c) => { if (v > values[best]) best = c; });
    return best;
  }

  function trueClass(r) {
    const y = D.y[r];
    if (y.length === 1) return Math.round(y[0]);
    let best = 0;
    y.forEach((v, c) => { if (v > y[best]) best = c; });
    return best;
  }

  const className = (c) => (D.classes ? D.classes[c] : String(c));

  // ---------------------------------------------------------------------
  // Numbers as `dualpath trace` prints them: `{:.6e}` and `{:.1e}` (Rust writes `e0`, not `e+0`).
  const fmt6 = (v) => v.toExponential(6).replace('e+', 'e');
  const fmt1 = (v) => v.toExponential(1).replace('e+', 'e');
  const short = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2).replace('e+', 'e') : v.toFixed(3));
  const signed = (v) => (v < 0 ? '(' + v.toFixed(3) + ')' : v.toFixed(3));

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    if (attrs) Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
    return e;
  }

  /** The diverging scale: t in [-1, 1], orange for negative, blue for positive, near-white at 0. */
  function diverging(t) {
    t = Math.max(-1, Math.min(1, t));
    const end = t < 0 ? ORANGE : BLUE;
    const u = Math.abs(t);
    return [0, 1, 2].map((c) => Math.round(WHITE[c] + (end[c] - WHITE[c]) * u));
  }
  const rgb = (c) => 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')';
  function hexRgb(h) {
    return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  }

  // ---------------------------------------------------------------------
  // State.
  const snapshots = D.snapshots;
  const copyParams = (p) => p.map((layer) => ({ w: layer.w.map((r) => r.slice()), b: layer.b.slice() }));
  const state = {
    s: snapshots.length - 1,
    params: null,
    edited: false,
    unit: null, // {l, j}
    t: 0, // index into trace_rows
    point: null, // the selected input point, original units
    row: null, // the row the point comes from, if any
    playing: null,
  };

  // The data's range per feature, for sliders and the heat maps' plane.
  const lo = [];
  const hi = [];
  for (let k = 0; k < N_IN; k++) {
    let a = Infinity;
    let b = -Infinity;
    D.x.forEach((r) => { a = Math.min(a, r[k]); b = Math.max(b, r[k]); });
    if (!(b > a)) { a -= 1; b += 1; }
    const pad = (b - a) * 0.05;
    lo.push(a - pad);
    hi.push(b + pad);
  }

  // The plane's grid points (row-major from the top: y decreases down the canvas).
  let gridInput = null;
  if (TWO) {
    const pts = [];
    for (let gy = 0; gy < GRID; gy++) {
      for (let gx = 0; gx < GRID; gx++) {
        pts.push([lo[0] + (hi[0] - lo[0]) * (gx + 0.5) / GRID, hi[1] - (hi[1] - lo[1]) * (gy + 0.5) / GRID]);
      }
    }
    gridInput = networkInput(pts);
  }
  const allInput = IMAGE || D.kind !== 'regression' ? networkInput(D.x) : null;

  // ---------------------------------------------------------------------
  // The agreement check: the page's own forward pass against both Rust paths at every snapshot.
  function checkAgreement() {
    const rows = D.check_rows.map((r) => D.x[r]);
    const x = networkInput(rows);
    let worst = 0;
    let compared = 0;
    let worstAt = null;
    let over = 0;
    const perSnapshot = [];
    snapshots.forEach((snap, s) => {
      const layers = forward(snap.params, x, rows.length);
      let snapWorst = 0;
      for (let l = 0; l < L; l++) {
        const mine = layers[l].a;
        const c = snap.check[l];
        for (let i = 0; i < mine.length; i++) {
          const d = Math.max(Math.abs(mine[i] - c.loop[i]), Math.abs(mine[i] - c.matrix[i]));
          const ratio = d === 0 ? 0 : d / c.bound[i];
          compared++;
          if (ratio > 1) over++;
          if (ratio > snapWorst) snapWorst = ratio;
          if (ratio > worst) { worst = ratio; worstAt = { s: s, l: l, i: i }; }
        }
      }
      perSnapshot.push(snapWorst);
    });
    return { worst: worst, compared: compared, worstAt: worstAt, over: over, perSnapshot: perSnapshot };
  }

  function showAgreement(c) {
    const box = $('agreement');
    box.setAttribute('data-worst-ratio', String(c.worst));
    box.setAttribute('data-compared', String(c.compared));
    box.className = c.worst <= 1 ? 'agree' : 'disagree';
    box.textContent = '';
    box.appendChild(el('h2', null, 'A third path'));
    let sentence;
    if (c.compared === 0) {
      sentence = 'No activations were recorded to compare.';
    } else if (c.worst <= 1) {
      sentence = 'This page computes the forward pass itself, in float64 JavaScript, and compared its activations ' +
        'with both Rust paths\' ' + (snapshots.length === 1 ? 'at its one snapshot' : 'at all ' + snapshots.length + ' snapshots') + ': ' + c.compared + ' values over ' +
        D.check_rows.length + ' rows. Every difference is within the rounding bound; the worst is ' +
        c.worst.toFixed(3) + ' of it.';
    } else {
      const w = c.worstAt;
      sentence = 'This page\'s own forward pass does NOT stay within the rounding bound: ' + c.over + ' of ' +
        c.compared + ' values differ by more, the worst by ' + c.worst.toExponential(2) + ' times the bound (' +
        snapshots[w.s].label + ', layer ' + (w.l + 1) + ', row ' + D.check_rows[Math.floor(w.i / D.layers[w.l].units)] +
        ', unit ' + (w.i % D.layers[w.l].units + 1) + ').';
    }
    box.appendChild(el('p', null, sentence));
  }

  // ---------------------------------------------------------------------
  // The header.
  function header() {
    $('title').textContent = D.title;
    const parts = [D.source, D.layers.length + ' layers (' + N_IN + ' → ' + D.layers.map((l) => l.units + ' ' + l.activation).join(' → ') + ')',
      'loss ' + D.loss.keras, 'rows 0–' + (D.train_rows - 1) + ' trained on' + (D.train_rows < ROWS ? ', rows ' + D.train_rows + '–' + (ROWS - 1) + ' for validation' : ''),
      D.epochs === 0 ? 'no training on this page: the weights as they were given' : D.epochs + ' epochs' + (D.repeat > 1 ? ' (training rows repeated ×' + D.repeat + ' per epoch)' : ''),
      'snapshots from the ' + (D.lead_path === 'matrix' ? 'matrix' : 'loop') + ' path\'s run'];
    $('about').textContent = parts.join(' · ');
    $('about').appendChild(el('br'));
    // The program's own path (as the shell gave it) says nothing to the reader: show its name.
    $('about').appendChild(el('code', null, D.command.replace(/^\S*\/(dualpath)(?=\s|$)/, '$1')));
    if (D.thinned) {
      const t = $('thinned');
      t.hidden = false;
      t.textContent = 'Thinned: the run had ' + D.thinned.epochs + ' epochs; this page keeps the snapshots of ' +
        D.thinned.kept + ' of them, so the slider jumps between the epochs kept. The loss curves have every epoch.';
    }
  }

  // ---------------------------------------------------------------------
  // The network, drawn as the course draws it: inputs on the left, each layer a column of units.
  const unitEls = []; // [l][j] → button
  const unitCanvases = []; // [l][j] → canvas (two features, or image weights in layer 0)
  const unitBars = []; // [l][j] → bar element
  const edgeEls = []; // [l][k][j] → line
  let inputImage = null;

  function buildNetwork() {
    const box = $('network');
    const maxUnits = Math.max(TWO ? 2 : IMAGE ? 1 : Math.min(N_IN, 32), ...D.layers.map((l) => l.units));
    const H = Math.max(260, Math.min(640, maxUnits * 27 + 10));
    const W = 490;
    const size = Math.max(14, Math.min(44, Math.floor((H - 10) / maxUnits) - 4));
    box.style.height = H + 'px';
    box.style.width = W + 'px';
    const svg = svgEl('svg', { width: W, height: H, class: 'edges', 'aria-hidden': 'true' });
    box.appendChild(svg);
    const cols = L + 1;
    const left = IMAGE ? 40 : 78;
    const colX = (c) => left + (W - left - 40) * c / (cols - 1);
    const centres = [];
    // Inputs.
    const inCentres = [];
    if (IMAGE) {
      const wrap = el('div', { class: 'input-node image-input', title: 'the selected image' });
      inputImage = el('canvas', { width: D.image.width, height: D.image.height, id: 'input-image' });
      wrap.appendChild(inputImage);
      wrap.appendChild(el('span', { class: 'node-label' }, N_IN + ' pixels'));
      wrap.style.left = (colX(0) - 32) + 'px';
      wrap.style.top = (H / 2 - 40) + 'px';
      box.appendChild(wrap);
      inCentres.push([colX(0) + 32, H / 2 - 8]);
    } else {
      const shown = Math.min(N_IN, 32);
      const step = (H - 10) / shown;
      for (let k = 0; k < shown; k++) {
        const y = 5 + step * (k + 0.5);
        const node = el('div', { class: 'input-node', 'data-input': k, 'aria-label': D.features[k], title: D.features[k] });
        node.style.left = (colX(0) - size / 2) + 'px';
        node.style.top = (y - size / 2) + 'px';
        node.style.width = size + 'px';
        node.style.height = size + 'px';
        if (TWO) {
          const c = el('canvas', { width: GRID, height: GRID });
          node.appendChild(c);
          node.appendChild(el('span', { class: 'node-label' }, D.features[k]));
          inputMaps.push(c);
        } else {
          const bar = el('span', { class: 'bar' });
          node.appendChild(bar);
          node.appendChild(el('span', { class: 'node-label' }, D.features[k]));
          inputBars.push(bar);
        }
        box.appendChild(node);
        inCentres.push([colX(0), y]);
      }
      if (N_IN > shown) box.appendChild(el('p', { class: 'small more' }, '… ' + (N_IN - shown) + ' more inputs'));
    }
    centres.push(inCentres);
    // Units.
    for (let l = 0; l < L; l++) {
      const units = D.layers[l].units;
      const step = (H - 10) / units;
      const cs = [];
      unitEls.push([]);
      unitCanvases.push([]);
      unitBars.push([]);
      for (let j = 0; j < units; j++) {
        const y = 5 + step * (j + 0.5);
        const b = el('button', {
          type: 'button', class: 'unit', 'data-layer': l, 'data-unit': j,
          'aria-pressed': 'false', 'aria-label': 'layer ' + (l + 1) + ', unit ' + (j + 1),
        });
        b.style.left = (colX(l + 1) - size / 2) + 'px';
        b.style.top = (y - size / 2) + 'px';
        b.style.width = size + 'px';
        b.style.height = size + 'px';
        if (TWO) {
          const c = el('canvas', { width: GRID, height: GRID });
          b.appendChild(c);
          unitCanvases[l].push(c);
        } else if (IMAGE && l === 0) {
          const c = el('canvas', { width: D.image.width, height: D.image.height });
          b.appendChild(c);
          unitCanvases[l].push(c);
        } else {
          const bar = el('span', { class: 'bar' });
          b.appendChild(bar);
          unitBars[l].push(bar);
        }
        b.addEventListener('click', () => selectUnit(l, j));
        box.appendChild(b);
        if (l === LAST) {
          const name = D.kind === 'multiclass' ? className(j) : D.targets[j] || '';
          const lab = el('span', { class: 'out-label' }, name);
          lab.style.left = (colX(l + 1) + size / 2 + 4) + 'px';
          lab.style.top = (y - 8) + 'px';
          box.appendChild(lab);
        }
        unitEls[l].push(b);
        cs.push([colX(l + 1), y]);
      }
      centres.push(cs);
      box.appendChild(Object.assign(el('span', { class: 'col-label' }, 'layer ' + (l + 1) + (l === LAST ? ' (output)' : '')), {
        style: 'left:' + (colX(l + 1) - 40) + 'px',
      }));
    }
    // Edges, drawn once; their colours follow the weights.
    for (let l = 0; l < L; l++) {
      edgeEls.push([]);
      const from = centres[l];
      const to = centres[l + 1];
      const nIn = IMAGE && l === 0 ? 1 : from.length;
      for (let k = 0; k < nIn; k++) {
        edgeEls[l].push([]);
        for (let j = 0; j < to.length; j++) {
          const line = svgEl('line', {
            x1: from[k][0] + (IMAGE && l === 0 ? 0 : size / 2), y1: from[k][1],
            x2: to[j][0] - size / 2, y2: to[j][1],
          });
          svg.appendChild(line);
          edgeEls[l][k].push(line);
        }
      }
    }
    const legend = $('map-legend');
    if (TWO) legend.textContent = 'Each square: that unit\'s activation over the input plane (' + D.features[0] + ' across, ' + D.features[1] + ' up); blue high, orange low (or negative).';
    else if (IMAGE) legend.textContent = 'Layer 1\'s squares: each unit\'s weights as an image, what the unit looks for (blue positive, orange negative). Bars: activations for the selected image.';
    else legend.textContent = 'Bars: each unit\'s activation for the selected example (blue positive, orange negative).';
  }
  const inputMaps = [];
  const inputBars = [];

  function drawEdges(params) {
    for (let l = 0; l < L; l++) {
      let max = 0;
      params[l].w.forEach((r) => r.forEach((v) => { max = Math.max(max, Math.abs(v)); }));
      const lines = edgeEls[l];
      for (let k = 0; k < lines.length; k++) {
        for (let j = 0; j < lines[k].length; j++) {
          let w;
          if (IMAGE && l === 0) {
            // One line per unit from the image: the mean of its weights.
            let s = 0;
            for (let kk = 0; kk < N_IN; kk++) s += params[0].w[kk][j];
            w = s / N_IN;
          } else {
            w = params[l].w[k][j];
          }
          const u = max > 0 ? Math.abs(w) / max : 0;
          const line = lines[k][j];
          line.setAttribute('stroke', rgb(w < 0 ? ORANGE : BLUE));
          line.setAttribute('stroke-width', (0.3 + 3 * u).toFixed(2));
          line.setAttribute('stroke-opacity', (0.12 + 0.75 * u).toFixed(2));
        }
      }
    }
  }

  /** The scale of a unit's heat map: (value → t in [-1, 1]). */
  function scaleFor(g, values) {
    if (g === 'sigmoid' || g === 'softmax') return (v) => 2 * v - 1;
    if (g === 'tanh') return (v) => v;
    let max = 0;
    for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
    return max > 0 ? (v) => v / max : () => 0;
  }

  function paint(canvas, n, valueAt, colourAt) {
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(canvas.width, canvas.height);
    for (let i = 0; i < n; i++) {
      const c = colourAt(valueAt(i));
      img.data[4 * i] = c[0];
      img.data[4 * i + 1] = c[1];
      img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  function drawUnitMaps(gridLayers) {
    const n = GRID * GRID;
    if (inputMaps.length) {
      for (let k = 0; k < 2; k++) {
        paint(inputMaps[k], n, (i) => gridInput[i * 2 + k], (v) => diverging(v / 2));
      }
    }
    for (let l = 0; l < L; l++) {
      const units = D.layers[l].units;
      const a = gridLayers[l].a;
      for (let j = 0; j < units; j++) {
        const col = new Float64Array(n);
        for (let i = 0; i < n; i++) col[i] = a[i * units + j];
        const t = scaleFor(D.layers[l].activation, col);
        paint(unitCanvases[l][j], n, (i) => col[i], (v) => diverging(t(v)));
      }
    }
  }

  function drawWeightImages(params) {
    // Each unit on its own scale: its largest |w| is full colour, so its pattern shows.
    for (let j = 0; j < D.layers[0].units; j++) {
      let max = 0;
      params[0].w.forEach((r) => { max = Math.max(max, Math.abs(r[j])); });
      paint(unitCanvases[0][j], N_IN, (k) => params[0].w[k][j], (v) => diverging(max > 0 ? v / max : 0));
      paint(weightImages[j], N_IN, (k) => params[0].w[k][j], (v) => diverging(max > 0 ? v / max : 0));
    }
  }

  function drawBars(pointLayers, xin) {
    inputBars.forEach((bar, k) => setBar(bar, xin[k], 3));
    for (let l = 0; l < L; l++) {
      if (!unitBars[l].length) continue;
      const a = pointLayers[l].a;
      let max = 0;
      for (let j = 0; j < a.length; j++) max = Math.max(max, Math.abs(a[j]));
      const g = D.layers[l].activation;
      const scale = g === 'sigmoid' || g === 'softmax' || g === 'tanh' ? 1 : max || 1;
      unitBars[l].forEach((bar, j) => setBar(bar, a[j], scale));
    }
  }
  function setBar(bar, v, scale) {
    const u = Math.min(1, Math.abs(v) / scale);
    bar.style.height = (100 * u).toFixed(1) + '%';
    bar.style.background = rgb(v < 0 ? ORANGE : BLUE);
    bar.parentNode.title = (bar.parentNode.getAttribute('aria-label') || '') + ': ' + short(v);
  }

  // ---------------------------------------------------------------------
  // The output: decision regions with the data, one map per class, the selected point's probabilities.
  let regions = null;
  let pointsLayer = null;
  const classMaps = [];
  let imageBig = null;
  const weightImages = [];

  function buildOutput() {
    const box = $('output-views');
    if (TWO) {
      const wrap = el('div', { class: 'regions-wrap' + (D.kind === 'multiclass' ? ' beside' : '') });
      regions = el('canvas', { id: 'regions', width: GRID, height: GRID, 'aria-label': 'decision regions' });
      pointsLayer = el('canvas', { id: 'points', width: 520, height: 520 });
      wrap.appendChild(regions);
      wrap.appendChild(pointsLayer);
      box.appendChild(wrap);
      pointsLayer.addEventListener('click', (ev) => {
        const r = pointsLayer.getBoundingClientRect();
        const fx = (ev.clientX - r.left) / r.width;
        const fy = (ev.clientY - r.top) / r.height;
        setPoint([lo[0] + (hi[0] - lo[0]) * fx, hi[1] - (hi[1] - lo[1]) * fy], null);
      });
      const note = el('p', { class: 'small regions-note' }, D.kind === 'binary'
        ? 'Colour: P(' + D.targets[0] + ' = 1), blue near 1, orange near 0. × label 1, ○ label 0 (as the coffee lab marks them); ◇ around a mark: a validation row; ◎ the selected point. Click to move it.'
        : (D.kind === 'multiclass' ? 'Colour: the predicted class, paler where the network is less sure. ' : 'Colour: the predicted value. ') +
        '● training rows, ◆ validation rows (colour: their label); ◎ the selected point. Click to move it.');
      $('output-heading').textContent = 'The output over the input plane';
      if (D.kind === 'multiclass') {
        const row = el('div', { class: 'class-maps' });
        for (let c = 0; c < D.layers[LAST].units; c++) {
          const f = el('figure');
          const cv = el('canvas', { width: GRID, height: GRID, id: 'class-map-' + c });
          f.appendChild(cv);
          f.appendChild(el('figcaption', null, 'P(' + className(c) + ')'));
          row.appendChild(f);
          classMaps.push(cv);
        }
        box.appendChild(row);
      }
      box.appendChild(note);
    } else if (IMAGE) {
      $('output-heading').textContent = 'The selected image';
      imageBig = el('canvas', { id: 'image', width: D.image.width, height: D.image.height });
      box.appendChild(imageBig);
      box.appendChild(el('p', { class: 'small' }, 'Below: what each unit of layer 1 looks for, its ' + N_IN + ' weights drawn as an image (blue positive, orange negative, each unit on its own scale). Click one to select the unit.'));
      const grid = el('div', { class: 'unit-images', id: 'unit-images' });
      for (let j = 0; j < D.layers[0].units; j++) {
        const b = el('button', { type: 'button', 'data-weights-unit': j, 'aria-label': 'layer 1, unit ' + (j + 1) + ': its weights as an image', title: 'layer 1, unit ' + (j + 1) });
        const c = el('canvas', { width: D.image.width, height: D.image.height });
        b.appendChild(c);
        b.addEventListener('click', () => selectUnit(0, j));
        grid.appendChild(b);
        weightImages.push(c);
      }
      box.appendChild(grid);
    }
  }

  const pointColour = (r) => (D.kind === 'multiclass' ? CLASS_COLOURS[trueClass(r) % CLASS_COLOURS.length] : D.kind === 'binary' ? rgb(trueClass(r) ? BLUE : ORANGE) : '#444');

  function drawPoints() {
    const ctx = pointsLayer.getContext('2d');
    const W = pointsLayer.width;
    const H = pointsLayer.height;
    ctx.clearRect(0, 0, W, H);
    const px = (v) => (v[0] - lo[0]) / (hi[0] - lo[0]) * W;
    const py = (v) => (hi[1] - v[1]) / (hi[1] - lo[1]) * H;
    if (D.kind === 'binary') {
      // As the coffee lab marks them: × for label 1, ○ for label 0, black on a white halo;
      // a validation row gets a diamond around its mark.
      const mark = (x, y, one, val) => {
        ctx.beginPath();
        if (one) {
          ctx.moveTo(x - 4.5, y - 4.5); ctx.lineTo(x + 4.5, y + 4.5);
          ctx.moveTo(x + 4.5, y - 4.5); ctx.lineTo(x - 4.5, y + 4.5);
        } else {
          ctx.arc(x, y, 4.2, 0, 2 * Math.PI);
        }
        if (val) {
          ctx.moveTo(x, y - 9); ctx.lineTo(x + 9, y); ctx.lineTo(x, y + 9); ctx.lineTo(x - 9, y); ctx.closePath();
        }
      };
      D.x.forEach((v, r) => {
        const args = [px(v), py(v), trueClass(r) === 1, r >= D.train_rows];
        mark(...args);
        ctx.lineWidth = 4;
        ctx.strokeStyle = 'rgba(255,255,255,0.85)';
        ctx.stroke();
        mark(...args);
        ctx.lineWidth = 1.6;
        ctx.strokeStyle = '#000';
        ctx.stroke();
      });
    }
    D.x.forEach((v, r) => {
      if (D.kind === 'binary') return;
      ctx.beginPath();
      const x = px(v);
      const y = py(v);
      if (r < D.train_rows) {
        ctx.arc(x, y, 4.4, 0, 2 * Math.PI);
      } else {
        ctx.moveTo(x, y - 6.5); ctx.lineTo(x + 6.5, y); ctx.lineTo(x, y + 6.5); ctx.lineTo(x - 6.5, y); ctx.closePath();
      }
      ctx.fillStyle = pointColour(r);
      ctx.fill();
      ctx.lineWidth = r < D.train_rows ? 1.2 : 2;
      ctx.strokeStyle = r < D.train_rows ? '#222' : '#000';
      ctx.stroke();
    });
    const p = state.point;
    ctx.beginPath();
    ctx.arc(px(p), py(p), 14, 0, 2 * Math.PI);
    ctx.lineWidth = 6;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }

  function drawRegions(gridLayers) {
    const n = GRID * GRID;
    const probs = [];
    for (let i = 0; i < n; i++) probs.push(outputValues(gridLayers, i));
    if (D.kind === 'binary') {
      paint(regions, n, (i) => probs[i][0], (p) => diverging(2 * p - 1));
    } else if (D.kind === 'multiclass') {
      const cols = CLASS_COLOURS.map(hexRgb);
      paint(regions, n, (i) => probs[i], (p) => {
        const c = predictedClass(p);
        const u = Math.max(0, (p[c] - 1 / p.length) / (1 - 1 / p.length));
        const k = 0.35 + 0.55 * u;
        return [0, 1, 2].map((q) => Math.round(255 + (cols[c % cols.length][q] - 255) * k));
      });
      classMaps.forEach((cv, c) => {
        const col = hexRgb(CLASS_COLOURS[c % CLASS_COLOURS.length]);
        paint(cv, n, (i) => probs[i][c], (p) => [0, 1, 2].map((q) => Math.round(255 + (col[q] - 255) * p)));
      });
    } else {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = probs[i][0];
      let mid = 0;
      D.y.forEach((y) => { mid += y[0]; });
      mid /= ROWS;
      let max = 0;
      col.forEach((v) => { max = Math.max(max, Math.abs(v - mid)); });
      paint(regions, n, (i) => col[i], (v) => diverging(max > 0 ? (v - mid) / max : 0));
    }
  }

  function showOutput(values) {
    const box = $('output');
    box.textContent = '';
    const where = state.row !== null ? 'row ' + state.row + ' (label ' + (D.kind === 'regression' ? D.y[state.row].join(', ') : className(trueClass(state.row))) + ')' : 'the point (' + state.point.map(short).join(', ') + ')';
    box.appendChild(el('p', { class: 'small' }, 'For ' + where + (state.edited ? ', with the weights as edited' : '') + ':'));
    box.setAttribute('data-values', values.join(' '));
    if (D.kind === 'binary') {
      const p = values[0];
      const line = el('p', { class: 'prob', 'data-class': '1', 'data-value': String(p) }, 'P(' + D.targets[0] + ' = 1) = ' + p.toFixed(4) + ' → predicts ' + (p >= 0.5 ? 1 : 0));
      box.appendChild(line);
    } else if (D.kind === 'multiclass') {
      const best = predictedClass(values);
      const list = el('div', { class: 'probs' });
      values.forEach((p, c) => {
        const row = el('div', { class: 'prob-row' + (c === best ? ' best' : ''), 'data-class': String(c), 'data-value': String(p) });
        row.appendChild(el('span', { class: 'prob-name' }, className(c)));
        const track = el('span', { class: 'prob-track' });
        const bar = el('span', { class: 'prob-bar' });
        bar.style.width = (100 * p).toFixed(1) + '%';
        bar.style.background = CLASS_COLOURS[c % CLASS_COLOURS.length];
        track.appendChild(bar);
        row.appendChild(track);
        row.appendChild(el('span', { class: 'prob-value' }, p.toFixed(4)));
        list.appendChild(row);
      });
      box.appendChild(list);
      box.appendChild(el('p', { class: 'small' }, 'softmax probabilities; predicts ' + className(best)));
    } else {
      values.forEach((v, c) => box.appendChild(el('p', { class: 'prob', 'data-value': String(v) }, (D.targets[c] || 'ŷ') + ' = ' + short(v))));
    }
  }

  function drawImage(canvas, pixels) {
    let max = 0;
    pixels.forEach((v) => { max = Math.max(max, v); });
    paint(canvas, pixels.length, (i) => pixels[i], (v) => {
      const g = Math.round(255 - 255 * (max > 0 ? v / max : 0));
      return [g, g, g];
    });
  }

  // The misclassified examples at the current snapshot (image data).
  function drawGallery(params) {
    const section = $('gallery-section');
    section.hidden = false;
    const layers = forward(params, allInput, ROWS);
    const gallery = $('gallery');
    gallery.textContent = '';
    let wrong = 0;
    const shown = 60;
    for (let r = 0; r < ROWS; r++) {
      const p = predictedClass(outputValues(layers, r));
      const t = trueClass(r);
      if (p === t) continue;
      wrong++;
      if (wrong > shown) continue;
      const val = r >= D.train_rows;
      const b = el('button', { type: 'button', class: 'thumb' + (val ? ' val' : ''), 'data-row': r, title: 'row ' + r + (val ? ' (validation)' : ' (training)') + ': label ' + className(t) + ', predicted ' + className(p) });
      const c = el('canvas', { width: D.image.width, height: D.image.height });
      drawImage(c, D.x[r]);
      b.appendChild(c);
      b.appendChild(el('span', null, className(t) + '→' + className(p)));
      b.addEventListener('click', () => setPoint(D.x[r], r));
      gallery.appendChild(b);
    }
    $('gallery-count').textContent = '(' + wrong + ' of ' + ROWS + ' rows' + (wrong > shown ? ', the first ' + shown + ' shown' : '') + (state.edited ? ', with the weights as edited' : ', at ' + snapshots[state.s].label) + (D.train_rows < ROWS ? '; dashed: validation rows' : '') + '; label→prediction; click one to select it)';
    section.setAttribute('data-misclassified', String(wrong));
  }

  // ---------------------------------------------------------------------
  // The loss chart, with a marker at the current snapshot.
  let chart = null;
  function buildChart() {
    const W = 300;
    const H = 150;
    const m = { l: 46, r: 8, t: 8, b: 28 };
    const svg = svgEl('svg', { width: W, height: H, id: 'loss-chart', role: 'img', 'aria-label': 'loss and val_loss per epoch' });
    const h = D.history;
    const series = [['loss', h.loss, BLUE, '']];
    if (h.val_loss) series.push(['val_loss', h.val_loss, ORANGE, '5 3']);
    let ymin = Infinity;
    let ymax = -Infinity;
    series.forEach((s) => s[1].forEach((v) => { ymin = Math.min(ymin, v); ymax = Math.max(ymax, v); }));
    if (!isFinite(ymin)) { ymin = 0; ymax = 1; }
    const log = ymin > 0 && ymax / ymin > 20;
    const fy = log ? Math.log10 : (v) => v;
    let a = fy(ymin);
    let b = fy(ymax);
    if (!(b > a)) { a -= 0.5; b += 0.5; }
    const X = (e) => m.l + (W - m.l - m.r) * e / Math.max(1, D.epochs);
    const Y = (v) => m.t + (H - m.t - m.b) * (1 - (fy(v) - a) / (b - a));
    svg.appendChild(svgEl('rect', { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, class: 'plot-area' }));
    // Axes: ticks at the ends (and powers of ten on a log axis).
    const ticks = [];
    if (log) {
      for (let p = Math.ceil(a); p <= Math.floor(b); p++) ticks.push(Math.pow(10, p));
    }
    if (ticks.length < 2) { ticks.length = 0; ticks.push(ymin, ymax); }
    ticks.forEach((v) => {
      svg.appendChild(svgEl('line', { x1: m.l - 3, x2: W - m.r, y1: Y(v), y2: Y(v), class: 'grid' }));
      const t = svgEl('text', { x: m.l - 5, y: Y(v) + 3, 'text-anchor': 'end', class: 'tick' });
      t.textContent = log ? v.toExponential(0).replace('e+', 'e') : short(v);
      svg.appendChild(t);
    });
    [0, D.epochs].forEach((e) => {
      const t = svgEl('text', { x: X(e), y: H - m.b + 13, 'text-anchor': 'middle', class: 'tick' });
      t.textContent = String(e);
      svg.appendChild(t);
    });
    const xl = svgEl('text', { x: (m.l + W - m.r) / 2, y: H - 3, 'text-anchor': 'middle', class: 'tick' });
    xl.textContent = 'epoch' + (log ? ' (loss on a log scale)' : '');
    svg.appendChild(xl);
    series.forEach((s, i) => {
      const pts = s[1].map((v, e) => X(e + 1).toFixed(1) + ',' + Y(v).toFixed(1)).join(' ');
      svg.appendChild(svgEl('polyline', { points: pts, fill: 'none', stroke: rgb(s[2]), 'stroke-width': 2, 'stroke-dasharray': s[3], class: 'series', 'data-series': s[0] }));
      const lx = W - m.r - 70;
      const ly = m.t + 12 + 14 * i;
      svg.appendChild(svgEl('line', { x1: lx, x2: lx + 16, y1: ly - 4, y2: ly - 4, stroke: rgb(s[2]), 'stroke-width': 2, 'stroke-dasharray': s[3] }));
      const t = svgEl('text', { x: lx + 20, y: ly, class: 'tick' });
      t.textContent = s[0];
      svg.appendChild(t);
    });
    const marker = svgEl('line', { id: 'loss-marker', y1: m.t, y2: H - m.b, class: 'marker' });
    svg.appendChild(marker);
    $('chart').appendChild(svg);
    const note = el('p', { class: 'small', id: 'chart-note' });
    $('chart').appendChild(note);
    chart = { X: X, marker: marker, note: note };
  }

  function moveMarker() {
    const snap = snapshots[state.s];
    const x = chart.X(snap.at).toFixed(2);
    chart.marker.setAttribute('x1', x);
    chart.marker.setAttribute('x2', x);
    chart.marker.setAttribute('data-at', String(snap.at));
    const h = D.history;
    const e = snap.epoch;
    let text = snap.label;
    if (e >= 1 && h.loss[e - 1] !== undefined) {
      text += ': loss ' + short(h.loss[e - 1]);
      if (h.val_loss) text += ', val_loss ' + short(h.val_loss[e - 1]);
      if (h.accuracy) text += ', accuracy ' + h.accuracy[e - 1].toFixed(4);
      if (h.val_accuracy) text += ', val_accuracy ' + h.val_accuracy[e - 1].toFixed(4);
    }
    if (!D.history.loss.length) text += ': no training on this page, so no loss to draw';
    chart.note.textContent = text;
  }

  // ---------------------------------------------------------------------
  // The unit panel: the selected unit's numbers on both paths, for the selected trace row.
  function buildTraceRows() {
    const sel = $('trace-row');
    D.trace_rows.forEach((r, t) => {
      sel.appendChild(el('option', { value: t }, 'row ' + r + (r < D.train_rows ? ' (training)' : ' (validation)') + ', label ' + (D.kind === 'regression' ? D.y[r].join(', ') : className(trueClass(r)))));
    });
    sel.addEventListener('change', () => {
      state.t = Number(sel.value);
      const r = D.trace_rows[state.t];
      setPoint(D.x[r], r);
    });
  }

  function valueRow(table, name, q, triple, idx, extra) {
    const loop = triple.loop[idx];
    const matrix = triple.matrix[idx];
    const bound = triple.bound[idx];
    const diff = Math.abs(loop - matrix);
    const tr = el('tr', { 'data-row-quantity': q });
    tr.appendChild(el('th', { scope: 'row' }, name));
    const cell = (path, text) => {
      const td = el('td', { 'data-quantity': q, 'data-path': path }, text);
      if (extra !== undefined) td.setAttribute('data-k', String(extra));
      tr.appendChild(td);
    };
    cell('loop', fmt6(loop));
    cell('matrix', fmt6(matrix));
    cell('diff', fmt1(diff));
    cell('bound', fmt1(bound));
    tr.appendChild(el('td', { class: diff <= bound ? 'ok' : 'bad' }, diff <= bound ? '✓' : '✗ over'));
    table.appendChild(tr);
    return diff <= bound;
  }

  function showUnit() {
    const body = $('unit-body');
    if (!state.unit) return;
    if (!D.trace_rows.length) {
      body.textContent = 'This page recorded no example\'s arithmetic (its trace_rows are empty).';
      return;
    }
    const { l, j } = state.unit;
    const snap = snapshots[state.s];
    const tr = snap.trace[state.t];
    const T = tr.layers[l];
    const units = D.layers[l].units;
    const nIn = l === 0 ? N_IN : D.layers[l - 1].units;
    const r = D.trace_rows[state.t];
    body.textContent = '';
    body.setAttribute('data-layer', l);
    body.setAttribute('data-unit', j);
    body.setAttribute('data-row', r);
    body.setAttribute('data-snapshot', state.s);
    body.appendChild(el('h3', null, 'Layer ' + (l + 1) + ', unit ' + (j + 1) + ' (' + D.layers[l].activation + '), row ' + r + ', ' + snap.label));
    // The written-out sum, with the snapshot's weights and the previous layer's activations (loop path).
    const aIn = l === 0 ? networkInput([D.x[r]]) : tr.layers[l - 1].a.loop;
    const p = snap.params[l];
    const shown = Math.min(nIn, 4);
    const terms = [];
    for (let k = 0; k < shown; k++) terms.push(signed(p.w[k][j]) + '·' + signed(aIn[k]));
    if (nIn > shown) terms.push('… (' + (nIn - shown) + ' more)');
    body.appendChild(el('p', { class: 'formula' }, 'z = Σ_k w_kj·a_k + b_j = ' + terms.join(' + ') + ' + ' + signed(p.b[j])));
    body.appendChild(el('p', { class: 'formula' }, 'a = ' + D.layers[l].activation + '(z); then backward: dz = ∂J/∂z, db = dz, dW[:,j] = dz·a_in'));
    const table = el('table', { class: 'values' });
    const head = el('tr');
    ['', 'loop', 'matrix', '|loop − matrix|', 'bound', ''].forEach((h) => head.appendChild(el('th', { scope: 'col' }, h)));
    table.appendChild(head);
    valueRow(table, 'z', 'z', T.z, j);
    valueRow(table, 'a', 'a', T.a, j);
    valueRow(table, 'dz', 'dz', T.dz, j);
    valueRow(table, 'db', 'db', T.db, j);
    body.appendChild(table);
    const det = el('details', { id: 'dw-details' });
    det.appendChild(el('summary', null, 'dW[:,' + (j + 1) + ']: ' + nIn + ' values'));
    const t2 = el('table', { class: 'values' });
    for (let k = 0; k < nIn; k++) valueRow(t2, 'dW[' + (k + 1) + ',' + (j + 1) + ']', 'dw', T.dw, k * units + j, k);
    det.appendChild(t2);
    body.appendChild(det);
    const lt = el('table', { class: 'values' });
    valueRow(lt, 'J (this example)', 'loss', { loop: [tr.loss.loop], matrix: [tr.loss.matrix], bound: [tr.loss.bound] }, 0);
    body.appendChild(lt);
    body.appendChild(el('p', { class: 'small' }, 'Computed by the two Rust paths when the page was written (what dualpath trace prints), for this snapshot\'s weights' + (state.edited ? ', not the edited ones' : '') + '. Units and weights are counted from 1, rows from 0.'));
  }

  function selectUnit(l, j) {
    if (state.unit) {
      const old = unitEls[state.unit.l][state.unit.j];
      old.classList.remove('selected');
      old.setAttribute('aria-pressed', 'false');
      if (IMAGE && state.unit.l === 0) weightImages[state.unit.j].parentNode.classList.remove('selected');
    }
    if (IMAGE && l === 0) weightImages[j].parentNode.classList.add('selected');
    state.unit = { l: l, j: j };
    unitEls[l][j].classList.add('selected');
    unitEls[l][j].setAttribute('aria-pressed', 'true');
    showUnit();
    buildPlayUnit();
  }

  // ---------------------------------------------------------------------
  // Play: the selected unit's weights and bias, and the input point.
  function slider(id, label, min, max, value, onInput) {
    const row = el('div', { class: 'slider-row' });
    const lab = el('label', { for: id }, label);
    const input = el('input', { id: id, type: 'range', min: String(min), max: String(max), step: String((max - min) / 400), value: String(value) });
    const out = el('output', { for: id }, short(value));
    input.addEventListener('input', () => {
      const v = Number(input.value);
      out.textContent = short(v);
      onInput(v);
    });
    row.appendChild(lab);
    row.appendChild(input);
    row.appendChild(out);
    return row;
  }

  function buildPlayInput() {
    const box = $('play-input');
    box.textContent = '';
    if (!IMAGE && N_IN <= 8) {
      box.appendChild(el('p', { class: 'small' }, 'The input point (original units):'));
      for (let k = 0; k < N_IN; k++) {
        box.appendChild(slider('play-x-' + k, D.features[k], lo[k], hi[k], state.point[k], (v) => {
          const p = state.point.slice();
          p[k] = v;
          setPoint(p, null, true);
        }));
      }
    } else {
      const row = el('div', { class: 'slider-row' });
      row.appendChild(el('label', { for: 'play-row' }, 'the example (row)'));
      const input = el('input', { id: 'play-row', type: 'number', min: '0', max: String(ROWS - 1), step: '1', value: String(state.row === null ? 0 : state.row) });
      input.addEventListener('change', () => {
        const r = Math.max(0, Math.min(ROWS - 1, Math.round(Number(input.value)) || 0));
        setPoint(D.x[r], r);
      });
      row.appendChild(input);
      box.appendChild(row);
    }
  }

  function syncInputSliders() {
    if (!IMAGE && N_IN <= 8) {
      for (let k = 0; k < N_IN; k++) {
        const s = $('play-x-' + k);
        if (s) { s.value = String(state.point[k]); s.nextSibling.textContent = short(state.point[k]); }
      }
    } else if ($('play-row') && state.row !== null) {
      $('play-row').value = String(state.row);
    }
  }

  function buildPlayUnit() {
    const box = $('play-unit');
    box.textContent = '';
    if (!state.unit) {
      box.appendChild(el('p', { class: 'small' }, 'Select a unit to change its weights and bias.'));
      return;
    }
    const { l, j } = state.unit;
    const p = state.params[l];
    const nIn = p.w.length;
    let max = 0;
    p.w.forEach((r) => r.forEach((v) => { max = Math.max(max, Math.abs(v)); }));
    p.b.forEach((v) => { max = Math.max(max, Math.abs(v)); });
    const R = Math.max(1, Math.ceil(2 * max));
    box.appendChild(el('p', { class: 'small' }, 'Layer ' + (l + 1) + ', unit ' + (j + 1) + ': its weights w_kj and bias b_j. Every view follows, computed in this page.'));
    const list = el('div', { class: 'weights' + (nIn > 8 ? ' scroll' : '') });
    const from = l === 0 ? (k) => (IMAGE ? 'pixel ' + (k + 1) : D.features[k]) : (k) => 'unit ' + (k + 1);
    for (let k = 0; k < nIn; k++) {
      list.appendChild(slider('play-w-' + k, 'w from ' + from(k), -R, R, p.w[k][j], (v) => {
        state.params[l].w[k][j] = v;
        markEdited();
      }));
    }
    box.appendChild(list);
    box.appendChild(slider('play-b', 'b', -R, R, p.b[j], (v) => {
      state.params[l].b[j] = v;
      markEdited();
    }));
  }

  function markEdited() {
    state.edited = true;
    $('edited').hidden = false;
    render();
  }

  function setPoint(p, row, fromSlider) {
    state.point = p.slice();
    state.row = row;
    if (row !== null) {
      const t = D.trace_rows.indexOf(row);
      if (t >= 0 && t !== state.t) {
        state.t = t;
        $('trace-row').value = String(t);
      }
    }
    if (!fromSlider) syncInputSliders();
    render();
  }

  // ---------------------------------------------------------------------
  // Snapshots.
  function setSnapshot(s) {
    state.s = Math.max(0, Math.min(snapshots.length - 1, s));
    state.params = copyParams(snapshots[state.s].params);
    state.edited = false;
    $('edited').hidden = true;
    $('epoch').value = String(state.s);
    const snap = snapshots[state.s];
    const drifted = snap.gap > 1e-6;
    $('snapshot-label').textContent = snap.label + ' (' + (state.s + 1) + ' of ' + snapshots.length + ')' +
      ' · the loop and matrix runs\' weights differ by at most ' + fmt1(snap.gap) +
      (drifted ? ' (the runs have drifted apart: hover for why)' : '');
    // Why two runs whose every step agrees within the bound can end apart.
    $('snapshot-label').title = drifted
      ? 'Near a loss of zero, Adam divides each tiny gradient by its own running size, so ' +
        'differences in the last bits of the two paths\' gradients become full-sized, different ' +
        'steps, and the two runs go on from different weights. Every single step still agrees ' +
        'within the rounding bound ("A third path", the unit panel); with SGD the runs stay within about 1e-13.'
      : '';
    $('epoch').setAttribute('aria-valuetext', snap.label);
    if (state.unit) buildPlayUnit();
    render();
  }

  function togglePlay() {
    const btn = $('play');
    if (state.playing) {
      clearInterval(state.playing);
      state.playing = null;
      btn.textContent = '▶ play';
      return;
    }
    if (state.s >= snapshots.length - 1) setSnapshot(0);
    btn.textContent = '❚❚ pause';
    state.playing = setInterval(() => {
      if (state.s >= snapshots.length - 1) { togglePlay(); return; }
      setSnapshot(state.s + 1);
    }, 450);
  }

  // ---------------------------------------------------------------------
  // Every view from the current parameters.
  function render() {
    const params = state.params;
    drawEdges(params);
    const xin = networkInput([state.point]);
    const pointLayers = forward(params, xin, 1);
    for (let l = 0; l < L; l++) unitEls[l].forEach((u, j) => u.setAttribute('data-a', String(pointLayers[l].a[j])));
    if (TWO) {
      const gridLayers = forward(params, gridInput, GRID * GRID);
      drawUnitMaps(gridLayers);
      drawRegions(gridLayers);
      drawPoints();
    } else {
      drawBars(pointLayers, xin);
    }
    if (IMAGE) {
      drawWeightImages(params);
      drawImage(inputImage, state.point);
      drawImage(imageBig, state.point);
      drawGallery(params);
    }
    showOutput(outputValues(pointLayers, 0));
    moveMarker();
    showUnit();
  }

  // ---------------------------------------------------------------------
  // Start.
  header();
  state.point = D.x[D.trace_rows[0]].slice();
  state.row = D.trace_rows[0];
  state.params = copyParams(snapshots[state.s].params);
  buildNetwork();
  buildOutput();
  buildChart();
  buildTraceRows();
  buildPlayInput();
  buildPlayUnit();
  showAgreement(checkAgreement());
  const slide = $('epoch');
  slide.max = String(snapshots.length - 1);
  slide.addEventListener('input', () => setSnapshot(Number(slide.value)));
  $('play').addEventListener('click', togglePlay);
  $('step').addEventListener('click', () => setSnapshot(state.s + 1));
  $('step-back').addEventListener('click', () => setSnapshot(state.s - 1));
  $('reset').addEventListener('click', () => setSnapshot(state.s));
  setSnapshot(state.s);
  document.body.setAttribute('data-ready', 'true');
})();
