/**
 * The page's pipeline view (`/static/pipeline.js`), `#/pipeline`, when the console runs inside
 * `sluice run --console`: each source and sink with its state, records and rate, lag, failed
 * (dead-letter) and dropped records and its error, and the streams; it refreshes every 2 s. Each
 * connector has buttons to pause, resume or restart it (a POST on click, answered with its new
 * state, shown at once).
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
    table('connectors', [['Name'], ['Type', 'wide'], ['State'], [''], ['In', 'num'], ['Out', 'num'], ['Rate', 'num'], ['Lag', 'num'], ['Dead-letter', 'num'], ['Dropped', 'num wide'], ['Error', 'wide']],
      p.connectors.map((c) => el('tr', { 'data-connector': c.name },
        el('td', {}, c.name), el('td', { class: 'wide' }, c.kind + ' · ' + c.connector), el('td', { 'data-field': 'state', class: c.state === 'failed' ? 'error' : '' }, c.state),
        el('td', { class: 'actions' }, connectorButtons(c)),
        el('td', { class: 'num', 'data-field': 'in' }, c.recordsIn), el('td', { class: 'num', 'data-field': 'out' }, c.recordsOut), el('td', { class: 'num' }, rate(c.outPerSecond)),
        el('td', { class: 'num', 'data-field': 'lag' }, show(c.lag)), el('td', { class: 'num', 'data-field': 'failed' }, c.failed), el('td', { class: 'num wide' }, c.dropped),
        el('td', { class: 'wide error' }, c.error || '')))),
    el('p', { class: 'error', id: 'connector-error' }),
  ];
  if (p.streams) {
    const s = p.streams;
    parts.push(el('h2', {}, 'Streams'), table('streams', [['In', 'num'], ['Out', 'num'], ['Rate', 'num'], ['Lag', 'num'], ['Late', 'num'], ['Skipped', 'num'], ['Tasks', 'num']],
      [el('tr', {}, ...[s.recordsIn, s.recordsOut, rate(s.inPerSecond), s.lag, s.lateRecords, s.skippedRecords, s.tasks].map((v) => el('td', { class: 'num' }, v)))]));
  }
  parts.push(el('p', { class: 'muted' }, 'Pause stops a connector reading (a source) or delivering (a sink) and keeps its place; resume goes on from there; restart stops it and starts it again with the same config.'));
  view.replaceChildren(...parts);
  const timer = setTimeout(() => { if (location.hash === '#/pipeline') route(); }, 2000);
  leaving.push(() => clearTimeout(timer));
}

/** Pause (when running), resume (when paused or stopped), restart: each a POST on click; the answer's state shows at once. */
function connectorButtons(c) {
  const act = async (action, button) => {
    const row = button.closest('tr');
    const error = document.getElementById('connector-error');
    for (const b of row.querySelectorAll('button')) b.disabled = true;
    try {
      const done = await api('/api/pipeline/connectors/' + enc(c.name) + '/' + action, {});
      const state = row.querySelector('[data-field="state"]');
      state.textContent = done.state;
      state.className = done.state === 'failed' ? 'error' : '';
      row.querySelector('[data-action="pause"]').hidden = done.state !== 'running';
      row.querySelector('[data-action="resume"]').hidden = done.state !== 'paused' && done.state !== 'stopped';
      error.textContent = '';
    } catch (e) {
      error.textContent = c.name + ': ' + action + ' failed: ' + e.message;
    } finally {
      for (const b of row.querySelectorAll('button')) b.disabled = false;
    }
  };
  const button = (action, label, shown) => el('button', { class: 'small', type: 'button', 'data-action': action, hidden: !shown, onclick: (e) => act(action, e.currentTarget) }, label);
  return [button('pause', 'Pause', c.state === 'running'), ' ', button('resume', 'Resume', c.state === 'paused' || c.state === 'stopped'), ' ', button('restart', 'Restart', true)];
}
`;
