/**
 * The page's cluster and topic views (`/static/topics.js`): `#/` the cluster overview (engine,
 * brokers, totals, records/s in and out, the topics), `#/topics/<name>` a topic's partitions
 * (offsets, size, segments, leader/replicas where the engine has them), its configs with their
 * source and an edit that shows the change and asks before it applies it, and a form that
 * produces one record (key, value, headers, partition) when its button is pressed.
 */
export const TOPICS_SCRIPT = String.raw`'use strict';
routes.push([/^#\/$/, overview]);
routes.push([/^#\/topics\/([^/]+)$/, topicView]);

async function overview() {
  where.textContent = 'cluster';
  const [o, topics] = await Promise.all([api('/api/overview'), api('/api/topics')]);
  const stat = (label, value, field) => el('div', { class: 'stat' }, el('div', { class: 'muted' }, label), el('strong', { 'data-field': field }, value));
  const rows = topics.map((t) => el('tr', { 'data-topic': t.name },
    el('td', {}, el('a', { href: '#/topics/' + enc(t.name) }, t.name)),
    el('td', { class: 'num' }, t.partitions.length),
    el('td', { class: 'num', 'data-field': 'records' }, t.records),
    el('td', { class: 'wide' }, t.partitions.map((p) => p.partition + ': ' + p.start + '–' + p.end).join(', ')),
    el('td', {}, el('a', { href: '#/topics/' + enc(t.name) + '/messages' }, 'messages'))));
  const last = o.rates[o.rates.length - 1];
  view.replaceChildren(
    el('section', { class: 'stats', id: 'cluster' },
      stat('Engine', o.engine, 'engine'),
      stat('Brokers', o.brokers.length === 0 ? '1 (this process)' : o.brokers.join(', '), 'brokers'),
      stat('Topics', o.topics, 'topics'), stat('Partitions', o.partitions, 'partitions'),
      stat('Records', o.records.toLocaleString(), 'total-records'), stat('Size', bytesText(o.sizeInBytes), 'size'),
      stat('In / out', last ? Math.round(last.inPerSecond) + ' / ' + Math.round(last.outPerSecond) + ' records/s' : 'measuring…', 'rates')),
    el('div', { class: 'charts' },
      lineChart(o.rates.map((r) => ({ at: r.at, y: Math.round(r.inPerSecond) })), { id: 'rate-in', label: 'records/s in' }),
      lineChart(o.rates.map((r) => ({ at: r.at, y: Math.round(r.outPerSecond) })), { id: 'rate-out', label: 'records/s out (committed by groups)' })),
    table('topics', [['Topic'], ['Partitions', 'num'], ['Records', 'num'], ['Offsets (start–end)', 'wide'], ['']], rows),
    topics.length === 0 ? el('p', { class: 'muted' }, 'No topics yet.') : '');
  // Rates are measured between samples: refresh while the overview is open.
  const timer = setInterval(() => { if (location.hash === '' || location.hash === '#/') route(); }, 10000);
  leaving.push(() => clearInterval(timer));
}

async function topicView(name) {
  where.textContent = name;
  const t = await api('/api/topics/' + enc(name));
  const replicas = t.partitions.some((p) => p.replicas !== undefined);
  const partitions = table('partitions',
    [['Partition', 'num'], ['Start', 'num'], ['End', 'num'], ['Records', 'num'], ['Size', 'num'], ['Segments', 'num'], ...(replicas ? [['Leader'], ['Replicas', 'wide'], ['ISR', 'wide']] : [])],
    t.partitions.map((p) => el('tr', { 'data-partition': p.partition },
      el('td', { class: 'num' }, el('a', { href: '#/topics/' + enc(name) + '/messages?partition=' + p.partition }, p.partition)),
      el('td', { class: 'num', 'data-field': 'start' }, p.logStartOffset), el('td', { class: 'num', 'data-field': 'end' }, p.logEndOffset),
      el('td', { class: 'num' }, p.logEndOffset - p.logStartOffset), el('td', { class: 'num', 'data-field': 'size' }, p.sizeInBytes),
      el('td', { class: 'num', 'data-field': 'segments' }, p.segments),
      ...(replicas ? [el('td', {}, show(p.leader)), el('td', { class: 'wide' }, (p.replicas || []).join(', ')), el('td', { class: 'wide' }, (p.isr || []).join(', '))] : []))));
  view.replaceChildren(
    el('p', {}, el('strong', {}, name), ' · ' + t.partitions.length + ' partitions · ' + t.records.toLocaleString() + ' records · ' + bytesText(t.sizeInBytes) + ' · ', el('a', { href: '#/topics/' + enc(name) + '/messages', id: 'browse' }, 'browse messages')),
    el('h2', {}, 'Partitions'), partitions,
    el('h2', {}, 'Configs'), configEditor(name, t),
    el('h2', {}, 'Produce a record'), produceForm(name, t.partitions.length));
}

function configEditor(name, t) {
  const status = el('span', { id: 'config-status', class: 'muted' });
  const inputs = new Map();
  const rows = t.configs.map((c) => {
    const input = el('input', { value: c.value, 'data-config': c.name, disabled: !t.configsEditable, size: 16 });
    inputs.set(c.name, { input, entry: c });
    return el('tr', { 'data-config': c.name }, el('td', {}, c.name), el('td', {}, input), el('td', { class: 'muted wide', 'data-field': 'source' }, c.source));
  });
  const preview = el('div', { id: 'config-preview' });
  const review = guarded(status, () => {
    const changes = {};
    for (const [key, { input, entry }] of inputs) if (input.value !== entry.value) changes[key] = input.value;
    if (Object.keys(changes).length === 0) { status.textContent = 'nothing changed'; status.className = 'muted'; return; }
    const apply = el('button', { id: 'config-apply', class: 'danger', onclick: guarded(status, async () => {
      await api('/api/topics/' + enc(name) + '/configs', { changes });
      status.textContent = 'applied'; status.className = 'ok';
      await route();
    }) }, 'Apply ' + Object.keys(changes).length + ' change(s)');
    preview.replaceChildren(table('config-changes', [['Config'], ['Now'], ['New']],
      Object.entries(changes).map(([k, v]) => el('tr', { 'data-config': k }, el('td', {}, k), el('td', {}, inputs.get(k).entry.value), el('td', { 'data-field': 'new' }, v)))),
      el('div', { class: 'controls' }, apply, el('button', { onclick: () => preview.replaceChildren() }, 'Cancel')));
  });
  return el('div', {}, table('configs', [['Config'], ['Value'], ['Source', 'wide']], rows),
    el('div', { class: 'controls' }, t.configsEditable ? el('button', { id: 'config-review', onclick: review }, 'Review changes…') : el('span', { class: 'muted' }, 'this engine cannot change configs'), status), preview);
}

function produceForm(name, partitions) {
  const partition = el('select', { id: 'produce-partition' }, el('option', { value: '' }, 'by key (murmur2)'), ...Array.from({ length: partitions }, (_, p) => el('option', { value: p }, 'partition ' + p)));
  const key = el('input', { id: 'produce-key', placeholder: 'key (empty: null)' });
  const value = el('textarea', { id: 'produce-value', rows: 3, placeholder: 'value' });
  const headers = el('textarea', { id: 'produce-headers', rows: 2, placeholder: 'headers, one name: value a line' });
  const status = el('span', { id: 'produce-status', class: 'muted' });
  const send = guarded(status, async () => {
    const hs = headers.value.split('\n').filter((l) => l.trim() !== '').map((l) => {
      const i = l.indexOf(':');
      if (i <= 0) throw new Error('a header line is "name: value", got ' + JSON.stringify(l));
      return { key: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
    });
    const body = { key: key.value === '' ? null : key.value, value: value.value, headers: hs };
    if (partition.value !== '') body.partition = Number(partition.value);
    const m = await api('/api/topics/' + enc(name) + '/records', body);
    status.textContent = 'produced to partition ' + m.partition + ' at offset ' + m.offset;
    status.className = 'ok';
    status.dataset.partition = m.partition;
    status.dataset.offset = m.offset;
  });
  return el('div', { class: 'form' }, el('label', {}, 'Partition ', partition), el('label', {}, 'Key ', key), el('label', {}, 'Value ', value), el('label', {}, 'Headers ', headers),
    el('div', { class: 'controls' }, el('button', { id: 'produce', onclick: send }, 'Produce'), status));
}
`;
