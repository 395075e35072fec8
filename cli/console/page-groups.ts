/**
 * The page's consumer-group views (`/static/groups.js`): `#/groups` every group with its state,
 * members and lag; `#/groups/<id>` its members and their assignment, committed offset, end and lag
 * per partition, its lag over time (since the console started), and a reset of its offsets as
 * `sluice groups reset-offsets` does it: the server computes the plan (a dry run) and shows each
 * partition's current and new offset; only the confirm button commits it.
 */
export const GROUPS_SCRIPT = String.raw`'use strict';
routes.push([/^#\/groups$/, groupsView]);
routes.push([/^#\/groups\/([^/]+)$/, groupView]);

async function groupsView() {
  where.textContent = 'groups';
  const groups = await api('/api/groups');
  const described = await Promise.all(groups.map((g) => api('/api/groups/' + enc(g.groupId))));
  view.replaceChildren(table('groups', [['Group'], ['State'], ['Members', 'num'], ['Lag', 'num']],
    described.map((d) => el('tr', { 'data-group': d.groupId },
      el('td', {}, el('a', { href: '#/groups/' + enc(d.groupId) }, d.groupId)),
      el('td', { 'data-field': 'state' }, d.state),
      el('td', { class: 'num' }, d.members.length),
      el('td', { class: 'num', 'data-field': 'lag' }, d.totalLag)))),
    groups.length === 0 ? el('p', { class: 'muted' }, 'No consumer groups yet.') : '');
}

async function groupView(id) {
  where.textContent = 'group ' + id;
  const d = await api('/api/groups/' + enc(id));
  const members = d.members.length === 0 ? el('p', { class: 'muted' }, 'No active members.') : table('members', [['Member'], ['Client'], ['Assignment']],
    d.members.map((m) => el('tr', { 'data-member': m.memberId },
      el('td', {}, m.groupInstanceId || m.memberId), el('td', {}, m.clientId),
      el('td', { 'data-field': 'assignment' }, m.assignment.map((tp) => tp.topic + '-' + tp.partition).join(', ') || '–'))));
  view.replaceChildren(
    el('p', {}, 'State ', el('strong', { id: 'state' }, d.state), ', ' + d.members.length + ' members, generation ' + d.generationId + (d.assignor ? ', assignor ' + d.assignor : '') + ', total lag ', el('strong', { id: 'total-lag' }, d.totalLag)),
    lineChart(d.lagHistory.map((s) => ({ at: s.at, y: s.lag })), { id: 'lag-chart', label: 'lag' }),
    el('h2', {}, 'Members'), members,
    el('h2', {}, 'Offsets'),
    table('offsets', [['Topic'], ['Partition', 'num'], ['Committed', 'num'], ['End', 'num'], ['Lag', 'num'], ['Member', 'wide']],
      d.offsets.map((o) => el('tr', { 'data-tp': o.topic + '-' + o.partition },
        el('td', {}, o.topic), el('td', { class: 'num' }, o.partition),
        el('td', { class: 'num', 'data-field': 'committed' }, show(o.committedOffset)),
        el('td', { class: 'num', 'data-field': 'end' }, show(o.logEndOffset)),
        el('td', { class: 'num', 'data-field': 'lag' }, show(o.lag)),
        el('td', { class: 'wide' }, o.clientId || o.memberId || '–')))),
    el('h2', {}, 'Reset offsets'), resetForm(id, [...new Set(d.offsets.map((o) => o.topic))]));
}

function resetForm(id, topics) {
  const to = el('select', { id: 'reset-to' }, ...[['earliest', 'to earliest'], ['latest', 'to latest'], ['offset', 'to offset'], ['datetime', 'to date-time']].map(([v, t]) => el('option', { value: v }, t)));
  const offset = el('input', { id: 'reset-offset', type: 'number', min: '0', value: '0', hidden: true, style: 'width: 8em' });
  const datetime = el('input', { id: 'reset-datetime', placeholder: '2026-12-06T10:00:00Z', hidden: true });
  const topic = el('select', { id: 'reset-topic' }, el('option', { value: '' }, 'every topic'), ...topics.map((t) => el('option', { value: t }, t)));
  const status = el('span', { id: 'reset-status', class: 'muted' });
  const preview = el('div', { id: 'reset-preview' });
  to.addEventListener('change', () => { offset.hidden = to.value !== 'offset'; datetime.hidden = to.value !== 'datetime'; preview.replaceChildren(); });
  const request = (execute) => {
    const body = { execute };
    if (to.value === 'earliest') body.toEarliest = true;
    else if (to.value === 'latest') body.toLatest = true;
    else if (to.value === 'offset') body.toOffset = offset.value;
    else body.toDatetime = datetime.value;
    if (topic.value !== '') body.topics = [topic.value];
    return api('/api/groups/' + enc(id) + '/reset-offsets', body);
  };
  const plan = guarded(status, async () => {
    const resets = await request(false);
    status.textContent = 'preview: nothing is committed until you confirm';
    status.className = 'muted';
    const confirm = el('button', { id: 'reset-confirm', class: 'danger', onclick: guarded(status, async () => {
      confirm.disabled = true;
      const done = await request(true);
      preview.replaceChildren();
      await route();
      const s = document.getElementById('reset-status');
      s.textContent = 'committed ' + done.length + ' offsets';
      s.className = 'ok';
    }) }, 'Commit these ' + resets.length + ' offsets');
    preview.replaceChildren(
      table('reset-plan', [['Topic'], ['Partition', 'num'], ['Current', 'num'], ['New', 'num']],
        resets.map((r) => el('tr', { 'data-tp': r.topic + '-' + r.partition }, el('td', {}, r.topic), el('td', { class: 'num' }, r.partition),
          el('td', { class: 'num', 'data-field': 'previous' }, show(r.previousOffset)), el('td', { class: 'num', 'data-field': 'new' }, r.newOffset)))),
      el('div', { class: 'controls' }, confirm, el('button', { onclick: () => { preview.replaceChildren(); status.textContent = ''; } }, 'Cancel')));
  });
  return el('div', {}, el('div', { class: 'controls' }, to, offset, datetime, topic, el('button', { id: 'reset-preview-button', onclick: plan }, 'Preview'), status), preview);
}
`;
