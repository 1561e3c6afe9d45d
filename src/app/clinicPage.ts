// The clinic page (`jaksim clinic`): one self-contained index.html. The form, the table and the SVG curves are drawn
// by the small script below; the prediction itself runs in a Web Worker made from the bundled app/clinicWorker.ts
// (inlined as base64 and started from a Blob URL: browsers refuse workers from file:// URLs), so the page needs
// no server and no network.

/** One scenario the page offers: its label, the scenario, and the scenarios run (one per posterior draw). */
export interface ClinicEntry { label: string; scenario: unknown; runs: unknown[]; parameterDraws: number }

export interface ClinicData {
  entries: ClinicEntry[];
  defaults: { draws: number; sdObs: number; seed: number };
  stopReasons: readonly string[];
  command: string;
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const STYLE = `
:root { font-family: system-ui, sans-serif; line-height: 1.4; color: #1a1a1a; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
fieldset { border: 1px solid #bbb; border-radius: 6px; margin: 0.8rem 0; padding: 0.6rem 1rem; }
legend { font-weight: 600; }
label { display: inline-flex; flex-direction: column; margin: 0.2rem 1rem 0.4rem 0; font-size: 0.9rem; }
input, select, button { font: inherit; padding: 0.25rem 0.4rem; }
input[type=number] { width: 7rem; }
input.visits { width: 16rem; }
label.check { flex-direction: row; align-items: center; gap: 0.4rem; }
.line { border-top: 1px dashed #ccc; padding-top: 0.3rem; }
button { cursor: pointer; }
button.primary { background: #1f5fa8; color: #fff; border: 0; border-radius: 4px; padding: 0.5rem 1.2rem; font-size: 1rem; }
:focus-visible { outline: 3px solid #f0a202; outline-offset: 2px; }
#status { min-height: 1.5rem; margin: 0.6rem 0; }
#status.error { color: #a30000; font-weight: 600; }
table { border-collapse: collapse; margin: 0.6rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; }
figcaption { font-size: 0.85rem; max-width: 560px; }
.meta { color: #555; font-size: 0.85rem; }
`;

/** The page's own script: the form, the worker, the table and the curves. Plain ES2020, no library. */
const SCRIPT = String.raw`
const data = JSON.parse(document.getElementById('jaksim-data').textContent);
const $ = (id) => document.getElementById(id);
const lines = $('lines');
let lineCount = 0;

function option(value, text) { const o = document.createElement('option'); o.value = value; o.textContent = text; return o; }
function field(labelText, control) { const l = document.createElement('label'); l.append(labelText, control); return l; }

function drugsOfScenario() { return data.entries[Number($('scenario').value)].scenario.catalog.map((d) => d.id); }

function addLine(values) {
  const n = ++lineCount;
  const div = document.createElement('div');
  div.className = 'line';
  div.setAttribute('role', 'group');
  div.setAttribute('aria-label', 'line of treatment ' + n);
  const drug = document.createElement('select');
  drug.name = 'drug';
  for (const id of drugsOfScenario()) drug.append(option(id, id));
  const start = document.createElement('input'); start.type = 'number'; start.name = 'start'; start.min = '0'; start.step = 'any'; start.required = true;
  const stop = document.createElement('input'); stop.type = 'number'; stop.name = 'stop'; stop.min = '0'; stop.step = 'any';
  const reason = document.createElement('select'); reason.name = 'reason';
  reason.append(option('', '(still on it, or no reason)'));
  for (const r of data.stopReasons) reason.append(option(r, r));
  const visits = document.createElement('input'); visits.type = 'text'; visits.name = 'visits'; visits.className = 'visits'; visits.placeholder = '3:80, 6:70';
  const remove = document.createElement('button'); remove.type = 'button'; remove.textContent = 'Remove line ' + n;
  remove.addEventListener('click', () => div.remove());
  div.append(
    field('Drug (line ' + n + ')', drug), field('Start (month)', start), field('Stop (month; blank: still on it)', stop),
    field('Stop reason', reason), field('SALT visits (month:score, ...)', visits), remove);
  // A first line starts at month 0 (months are counted from the first drug); a later one where the last stopped.
  const previous = [...lines.querySelectorAll('[name=stop]')].pop();
  start.value = previous ? previous.value : '0';
  if (values) {
    drug.value = values.drug; start.value = values.start;
    if (values.stop !== undefined) stop.value = values.stop;
    if (values.reason) reason.value = values.reason;
    visits.value = values.visits || '';
  }
  lines.append(div);
  return div;
}

function numberOf(input, what) {
  const v = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(v)) throw new Error(what + ': expected a number');
  return v;
}

/** The form as a patient document (the patient file's fields). */
function patientDocument() {
  const doc = { salt0: numberOf($('salt0'), 'Baseline SALT'), durYears: numberOf($('durYears'), 'Episode duration'), minoxidil: $('minoxidil').checked, history: [] };
  if ($('now').value.trim() !== '') doc.now = numberOf($('now'), 'Now');
  [...lines.querySelectorAll('.line')].forEach((div, i) => {
    const get = (name) => div.querySelector('[name=' + name + ']');
    const line = { drug: get('drug').value, start: numberOf(get('start'), 'History line ' + (i + 1) + ', start') };
    if (get('stop').value.trim() !== '') line.stop = numberOf(get('stop'), 'History line ' + (i + 1) + ', stop');
    if (get('reason').value !== '') line.reason = get('reason').value;
    line.salt = get('visits').value.split(/[,;]/).map((t) => t.trim()).filter(Boolean).map((t) => {
      const m = /^([0-9.]+)\s*:\s*([0-9.]+)$/.exec(t);
      if (!m) throw new Error('History line ' + (i + 1) + ', SALT visits: expected month:score pairs such as 3:80, 6:70, got "' + t + '"');
      return { month: Number(m[1]), value: Number(m[2]) };
    });
    doc.history.push(line);
  });
  return doc;
}

const pct = (x) => (100 * x).toFixed(0) + '%';
const cell = (p) => pct(p.rate) + ' (' + pct(p.lo) + '–' + pct(p.hi) + ')';
const COLORS = ['#1f5fa8', '#d1495b', '#2e933c', '#8f5db7', '#e08e0b', '#00798c', '#6c757d'];
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

/** One chart: a line per option over its band; y from series(o) as [month, y, lo, hi] in [0, yMax]. */
function chart(id, title, r, series, yMax, yLabel) {
  const W = 560, H = 300, L = 48, R = 12, T = 12, B = 40;
  const x = (m) => L + (m / r.months) * (W - L - R);
  const y = (v) => T + (1 - v / yMax) * (H - T - B);
  let s = '<svg xmlns="http://www.w3.org/2000/svg" id="' + id + '" role="img" aria-label="' + esc(title) + '" width="' + W + '" height="' + (H + 22 * Math.ceil(r.options.length / 2)) + '" viewBox="0 0 ' + W + ' ' + (H + 22 * Math.ceil(r.options.length / 2)) + '"><title>' + esc(title) + '</title>';
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    s += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#e4e4e4"/><text x="' + (L - 6) + '" y="' + (y(v) + 4) + '" text-anchor="end" font-size="11">' + (yMax === 1 ? pct(v) : v.toFixed(0)) + '</text>';
  }
  for (let m = 0; m <= r.months; m += 6) s += '<text x="' + x(m) + '" y="' + (H - B + 16) + '" text-anchor="middle" font-size="11">' + m + '</text>';
  s += '<text x="' + ((L + W - R) / 2) + '" y="' + (H - 6) + '" text-anchor="middle" font-size="12">months from now</text>';
  s += '<text transform="translate(12,' + ((T + H - B) / 2) + ') rotate(-90)" text-anchor="middle" font-size="12">' + esc(yLabel) + '</text>';
  r.options.forEach((o, i) => {
    const pts = series(o);
    const c = COLORS[i % COLORS.length];
    const band = pts.map((p) => x(p[0]) + ',' + y(p[3])).concat(pts.slice().reverse().map((p) => x(p[0]) + ',' + y(p[2])));
    s += '<polygon class="band" points="' + band.join(' ') + '" fill="' + c + '" fill-opacity="0.15" stroke="none"/>';
    s += '<path class="curve" data-option="' + esc(o.option) + '" d="M' + pts.map((p) => x(p[0]).toFixed(2) + ',' + y(p[1]).toFixed(2)).join('L') + '" fill="none" stroke="' + c + '" stroke-width="2"/>';
    const lx = L + (i % 2) * 260, ly = H + 8 + 22 * Math.floor(i / 2);
    s += '<rect x="' + lx + '" y="' + ly + '" width="14" height="4" fill="' + c + '"/><text x="' + (lx + 20) + '" y="' + (ly + 6) + '" font-size="12">' + esc(o.option) + '</text>';
  });
  return s + '</svg>';
}

function render(r) {
  const marks = [3, 6, 9, 12, 24].filter((m) => m <= r.months);
  let t = '<table id="answers"><caption>Chance of response (SALT ≤ ' + r.threshold + ' at a monthly visit) within each time from now, 95% interval</caption><thead><tr><th scope="col">option</th>'
    + marks.map((m) => '<th scope="col">' + m + ' mo</th>').join('') + '<th scope="col">expected months to response</th></tr></thead><tbody>';
  for (const o of r.options) {
    t += '<tr data-option="' + esc(o.option) + '"><th scope="row">' + esc(o.option) + '</th>' + marks.map((m) => '<td>' + cell(o.responseBy[m - 1]) + '</td>').join('') + '<td>' + o.expectedMonthsToResponse.toFixed(1) + '</td></tr>';
    if (o.responseByIfNotYet) t += '<tr><th scope="row">  if no response yet</th>' + marks.map((m) => '<td>' + cell(o.responseByIfNotYet[m - 1]) + '</td>').join('') + '<td></td></tr>';
  }
  t += '</tbody></table>';
  const ranked = 'Ranked by response within ' + r.ranking[0].month + ' months: ' + r.ranking.map((x) => esc(x.option) + ' ' + pct(x.rate)).join(' &gt; ') + '.';
  const how = r.parameterDraws > 0
    ? 'Intervals: Monte Carlo (Wilson at the effective sample size) and parameter uncertainty (the spread over ' + r.parameterDraws + ' posterior draws of the calibration), added in quadrature.'
    : 'Intervals are Monte Carlo intervals of the importance sample (Wilson at the effective sample size).';
  const response = chart('response-chart', 'Chance of response by each month from now, per option', r,
    (o) => [[0, 0, 0, 0]].concat(o.responseBy.map((p) => [p.month, p.rate, p.lo, p.hi])), 1, 'response by the month');
  const salt = chart('salt-chart', 'Predicted SALT per option: median and 80% prediction interval', r,
    (o) => o.salt.map((p) => [p.month, p.median, p.q10, p.q90]), 100, 'SALT');
  $('result').innerHTML = '<p class="meta">now = month ' + r.now + ' of the history; ' + r.draws.toLocaleString('en-US') + ' population draws'
    + (r.parameterDraws > 0 ? ' for each of ' + r.parameterDraws + ' posterior draws' : '') + ', effective sample size ' + r.ess + '; sdObs ' + r.sdObs + '; rhoClass ' + r.rhoClass + '; seed ' + r.seed + '.</p>'
    + t + '<p>' + ranked + '</p><p class="meta">' + how + '</p><div class="charts"><figure>' + response + '<figcaption>P(SALT ≤ ' + r.threshold + ' at some monthly visit by the month), with its 95% interval.</figcaption></figure><figure>'
    + salt + '<figcaption>Predicted SALT: median and 80% prediction interval (10th–90th weighted percentiles).</figcaption></figure></div>';
  $('result-json').textContent = JSON.stringify(r);
}

const workerBytes = Uint8Array.from(atob(document.getElementById('jaksim-worker').textContent.trim()), (c) => c.charCodeAt(0));
const workerUrl = URL.createObjectURL(new Blob([workerBytes], { type: 'text/javascript' }));
let worker = null;

function setStatus(text, error) { $('status').textContent = text; $('status').className = error ? 'error' : ''; }

$('patient').addEventListener('submit', (e) => {
  e.preventDefault();
  let patient;
  try { patient = patientDocument(); } catch (err) { setStatus(err.message, true); $('result').setAttribute('data-state', 'error'); return; }
  const entry = data.entries[Number($('scenario').value)];
  const withParameters = $('parameters').checked && entry.parameterDraws > 0;
  const request = {
    scenario: entry.scenario, runs: withParameters ? entry.runs : [entry.scenario], parameterDraws: withParameters ? entry.parameterDraws : 0,
    patient, draws: numberOf($('draws'), 'Population draws'), sdObs: numberOf($('sdObs'), 'sdObs'), seed: numberOf($('seed'), 'Seed'),
  };
  if (worker) worker.terminate();
  worker = new Worker(workerUrl);
  $('result').setAttribute('data-state', 'running');
  setStatus('Predicting…');
  worker.onerror = (e) => {
    setStatus('internal error in the prediction worker: ' + (e.message || 'it could not start'), true);
    $('result').setAttribute('data-state', 'error');
  };
  worker.onmessage = (m) => {
    const reply = m.data;
    if (reply.kind === 'progress') { setStatus('Predicting… run ' + reply.done + ' of ' + reply.total); return; }
    worker.terminate(); worker = null;
    if (reply.kind === 'error') {
      setStatus(reply.message.replace(/history\[(\d+)\]/g, (_, i) => 'history line ' + (Number(i) + 1)), true);
      $('result').setAttribute('data-state', 'error');
      return;
    }
    setStatus('Done.');
    render(reply.result);
    $('result').setAttribute('data-state', 'done');
  };
  worker.postMessage(request);
});

$('add-line').addEventListener('click', () => addLine().querySelector('select').focus());
$('scenario').addEventListener('change', () => {
  const entry = data.entries[Number($('scenario').value)];
  $('parameters').disabled = entry.parameterDraws === 0;
  $('parameters-count').textContent = String(entry.parameterDraws);
  for (const s of lines.querySelectorAll('select[name=drug]')) {
    const keep = s.value;
    s.replaceChildren(...drugsOfScenario().map((id) => option(id, id)));
    if (drugsOfScenario().includes(keep)) s.value = keep;
  }
});
data.entries.forEach((e, i) => $('scenario').append(option(String(i), e.label)));
$('scenario').dispatchEvent(new Event('change'));
$('draws').value = data.defaults.draws; $('sdObs').value = data.defaults.sdObs; $('seed').value = data.defaults.seed;
`;

/** The whole page: the embedded scenarios and the worker bundle inside, nothing fetched. */
export function clinicHtml(d: ClinicData, workerBundle: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' blob:; worker-src blob:; style-src 'unsafe-inline'; img-src data:">
<title>jaksim clinic: one patient's chances under each next JAK inhibitor</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>One patient's chances under each next JAK inhibitor</h1>
<p class="meta">jaksim's population model, conditioned on this patient's baseline and history (README "Prediction"). Runs in this page only: nothing is sent anywhere. Made by <code>${d.command.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</code>.</p>
</header>
<main>
<form id="patient" novalidate>
<fieldset><legend>Patient</legend>
<label>Baseline SALT (0–100)<input id="salt0" name="salt0" type="number" min="0" max="100" step="any" required value="90"></label>
<label>Episode duration (years)<input id="durYears" name="durYears" type="number" min="0" step="any" required value="3.5"></label>
<label class="check"><input id="minoxidil" name="minoxidil" type="checkbox"> On oral minoxidil</label>
</fieldset>
<fieldset><legend>History so far (months since the first drug)</legend>
<div id="lines"></div>
<button type="button" id="add-line">Add a line of treatment</button>
<label>Now (month; blank: the end of the history)<input id="now" name="now" type="number" min="0" step="any"></label>
</fieldset>
<fieldset><legend>Model and precision</legend>
<label>Scenario<select id="scenario" name="scenario"></select></label>
<label>Population draws<input id="draws" name="draws" type="number" min="1000" step="1000"></label>
<label class="check"><input id="parameters" name="parameters" type="checkbox" checked> Include parameter uncertainty (<span id="parameters-count"></span> posterior draws)</label>
<label>SALT measurement error, sdObs<input id="sdObs" name="sdObs" type="number" min="0" step="any"></label>
<label>Seed<input id="seed" name="seed" type="number" min="0" step="1"></label>
</fieldset>
<button type="submit" class="primary" id="predict">Predict</button>
</form>
<div id="status" role="status" aria-live="polite"></div>
<section id="result" aria-label="prediction" data-state="idle"></section>
<pre id="result-json" hidden></pre>
</main>
<script type="application/json" id="jaksim-data">${scriptJson(d)}</script>
<script type="text/plain" id="jaksim-worker">${Buffer.from(workerBundle, 'utf8').toString('base64')}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
