// The live topology picture: producers (left) → topics with their partitions, placed on the
// brokers that hold them (middle) → consumer groups with their members (right). Arrows carry
// the live produce rate and each group's lag and consume rate; it redraws on every picture the
// server sends (once a second). A cluster of one is drawn as one broker box holding every topic.
import { h, s, clear, num, rate, bytes } from './dom.js';

const COL_W = 210, GAP = 150, PAD = 16, ROW_H = 46, CHIP_W = 30, CHIP_H = 20, BROKER_HEAD = 40;

export function topologyView(main, onTopology) {
  let showInternal = false;
  const svg = s('svg', { id: 'topology-svg', role: 'img', 'aria-labelledby': 'topology-title topology-desc' });
  const summary = h('p', { id: 'topology-desc', class: 'muted', 'aria-live': 'polite' });
  const toggle = h('input', { type: 'checkbox', id: 'show-internal' });
  toggle.addEventListener('change', () => { showInternal = toggle.checked; if (last) draw(last); });
  clear(main,
    h('h1', { id: 'topology-title' }, 'Topology'),
    h('div', { class: 'toolbar' },
      h('div', { class: 'legend' },
        h('span', {}, h('i', { style: 'background:#6a3fb5' }), 'producer → topic: records/s'),
        h('span', {}, h('i', { style: 'background:#1f4e79' }), 'partition led here'),
        h('span', {}, h('i', { style: 'background:#fff;border:1px solid #1f4e79' }), 'follower replica'),
        h('span', {}, h('i', { style: 'background:#0b7a75' }), 'topic → group: lag · records/s'),
        h('span', {}, h('i', { style: 'background:#c62828' }), 'lagging')),
      h('label', { class: 'inline', style: 'flex-direction:row;align-items:center;gap:6px' }, toggle, 'show internal topics')),
    summary,
    svg);
  let last = null;
  const draw = snapshot => {
    last = snapshot;
    const focused = document.activeElement?.closest?.('#topology-svg a')?.getAttribute('href');
    render(svg, snapshot, showInternal, main.clientWidth);
    if (focused) svg.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
    const topics = snapshot.topics.filter(t => showInternal || !t.internal);
    summary.textContent = `${snapshot.brokers.length} broker(s), ${topics.length} topic(s), `
      + `${snapshot.producers.length} producer(s), ${snapshot.groups.length} consumer group(s); updated ${new Date(snapshot.time).toLocaleTimeString()}`;
  };
  const unsubscribe = onTopology(draw);
  const resize = () => last && draw(last);
  window.addEventListener('resize', resize);
  return { dispose() { unsubscribe(); window.removeEventListener('resize', resize); } };
}

function render(svg, snap, showInternal, width) {
  width = Math.max(width, 900);
  const topics = snap.topics.filter(t => showInternal || !t.internal);
  const topicNames = new Set(topics.map(t => t.name));
  const midX = PAD + COL_W + GAP;
  const midW = width - 2 * (PAD + COL_W + GAP);
  const groupX = midX + midW + GAP;
  const nodes = [];
  const edges = [];
  const anchors = new Map(); // topic → [{ left, right, y }] rows where it has leaders

  // Middle: one box per broker with the topics whose partitions it holds.
  let y = 44;
  nodes.push(s('text', { x: midX, y: 24, class: 'column' }, snap.brokers.length === 1 ? 'Cluster of one broker' : `Cluster of ${snap.brokers.length} brokers`));
  for (const broker of snap.brokers) {
    const rows = topics.filter(t => t.partitions.some(p => p.replicas.includes(broker.id)));
    const boxH = BROKER_HEAD + Math.max(rows.length, 1) * (ROW_H + 8) + 8;
    const g = s('g', { class: 'broker', 'data-broker': broker.id });
    g.append(s('rect', { x: midX, y, width: midW, height: boxH, rx: 10 }));
    const badges = [broker.id === snap.controllerId ? 'controller' : null, broker.self ? 'this node' : null, broker.fenced ? 'fenced' : null].filter(Boolean).join(' · ');
    g.append(s('text', { x: midX + 12, y: y + 22, class: 'title' }, `Broker ${broker.id}`),
      s('text', { x: midX + 80, y: y + 22, class: 'sub' }, `${broker.host}:${broker.port}${broker.rack ? ` · rack ${broker.rack}` : ''}${badges ? ` · ${badges}` : ''}`));
    let rowY = y + BROKER_HEAD;
    if (rows.length === 0) {
      g.append(s('text', { x: midX + 14, y: rowY + 26, class: 'sub' }, 'No topics yet — create one on the Topics page or produce with any Kafka client.'));
    }
    for (const topic of rows) {
      const link = s('a', { href: `#/topics/${encodeURIComponent(topic.name)}`, class: 'topic', 'data-topic': topic.name, 'aria-label': `topic ${topic.name}, ${topic.partitionCount} partitions, ${rate(topic.inRecordsPerSec)} in` });
      const rx = midX + 10, rw = midW - 20;
      link.append(s('rect', { class: 'box', x: rx, y: rowY, width: rw, height: ROW_H, rx: 6 }),
        s('text', { x: rx + 10, y: rowY + 19, class: 'title' }, topic.name),
        s('text', { x: rx + 10, y: rowY + 36, class: 'sub' }, `${topic.partitionCount} partition${topic.partitionCount === 1 ? '' : 's'} · ${num(topic.records)} records · ${bytes(topic.sizeBytes)} · ${rate(topic.inRecordsPerSec)}`));
      const chipsX = rx + Math.min(rw * 0.5, 260);
      const perRow = Math.max(1, Math.floor((rx + rw - chipsX - 6) / (CHIP_W + 4)));
      const held = topic.partitions.filter(p => p.replicas.includes(broker.id));
      held.slice(0, perRow * 2 - 1).forEach((p, i) => {
        const cx = chipsX + (i % perRow) * (CHIP_W + 4);
        const cy = rowY + 3 + Math.floor(i / perRow) * (CHIP_H + 2);
        const leader = p.leader === broker.id;
        const chip = s('g', { class: `chip ${leader ? 'leader' : 'follower'}`, 'data-partition': p.partition });
        chip.append(s('title', {}, `${topic.name}-${p.partition}: ${leader ? 'leader' : 'follower'} on broker ${broker.id}, offsets ${num(p.logStartOffset)}…${num(p.highWatermark)}, ${bytes(p.sizeBytes)}, ${rate(p.inRecordsPerSec)}`),
          s('rect', { x: cx, y: cy, width: CHIP_W, height: CHIP_H, rx: 4 }),
          s('text', { x: cx + CHIP_W / 2, y: cy + 14, 'text-anchor': 'middle' }, `p${p.partition}`));
        link.append(chip);
      });
      if (held.length > perRow * 2 - 1) {
        const i = perRow * 2 - 1;
        link.append(s('text', { x: chipsX + (i % perRow) * (CHIP_W + 4) + 4, y: rowY + 3 + (CHIP_H + 2) + 14, class: 'sub' }, `+${held.length - i}`));
      }
      g.append(link);
      if (topic.partitions.some(p => p.leader === broker.id)) {
        if (!anchors.has(topic.name)) anchors.set(topic.name, []);
        anchors.get(topic.name).push({ left: rx, right: rx + rw, y: rowY + ROW_H / 2 });
      }
      rowY += ROW_H + 8;
    }
    nodes.push(g);
    y += boxH + 14;
  }
  let height = y;

  // Left: producers by client id.
  nodes.push(s('text', { x: PAD, y: 24, class: 'column' }, 'Producers'));
  let py = 44;
  const producers = snap.producers.filter(p => p.topics.some(t => topicNames.has(t.topic) || t.topic === '*'));
  if (producers.length === 0) {
    nodes.push(placeholder(PAD, py, 'No producers in the last 10 minutes', 'client ids appear as they produce'));
    py += 70;
  }
  for (const producer of producers) {
    const name = producer.clientId || '(no client id)';
    const g = s('g', { class: 'producer', 'data-client-id': producer.clientId });
    g.append(s('title', {}, `producer ${name}: ${rate(producer.recordsPerSec)}, ${bytes(producer.bytesPerSec)}/s`),
      s('rect', { x: PAD, y: py, width: COL_W, height: 46, rx: 8 }),
      s('text', { x: PAD + 10, y: py + 19, class: 'title' }, clip(name, 26)),
      s('text', { x: PAD + 10, y: py + 36, class: 'sub' }, `${rate(producer.recordsPerSec)} · ${bytes(producer.bytesPerSec)}/s`));
    nodes.push(g);
    for (const t of producer.topics) {
      for (const a of anchors.get(t.topic) ?? []) {
        edges.push(edge(PAD + COL_W, py + 23, a.left, a.y, 'produce', t.recordsPerSec > 0, rate(t.recordsPerSec), { from: producer.clientId, to: t.topic, rate: t.recordsPerSec }));
      }
    }
    py += 58;
  }
  height = Math.max(height, py);

  // Right: consumer groups with their members.
  nodes.push(s('text', { x: groupX, y: 24, class: 'column' }, 'Consumer groups'));
  let gy = 44;
  if (snap.groups.length === 0) {
    nodes.push(placeholder(groupX, gy, 'No consumer groups yet', 'groups appear when consumers join or commit'));
    gy += 70;
  }
  for (const group of snap.groups) {
    const members = group.members.slice(0, 4);
    const boxH = 46 + Math.max(members.length, 1) * 16 + (group.members.length > 4 ? 16 : 0);
    const link = s('a', { href: `#/groups/${encodeURIComponent(group.id)}`, class: 'group', 'data-group': group.id, 'aria-label': `group ${group.id}, ${group.state}, ${group.members.length} members, lag ${group.lag}` });
    link.append(s('rect', { class: 'box', x: groupX, y: gy, width: COL_W, height: boxH, rx: 8 }),
      s('text', { x: groupX + 10, y: gy + 19, class: 'title' }, clip(group.id, 26)),
      s('text', { x: groupX + 10, y: gy + 36, class: 'sub', 'data-group-lag': group.lag }, `${group.state} · lag ${num(group.lag)}`));
    if (group.members.length === 0) {
      link.append(s('text', { x: groupX + 14, y: gy + 54, class: 'sub' }, 'no members (inactive)'));
    }
    members.forEach((m, i) => {
      const assigned = m.assignment.map(a => `${a.topic}[${a.partitions.join(',')}]`).join(' ');
      link.append(s('text', { x: groupX + 14, y: gy + 54 + i * 16, class: 'sub', 'data-member': m.memberId }, clip(`• ${m.clientId} ${assigned}`, 34)));
    });
    if (group.members.length > 4) {
      link.append(s('text', { x: groupX + 14, y: gy + 54 + 4 * 16, class: 'sub' }, `+${group.members.length - 4} more`));
    }
    nodes.push(link);
    for (const t of group.topics) {
      for (const a of anchors.get(t.topic) ?? []) {
        const lagging = t.lag > 0;
        edges.push(edge(a.right, a.y, groupX, gy + 23, lagging ? 'consume lagging' : 'consume', t.recordsPerSec > 0, `lag ${num(t.lag)} · ${rate(t.recordsPerSec)}`, { from: t.topic, to: group.id, lag: t.lag, rate: t.recordsPerSec }));
      }
    }
    gy += boxH + 12;
  }
  height = Math.max(height, gy) + 8;

  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', height);
  clear(svg, s('defs', {},
    marker('arrow-produce', '#6a3fb5'), marker('arrow-consume', '#0b7a75'), marker('arrow-lagging', '#c62828')), edges.map(e => e.path), nodes, edges.map(e => e.label));
}

function edge(x1, y1, x2, y2, kind, active, labelText, data) {
  const dx = (x2 - x1) / 2;
  const mark = kind.includes('lagging') ? 'lagging' : kind;
  const path = s('path', { d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2 - 6},${y2}`, class: `edge ${kind}${active ? ' active' : ''}`, 'marker-end': `url(#arrow-${mark})` });
  const label = s('text', {
    x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle', class: `edge-label ${kind}`,
    'data-edge': kind.split(' ')[0], 'data-from': data.from, 'data-to': data.to, 'data-rate': data.rate, 'data-lag': data.lag,
  }, labelText);
  return { path, label };
}

function marker(id, color) {
  return s('marker', { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
}

function placeholder(x, y, title, sub) {
  return s('g', { class: 'placeholder' },
    s('rect', { x, y, width: COL_W, height: 56, rx: 8, fill: 'none', stroke: '#b8c0ca', 'stroke-dasharray': '5 4' }),
    s('text', { x: x + 10, y: y + 23, class: 'sub' }, title),
    s('text', { x: x + 10, y: y + 40, class: 'sub' }, sub));
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
