/**
 * The page's pipeline view (`/static/pipeline.js`), `#/pipeline`, when the console runs inside
 * `sluice run --console`: each source and sink with its state, records and rate, lag, failed
 * (dead-letter) and dropped records and its error, and the streams; it refreshes every 2 s.
 * Elsewhere the server has no `/api/pipeline` and the header shows no Pipeline link.
 */
export const PIPELINE_SCRIPT = String.raw`'use strict';
routes.push([/^#\/pipeline$/, pipelineView]);
// The link shows only where there is a pipeline to watch.
api('/api/pipeline').then(() => { document.getElementById('pipeline-link').hidden = false; }, () => {});

async function pipelineView() {
  const p = await api('/api/pipeline');
  where.textContent = 'pipeline ' + p.name;
  const rate = (n) => Math.round(n).toLocaleString() + '/s';
  const parts = [
    el('p', {}, 'Pipeline ', el('strong', { id: 'pipeline-name' }, p.name), p.started ? '' : ' (starting…)'),
    table('connectors', [['Name'], ['Type'], ['State'], ['In', 'num'], ['Out', 'num'], ['Rate', 'num'], ['Lag', 'num'], ['Dead-letter', 'num'], ['Dropped', 'num wide'], ['Error', 'wide']],
      p.connectors.map((c) => el('tr', { 'data-connector': c.name },
        el('td', {}, c.name), el('td', {}, c.kind + ' · ' + c.connector), el('td', { 'data-field': 'state', class: c.state === 'failed' ? 'error' : '' }, c.state),
        el('td', { class: 'num', 'data-field': 'in' }, c.recordsIn), el('td', { class: 'num', 'data-field': 'out' }, c.recordsOut), el('td', { class: 'num' }, rate(c.outPerSecond)),
        el('td', { class: 'num', 'data-field': 'lag' }, show(c.lag)), el('td', { class: 'num', 'data-field': 'failed' }, c.failed), el('td', { class: 'num wide' }, c.dropped),
        el('td', { class: 'wide error' }, c.error || '')))),
  ];
  if (p.streams) {
    const s = p.streams;
    parts.push(el('h2', {}, 'Streams'), table('streams', [['In', 'num'], ['Out', 'num'], ['Rate', 'num'], ['Lag', 'num'], ['Late', 'num'], ['Skipped', 'num'], ['Tasks', 'num']],
      [el('tr', {}, ...[s.recordsIn, s.recordsOut, rate(s.inPerSecond), s.lag, s.lateRecords, s.skippedRecords, s.tasks].map((v) => el('td', { class: 'num' }, v)))]));
  }
  parts.push(el('p', { class: 'muted' }, 'Pause, resume and restart connectors through the connector REST API of "sluice connect"; "sluice run" has none.'));
  view.replaceChildren(...parts);
  const timer = setTimeout(() => { if (location.hash === '#/pipeline') route(); }, 2000);
  leaving.push(() => clearTimeout(timer));
}
`;
