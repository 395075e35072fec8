/**
 * The page's shared script (`/static/base.js`, a classic script: the others use its functions as
 * globals): building elements (values always as text, never as HTML), calling the API, showing
 * bytes in a chosen format, collapsible JSON, a small SVG line chart, and the router that the
 * view scripts register with (`routes.push`); `main.js` starts it.
 *
 * Why a hand-drawn SVG chart and not uPlot: the console draws two small lines (lag, records/s)
 * with at most a few hundred points; forty lines here do that, where uPlot would add ~50 KB of
 * script and its stylesheet to a page that is otherwise ~30 KB.
 */
export const BASE_SCRIPT = String.raw`'use strict';
const view = document.getElementById('view');
const where = document.getElementById('where');
/** [pattern, async (match) => void]: the first whose pattern matches location.hash renders the view. */
const routes = [];
/** Cleanups of the current view (an event stream to close, a timer to stop), run before the next. */
let leaving = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== '') e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, body) {
  const init = body === undefined ? { headers: { accept: 'application/json' } } : { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.message || res.statusText);
  return answer;
}

const enc = encodeURIComponent;
const show = (n) => (n === null || n === undefined ? '–' : n);

function bytesText(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + ' ' + units[i];
}

function bytesOf(shown) {
  if (shown.encoding === 'utf8') return new TextEncoder().encode(shown.text);
  return Uint8Array.from(atob(shown.text), (c) => c.charCodeAt(0));
}

/** A key, value or header as text in the chosen format (text, json, hex, base64). */
function format(shown, how) {
  if (shown === null) return 'null';
  let text;
  if (how === 'hex') text = Array.from(bytesOf(shown), (b) => b.toString(16).padStart(2, '0')).join(' ');
  else if (how === 'base64') text = shown.encoding === 'base64' ? shown.text : btoa(Array.from(bytesOf(shown), (b) => String.fromCharCode(b)).join(''));
  else if (how === 'json' && shown.encoding === 'utf8') { try { text = JSON.stringify(JSON.parse(shown.text), null, 2); } catch { text = shown.text; } }
  else text = shown.encoding === 'utf8' ? shown.text : 'base64:' + shown.text;
  return shown.truncated ? text + '\n… (' + shown.bytes + ' bytes in all)' : text;
}

/** JSON as nested <details>: objects and arrays fold; the first two levels start open. */
function jsonTree(value, depth = 0) {
  if (value === null || typeof value !== 'object') return el('span', { class: 'json-' + (value === null ? 'null' : typeof value) }, JSON.stringify(value));
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const open = Array.isArray(value) ? '[' : '{';
  const close = Array.isArray(value) ? ']' : '}';
  return el('details', { open: depth < 2, class: 'json' },
    el('summary', {}, open + (entries.length === 0 ? close : ' ' + entries.length + (Array.isArray(value) ? ' items' : ' keys'))),
    ...entries.map(([k, v]) => el('div', { class: 'json-entry' }, Array.isArray(value) ? '' : el('span', { class: 'json-key' }, JSON.stringify(k) + ': '), jsonTree(v, depth + 1))),
    entries.length === 0 ? '' : el('span', {}, close));
}

/** A small line chart of [{ at, y }] as inline SVG (axis labels: the last value and the time span). */
function lineChart(points, { id, label, width = 480, height = 120 } = {}) {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('class', 'chart');
  if (id) svg.id = id;
  svg.dataset.points = String(points.length);
  const pad = 24;
  const xs = points.map((p) => p.at);
  const ys = points.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(1, ...ys);
  const x = (t) => pad + (x1 === x0 ? (width - 2 * pad) : ((t - x0) / (x1 - x0)) * (width - 2 * pad));
  const y = (v) => height - pad - (v / y1) * (height - 2 * pad);
  const add = (tag, attrs, text) => { const n = document.createElementNS(svgNs, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text !== undefined) n.textContent = text; svg.append(n); return n; };
  add('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: 'axis' });
  add('text', { x: pad, y: 14, class: 'chart-label' }, label + (points.length ? ': ' + ys[ys.length - 1].toLocaleString() : ': no samples yet'));
  add('text', { x: width - pad, y: 14, class: 'chart-label', 'text-anchor': 'end' }, 'max ' + y1.toLocaleString());
  if (points.length > 1) add('text', { x: pad, y: height - 6, class: 'chart-label' }, 'last ' + Math.round((x1 - x0) / 1000) + ' s');
  if (points.length > 0) add('polyline', { points: points.map((p) => x(p.at).toFixed(1) + ',' + y(p.y).toFixed(1)).join(' '), class: 'line' });
  for (const p of points.slice(-1)) add('circle', { cx: x(p.at), cy: y(p.y), r: 3, class: 'dot' });
  return svg;
}

/** A table from column headers ([text, class?]) and rows of cells. */
function table(id, headers, rows) {
  return el('table', { id },
    el('thead', {}, el('tr', {}, ...headers.map(([text, cls]) => el('th', { class: cls }, text)))),
    el('tbody', {}, ...rows));
}

/** Runs an action, showing its error next to it instead of throwing. */
function guarded(status, fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((e) => { status.textContent = e.message; status.className = 'error'; });
}

async function route() {
  for (const f of leaving) f();
  leaving = [];
  delete document.body.dataset.ready;
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', location.hash.startsWith(a.getAttribute('href')));
  try {
    for (const [pattern, render] of routes) {
      const m = pattern.exec(location.hash || '#/');
      if (m) { await render(...m.slice(1).map((part) => (part === undefined ? undefined : decodeURIComponent(part)))); break; }
    }
    document.body.dataset.ready = location.hash || '#/';
  } catch (e) {
    view.replaceChildren(el('p', { class: 'error', id: 'failure' }, e.message));
  }
}
`;
