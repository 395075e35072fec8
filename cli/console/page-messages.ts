/**
 * The page's message browser (`/static/messages.js`), `#/topics/<name>/messages[?partition=N]`:
 * one partition from an offset, from a time, or the records with a key; shown as text, JSON
 * (collapsible), hex or base64, with headers; a value cut at 64 KiB has a button that loads it
 * whole; the live tail is an `EventSource` on the server's event stream (no polling), which
 * appends each record as the engine gets it.
 */
export const MESSAGES_SCRIPT = String.raw`'use strict';
routes.push([/^#\/topics\/([^/?]+)\/messages(?:\?partition=(\d+))?$/, messagesView]);

async function messagesView(name, wantedPartition) {
  where.textContent = name + ' · messages';
  const topic = (await api('/api/topics?internal=true')).find((t) => t.name === name);
  if (!topic) throw new Error('no topic ' + name);
  const partition = el('select', { id: 'partition' }, ...topic.partitions.map((p) => el('option', { value: p.partition }, 'partition ' + p.partition + ' (' + p.start + '–' + p.end + ')')));
  // Opens on the partition asked for, else on the first that holds records.
  partition.value = String(wantedPartition ?? (topic.partitions.find((p) => p.end > p.start) || topic.partitions[0]).partition);
  const mode = el('select', { id: 'mode' }, el('option', { value: 'offset' }, 'from offset'), el('option', { value: 'timestamp' }, 'from time'), el('option', { value: 'key' }, 'with key'));
  const offset = el('input', { id: 'offset', type: 'number', min: '0', value: '0', style: 'width: 8em' });
  const time = el('input', { id: 'timestamp', type: 'datetime-local', step: '0.001', hidden: true });
  const key = el('input', { id: 'key', placeholder: 'key', hidden: true, style: 'width: 10em' });
  const how = el('select', { id: 'format' }, ...['text', 'json', 'hex', 'base64'].map((f) => el('option', { value: f }, f)));
  const live = el('input', { id: 'tail', type: 'checkbox' });
  const status = el('span', { class: 'muted', id: 'status' });
  const body = el('tbody', {});
  const base = '/api/topics/' + enc(name) + '/partitions/';
  let shown = [];
  let stream = null;

  const cell = (r, field, shownBytes) => {
    if (how.value === 'json' && shownBytes && shownBytes.encoding === 'utf8' && !shownBytes.truncated) {
      try { return el('div', { 'data-field': field, 'data-json': true }, jsonTree(JSON.parse(shownBytes.text))); } catch { /* not JSON: shown as text */ }
    }
    const pre = el('pre', { 'data-field': field }, format(shownBytes, how.value));
    if (!shownBytes || !shownBytes.truncated) return pre;
    const whole = el('button', { class: 'small', 'data-action': 'load-whole', onclick: guarded(status, async () => {
      whole.disabled = true;
      const full = await api(base + r.partition + '/records/' + r.offset);
      const i = shown.findIndex((s) => s.offset === r.offset);
      if (i >= 0) shown[i] = full;
      render();
    }) }, 'load all ' + bytesText(shownBytes.bytes));
    return el('div', {}, pre, whole);
  };
  const row = (r) => el('tr', { 'data-offset': r.offset },
    el('td', { class: 'num' }, r.offset),
    el('td', { class: 'wide' }, new Date(r.timestamp).toISOString()),
    el('td', {}, cell(r, 'key', r.key)),
    el('td', {}, cell(r, 'value', r.value)),
    el('td', { class: 'wide' }, el('pre', { 'data-field': 'headers' }, r.headers.map((h) => h.key + ': ' + format(h.value, 'text')).join('\n'))));
  const render = () => body.replaceChildren(...shown.map(row));

  let loads = 0;
  async function load() {
    // Answers can arrive out of order: only the last load asked for shows.
    const mine = ++loads;
    // A key search starts at the offset too.
    offset.hidden = mode.value === 'timestamp';
    time.hidden = mode.value !== 'timestamp';
    key.hidden = mode.value !== 'key';
    const p = base + partition.value;
    if (mode.value === 'key') {
      const found = await api(p + '/search?limit=100&key=' + enc(key.value) + '&offset=' + (Number(offset.value) || 0));
      if (mine !== loads) return;
      shown = found.records;
      status.textContent = shown.length + ' records with key ' + JSON.stringify(key.value) + ' in offsets ' + found.from + '–' + found.to + (found.to < found.end ? ' (of ' + found.end + '; search on from ' + found.to + ')' : '');
    } else {
      const at = mode.value === 'timestamp' && time.value !== '' ? '&timestamp=' + new Date(time.value).getTime() : '&offset=' + (Number(offset.value) || 0);
      const records = await api(p + '/messages?limit=100' + at);
      if (mine !== loads) return;
      shown = records;
      status.textContent = shown.length + ' records';
    }
    render();
    restartTail();
  }

  function restartTail() {
    if (stream) stream.close();
    stream = null;
    if (!live.checked || mode.value === 'key') return;
    const next = shown.length > 0 ? shown[shown.length - 1].offset + 1 : null;
    stream = new EventSource(base + partition.value + '/tail' + (next === null ? '' : '?offset=' + next));
    stream.addEventListener('open', () => { status.textContent = 'live: waiting for records'; document.body.dataset.tail = 'open'; });
    stream.addEventListener('records', (e) => {
      const records = JSON.parse(e.data);
      shown.push(...records);
      for (const r of records) body.append(row(r));
      status.textContent = 'live: ' + shown.length + ' records';
    });
    stream.addEventListener('error', () => { status.textContent = 'live: reconnecting…'; delete document.body.dataset.tail; });
  }

  const reload = guarded(status, load);
  live.addEventListener('change', restartTail);
  for (const c of [partition, mode, offset, time]) c.addEventListener('change', reload);
  key.addEventListener('change', reload);
  how.addEventListener('change', render);
  leaving.push(() => { if (stream) stream.close(); delete document.body.dataset.tail; });
  view.replaceChildren(
    el('p', {}, el('a', { href: '#/topics/' + enc(name) }, name), ' · messages'),
    el('div', { class: 'controls' }, partition, mode, offset, time, key, el('label', {}, 'as ', how), el('label', {}, live, ' live tail'), status),
    el('table', { id: 'messages' }, el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'Offset'), el('th', { class: 'wide' }, 'Timestamp'), el('th', {}, 'Key'), el('th', {}, 'Value'), el('th', { class: 'wide' }, 'Headers'))), body));
  await load();
}
`;
