// Consumer groups: the list, and one group's page with its members and assignments, committed
// offsets and lag per partition, a chart of lag over time, and an offset reset (inactive groups).
import { h, s, clear, num, rate, time, api, message } from './dom.js';

const COLORS = ['#1f4e79', '#c62828', '#0b7a75', '#6a3fb5', '#b35900', '#2e7d32', '#ad1457', '#455a64'];

export function groupsView(main, onTopology) {
  const body = h('tbody');
  clear(main, h('h1', {}, 'Consumer groups'),
    h('table', { id: 'groups-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Group'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Members'),
      h('th', {}, 'Topics'), h('th', { class: 'num' }, 'Lag'), h('th', { class: 'num' }, 'Consumed'))), body));
  const unsubscribe = onTopology(snap => {
    clear(body, snap.groups.length === 0 ? h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No consumer groups yet.')) : snap.groups.map(g => h('tr', { 'data-group': g.id },
      h('td', {}, h('a', { href: `#/groups/${encodeURIComponent(g.id)}` }, g.id)), h('td', {}, h('span', { class: `pill ${g.state}` }, g.state)),
      h('td', { class: 'num' }, g.members.length), h('td', {}, g.topics.map(t => t.topic).join(', ')),
      h('td', { class: `num${g.lag > 0 ? ' lag-bad' : ''}` }, num(g.lag)), h('td', { class: 'num' }, rate(g.topics.reduce((a, t) => a + t.recordsPerSec, 0))))));
  });
  return { dispose: unsubscribe };
}

export function groupView(main, groupId, onTopology) {
  const base = `/v1/console/groups/${encodeURIComponent(groupId)}`;
  const status = h('div');
  const stateBadge = h('span');
  const membersBody = h('tbody');
  const offsetsBody = h('tbody');
  const chart = s('svg', { class: 'chart', id: 'lag-chart', role: 'img', 'aria-label': `lag of ${groupId} per partition over time` });
  const legend = h('div', { class: 'legend', id: 'lag-legend' });

  const topic = h('select', { id: 'reset-topic' });
  const partition = h('input', { id: 'reset-partition', placeholder: 'all', inputmode: 'numeric', autocomplete: 'off' });
  const to = h('select', { id: 'reset-to' }, ['earliest', 'latest', 'offset', 'timestamp'].map(v => h('option', { value: v }, v)));
  const value = h('input', { id: 'reset-value', placeholder: 'offset or Unix ms', inputmode: 'numeric', autocomplete: 'off' });
  const resetButton = h('button', { type: 'submit', id: 'reset-offsets' }, 'Reset offsets');
  const resetHint = h('p', { class: 'muted' });
  const reset = h('form', { class: 'row', 'aria-label': 'Reset offsets' },
    h('label', { for: 'reset-topic' }, 'Topic', topic), h('label', { for: 'reset-partition' }, 'Partition', partition),
    h('label', { for: 'reset-to' }, 'To', to), h('label', { for: 'reset-value' }, 'Value', value), resetButton);
  reset.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const body = { topic: topic.value, to: to.value, partition: partition.value.trim() === '' ? null : Number(partition.value) };
      if (to.value === 'offset' || to.value === 'timestamp') body.value = Number(value.value);
      const result = await api(`${base}/reset-offsets`, { json: body });
      message(status, 'ok', `Reset ${result.offsets.length} partition(s): ${result.offsets.map(o => `${o.topic}/${o.partition}→${o.offset}`).join(', ')}.`);
    } catch (e) {
      message(status, 'error', e.message);
    }
  });

  clear(main,
    h('p', {}, h('a', { href: '#/groups' }, '← Consumer groups')),
    h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0' }, groupId), stateBadge),
    status,
    h('h2', {}, 'Lag per partition over time'), chart, legend,
    h('div', { class: 'grid2' },
      h('div', {}, h('h2', {}, 'Members'),
        h('table', { id: 'members-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Client id'), h('th', {}, 'Host'), h('th', {}, 'Assignment'), h('th', {}, 'Member id'))), membersBody)),
      h('div', {}, h('h2', {}, 'Committed offsets'),
        h('table', { id: 'offsets-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', { class: 'num' }, 'Partition'), h('th', { class: 'num' }, 'Committed'),
          h('th', { class: 'num' }, 'High watermark'), h('th', { class: 'num' }, 'Lag'), h('th', {}, 'Committed at'))), offsetsBody))),
    h('h2', {}, 'Reset offsets'), h('div', { class: 'panel' }, resetHint, reset));

  let loading = false;
  async function load(snap) {
    if (loading) return;
    loading = true;
    try {
      const { group, history } = await api(base);
      clear(stateBadge, h('span', { class: `pill ${group.state}` }, group.state), ' ', h('span', { class: 'muted' }, `${group.protocolType || 'no protocol'} ${group.protocol || ''} · lag ${num(group.lag)}`));
      clear(membersBody, group.members.length === 0 ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No members: the group is inactive.')) : group.members.map(m => h('tr', { 'data-member': m.memberId },
        h('td', {}, m.clientId), h('td', {}, m.host.replace(/^\//, '')), h('td', { class: 'mono' }, m.assignment.map(a => `${a.topic} [${a.partitions.join(', ')}]`).join('\n') || '–'), h('td', { class: 'mono muted' }, m.memberId))));
      const rows = group.topics.flatMap(t => t.partitions.map(p => ({ topic: t.topic, ...p })));
      clear(offsetsBody, rows.length === 0 ? h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No committed offsets.')) : rows.map(p => h('tr', { 'data-partition': `${p.topic}/${p.partition}` },
        h('td', {}, p.topic), h('td', { class: 'num' }, p.partition), h('td', { class: 'num' }, num(p.committedOffset)), h('td', { class: 'num' }, num(p.highWatermark)),
        h('td', { class: `num${p.lag > 0 ? ' lag-bad' : ''}` }, num(p.lag)), h('td', {}, time(p.commitTimestampMs)))));
      drawChart(chart, legend, history);
      const active = !['Empty', 'Dead'].includes(group.state);
      resetButton.disabled = active;
      resetHint.textContent = active ? `The group is ${group.state} with ${group.members.length} member(s): stop its consumers to reset offsets.` : 'The group is inactive: its committed offsets can be moved.';
      const topics = [...new Set([...group.topics.map(t => t.topic), ...snap.topics.filter(t => !t.internal).map(t => t.name)])];
      if (topic.options.length !== topics.length) {
        const keep = topic.value;
        clear(topic, topics.map(t => h('option', { value: t }, t)));
        if (keep) topic.value = keep;
      }
    } catch (e) {
      message(status, 'error', e.message);
    } finally {
      loading = false;
    }
  }
  const unsubscribe = onTopology(load);
  return { dispose: unsubscribe };
}

function drawChart(svg, legend, history) {
  const W = Math.max(400, svg.clientWidth || 900), H = 220, L = 56, R = 12, T = 12, B = 26;
  const keys = [...new Set(history.flatMap(p => Object.keys(p.partitions)))].sort().slice(0, COLORS.length);
  const t0 = history.length ? history[0].time : 0;
  const t1 = history.length ? Math.max(history[history.length - 1].time, t0 + 1000) : 1;
  const max = Math.max(1, ...history.flatMap(p => keys.map(k => p.partitions[k] ?? 0)));
  const x = t => L + (t - t0) / (t1 - t0) * (W - L - R);
  const y = v => T + (1 - v / max) * (H - T - B);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const grid = [0, 0.5, 1].map(f => [s('line', { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), stroke: '#e3e7ec' }),
    s('text', { x: L - 6, y: y(max * f) + 4, 'text-anchor': 'end' }, num(Math.round(max * f)))]);
  const lines = keys.map((k, i) => s('polyline', {
    fill: 'none', stroke: COLORS[i], 'stroke-width': 2, 'data-series': k,
    points: history.map(p => `${x(p.time).toFixed(1)},${y(p.partitions[k] ?? 0).toFixed(1)}`).join(' '),
  }));
  const span = history.length > 1 ? `${Math.round((t1 - t0) / 1000)} s` : 'collecting…';
  clear(svg, grid, lines, s('text', { x: L, y: H - 6 }, `last ${span}`), s('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, 'now'));
  clear(legend, keys.length === 0 ? h('span', {}, 'No committed offsets to chart yet.') : keys.map((k, i) => h('span', {}, h('i', { style: `background:${COLORS[i]}` }), k)));
}
