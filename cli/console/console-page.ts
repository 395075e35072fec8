/**
 * The console's page: one HTML document with its CSS and script inline (no build step, no CDN,
 * nothing to fetch but the JSON API), plain DOM code — the slice has two views and needs no UI
 * library. Views by URL hash: `#/` the topics, `#/topics/<name>` a topic's message browser
 * (partition, offset, format: text, JSON pretty-printed, hex, base64; live tail), `#/groups` the
 * consumer groups, `#/groups/<id>` a group's members and its committed offset, end and lag per partition.
 * Values are inserted as text (`textContent`), never as HTML.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
  header { background: #1d2430; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: baseline; }
  header a { color: #fff; text-decoration: none; font-weight: 600; }
  main { padding: 16px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  pre { margin: 0; white-space: pre-wrap; word-break: break-all; max-height: 16em; overflow: auto; font: 12px/1.35 ui-monospace, monospace; }
  .controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin-bottom: 12px; }
  .muted { color: #6b7480; }
  .error { color: #b00020; }
  @media (max-width: 640px) { .wide { display: none; } main { padding: 8px; } }
</style>
</head>
<body>
<header><a href="#/">Sluice console</a><a href="#/groups">Groups</a><span class="muted" id="where"></span></header>
<main id="view"></main>
<script>
'use strict';
const view = document.getElementById('view');
const where = document.getElementById('where');
let tail = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || res.statusText);
  return body;
}

function bytesOf(shown) {
  if (shown.encoding === 'utf8') return new TextEncoder().encode(shown.text);
  return Uint8Array.from(atob(shown.text), (c) => c.charCodeAt(0));
}

function format(shown, how) {
  if (shown === null) return 'null';
  let text;
  if (how === 'hex') text = Array.from(bytesOf(shown), (b) => b.toString(16).padStart(2, '0')).join(' ');
  else if (how === 'base64') text = shown.encoding === 'base64' ? shown.text : btoa(String.fromCharCode(...bytesOf(shown)));
  else if (how === 'json' && shown.encoding === 'utf8') { try { text = JSON.stringify(JSON.parse(shown.text), null, 2); } catch { text = shown.text; } }
  else text = shown.encoding === 'utf8' ? shown.text : 'base64:' + shown.text;
  return shown.truncated ? text + '\\n… (' + shown.bytes + ' bytes in all)' : text;
}

async function overview() {
  where.textContent = 'topics';
  const topics = await api('/api/topics');
  const rows = topics.map((t) => el('tr', { 'data-topic': t.name },
    el('td', {}, el('a', { href: '#/topics/' + encodeURIComponent(t.name) }, t.name)),
    el('td', { class: 'num' }, t.partitions.length),
    el('td', { class: 'num', 'data-field': 'records' }, t.records),
    el('td', { class: 'wide' }, t.partitions.map((p) => p.partition + ': ' + p.start + '–' + p.end).join(', '))));
  view.replaceChildren(el('table', { id: 'topics' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Topic'), el('th', { class: 'num' }, 'Partitions'), el('th', { class: 'num' }, 'Records'), el('th', { class: 'wide' }, 'Offsets (start–end)'))),
    el('tbody', {}, ...rows)),
    topics.length === 0 ? el('p', { class: 'muted' }, 'No topics yet.') : '');
}

async function topicView(name) {
  where.textContent = name;
  const topics = await api('/api/topics');
  const topic = topics.find((t) => t.name === name);
  if (!topic) { view.replaceChildren(el('p', { class: 'error' }, 'No topic ' + name)); return; }
  const partition = el('select', { id: 'partition' }, ...topic.partitions.map((p) => el('option', { value: p.partition }, 'partition ' + p.partition + ' (' + p.start + '–' + p.end + ')')));
  // Opens on the first partition that holds records.
  partition.value = String((topic.partitions.find((p) => p.end > p.start) || topic.partitions[0]).partition);
  const offset = el('input', { id: 'offset', type: 'number', min: '0', value: '0', style: 'width: 8em' });
  const how = el('select', { id: 'format' }, ...['text', 'json', 'hex', 'base64'].map((f) => el('option', { value: f }, f)));
  const live = el('input', { id: 'tail', type: 'checkbox' });
  const status = el('span', { class: 'muted', id: 'status' });
  const body = el('tbody', {});
  let next = 0;
  const row = (r) => el('tr', { 'data-offset': r.offset },
    el('td', { class: 'num' }, r.offset),
    el('td', { class: 'wide' }, new Date(r.timestamp).toISOString()),
    el('td', {}, el('pre', { 'data-field': 'key' }, format(r.key, how.value))),
    el('td', {}, el('pre', { 'data-field': 'value' }, format(r.value, how.value))),
    el('td', { class: 'wide' }, el('pre', {}, r.headers.map((h) => h.key + ': ' + format(h.value, 'text')).join('\\n'))));
  async function load() {
    const records = await api('/api/topics/' + encodeURIComponent(name) + '/partitions/' + partition.value + '/messages?offset=' + (Number(offset.value) || 0) + '&limit=100');
    body.replaceChildren(...records.map(row));
    next = records.length > 0 ? records[records.length - 1].offset + 1 : Number(offset.value) || 0;
    status.textContent = records.length + ' records';
  }
  async function poll() {
    const records = await api('/api/topics/' + encodeURIComponent(name) + '/partitions/' + partition.value + '/messages?offset=' + next + '&limit=100');
    for (const r of records) body.append(row(r));
    if (records.length > 0) next = records[records.length - 1].offset + 1;
  }
  live.addEventListener('change', () => {
    clearInterval(tail);
    tail = live.checked ? setInterval(() => poll().catch((e) => (status.textContent = e.message)), 300) : null;
  });
  for (const c of [partition, how]) c.addEventListener('change', () => load().catch((e) => (status.textContent = e.message)));
  offset.addEventListener('change', () => load().catch((e) => (status.textContent = e.message)));
  view.replaceChildren(
    el('div', { class: 'controls' }, partition, el('label', {}, 'from offset ', offset), el('label', {}, 'as ', how), el('label', {}, live, ' live tail'), status),
    el('table', { id: 'messages' }, el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'Offset'), el('th', { class: 'wide' }, 'Timestamp'), el('th', {}, 'Key'), el('th', {}, 'Value'), el('th', { class: 'wide' }, 'Headers'))), body));
  await load();
}

async function groupsView() {
  where.textContent = 'groups';
  const groups = await api('/api/groups');
  const described = await Promise.all(groups.map((g) => api('/api/groups/' + encodeURIComponent(g.groupId))));
  view.replaceChildren(el('table', { id: 'groups' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Group'), el('th', {}, 'State'), el('th', { class: 'num' }, 'Members'), el('th', { class: 'num' }, 'Lag'))),
    el('tbody', {}, ...described.map((d) => el('tr', { 'data-group': d.groupId },
      el('td', {}, el('a', { href: '#/groups/' + encodeURIComponent(d.groupId) }, d.groupId)),
      el('td', { 'data-field': 'state' }, d.state),
      el('td', { class: 'num' }, d.members.length),
      el('td', { class: 'num', 'data-field': 'lag' }, d.totalLag))))),
    groups.length === 0 ? el('p', { class: 'muted' }, 'No consumer groups yet.') : '');
}

async function groupView(id) {
  where.textContent = 'group ' + id;
  const d = await api('/api/groups/' + encodeURIComponent(id));
  const show = (n) => (n === null ? '–' : n);
  view.replaceChildren(
    el('p', {}, 'State ', el('strong', { id: 'state' }, d.state), ', ' + d.members.length + ' members, generation ' + d.generationId + ', total lag ', el('strong', { id: 'total-lag' }, d.totalLag)),
    el('table', { id: 'offsets' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Topic'), el('th', { class: 'num' }, 'Partition'), el('th', { class: 'num' }, 'Committed'), el('th', { class: 'num' }, 'End'), el('th', { class: 'num' }, 'Lag'), el('th', { class: 'wide' }, 'Member'))),
      el('tbody', {}, ...d.offsets.map((o) => el('tr', { 'data-tp': o.topic + '-' + o.partition },
        el('td', {}, o.topic), el('td', { class: 'num' }, o.partition),
        el('td', { class: 'num', 'data-field': 'committed' }, show(o.committedOffset)),
        el('td', { class: 'num', 'data-field': 'end' }, show(o.logEndOffset)),
        el('td', { class: 'num', 'data-field': 'lag' }, show(o.lag)),
        el('td', { class: 'wide' }, o.clientId || o.memberId || '–'))))));
}

async function route() {
  clearInterval(tail);
  tail = null;
  const m = /^#\\/topics\\/(.+)$/.exec(location.hash);
  try {
    const g = /^#\\/groups\\/(.+)$/.exec(location.hash);
    if (m) await topicView(decodeURIComponent(m[1]));
    else if (g) await groupView(decodeURIComponent(g[1]));
    else if (location.hash === '#/groups') await groupsView();
    else await overview();
    document.body.dataset.ready = location.hash || '#/';
  } catch (e) {
    view.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}
window.addEventListener('hashchange', route);
route();
</script>
</body>
</html>
`;
