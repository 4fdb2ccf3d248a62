// Topics: the list (with create), and one topic's page: partitions with offsets and sizes,
// configs (override, reset to default), the message browser, a test producer, and delete.
import { h, clear, num, bytes, rate, time, api, message, decode } from './dom.js';

export function topicsView(main, onTopology) {
  const status = h('div');
  const name = h('input', { id: 'new-topic-name', name: 'name', required: true, pattern: '[a-zA-Z0-9._\\-]+', maxlength: 249, autocomplete: 'off' });
  const partitions = h('input', { id: 'new-topic-partitions', name: 'partitions', type: 'number', min: 1, max: 10000, value: 1 });
  const replication = h('input', { id: 'new-topic-rf', name: 'replicationFactor', type: 'number', min: 1, value: 1 });
  const form = h('form', { class: 'panel row', 'aria-label': 'Create a topic' },
    h('label', { for: 'new-topic-name' }, 'Name', name),
    h('label', { for: 'new-topic-partitions' }, 'Partitions', partitions),
    h('label', { for: 'new-topic-rf' }, 'Replication factor', replication),
    h('button', { type: 'submit', id: 'create-topic' }, 'Create topic'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const created = await api('/v1/console/topics', { json: { name: name.value.trim(), partitions: Number(partitions.value), replicationFactor: Number(replication.value) } });
      message(status, 'ok', `Created topic ${created.name} with ${created.partitions} partition(s).`);
      name.value = '';
    } catch (e) {
      message(status, 'error', e.message);
    }
  });
  const showInternal = h('input', { type: 'checkbox', id: 'topics-internal' });
  const body = h('tbody');
  const table = h('table', { id: 'topics-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Replicas'),
      h('th', { class: 'num' }, 'Records'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'In'))),
    body);
  clear(main, h('h1', {}, 'Topics'), form, status,
    h('div', { class: 'toolbar' }, h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, showInternal, 'show internal topics')),
    table);
  let last = null;
  const draw = snap => {
    last = snap;
    const topics = snap.topics.filter(t => showInternal.checked || !t.internal);
    clear(body, topics.length === 0 ? h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No topics yet.')) : topics.map(t => h('tr', { 'data-topic': t.name },
      h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(t.name)}` }, t.name), t.internal ? h('span', { class: 'pill', style: 'margin-left:6px' }, 'internal') : null),
      h('td', { class: 'num' }, t.partitionCount), h('td', { class: 'num' }, t.replicationFactor),
      h('td', { class: 'num' }, num(t.records)), h('td', { class: 'num' }, bytes(t.sizeBytes)), h('td', { class: 'num' }, rate(t.inRecordsPerSec)))));
  };
  showInternal.addEventListener('change', () => last && draw(last));
  const unsubscribe = onTopology(draw);
  return { dispose: unsubscribe };
}

export function topicView(main, topicName, onTopology) {
  const base = `/v1/console/topics/${encodeURIComponent(topicName)}`;
  const status = h('div');
  const partitionsBody = h('tbody');
  const configsBody = h('tbody');
  const configFilter = h('input', { type: 'search', id: 'config-filter', placeholder: 'filter configs', 'aria-label': 'Filter configs' });

  // Config override form.
  const cfgName = h('input', { id: 'config-name', list: 'config-names', autocomplete: 'off', required: true });
  const cfgValue = h('input', { id: 'config-value', autocomplete: 'off' });
  const names = h('datalist', { id: 'config-names' });
  const cfgForm = h('form', { class: 'row', 'aria-label': 'Set a config override' },
    h('label', { for: 'config-name' }, 'Config', cfgName), h('label', { for: 'config-value' }, 'Value', cfgValue),
    h('button', { type: 'submit' }, 'Set override'), names);
  cfgForm.addEventListener('submit', async event => {
    event.preventDefault();
    await change(() => api(`${base}/configs`, { method: 'PUT', json: { set: { [cfgName.value.trim()]: cfgValue.value } } }), `Set ${cfgName.value}.`);
  });

  // Message browser.
  const partitionSelect = h('select', { id: 'browse-partition' });
  const mode = h('select', { id: 'browse-mode' }, h('option', { value: 'latest' }, 'latest'), h('option', { value: 'offset' }, 'from offset'), h('option', { value: 'timestamp' }, 'from time'));
  const position = h('input', { id: 'browse-position', placeholder: 'offset or 2026-01-01T12:00:00Z', autocomplete: 'off' });
  const limit = h('input', { id: 'browse-limit', type: 'number', min: 1, max: 200, value: 20 });
  const format = h('select', { id: 'browse-format' }, h('option', { value: 'utf8' }, 'UTF-8'), h('option', { value: 'json' }, 'JSON (pretty)'), h('option', { value: 'hex' }, 'hex'));
  const browseStatus = h('div');
  const recordsBody = h('tbody', { id: 'records' });
  let page = null;
  const browse = h('form', { class: 'row', 'aria-label': 'Browse messages' },
    h('label', { for: 'browse-partition' }, 'Partition', partitionSelect), h('label', { for: 'browse-mode' }, 'Start', mode),
    h('label', { for: 'browse-position' }, 'Offset / time', position), h('label', { for: 'browse-limit' }, 'Max records', limit),
    h('label', { for: 'browse-format' }, 'Show as', format), h('button', { type: 'submit', id: 'browse-load' }, 'Load messages'));
  browse.addEventListener('submit', async event => {
    event.preventDefault();
    const query = new URLSearchParams({ partition: partitionSelect.value || '0', limit: limit.value });
    if (mode.value === 'offset') query.set('offset', position.value.trim() || '0');
    if (mode.value === 'timestamp') {
      const ms = /^\d+$/.test(position.value.trim()) ? Number(position.value.trim()) : Date.parse(position.value.trim());
      if (Number.isNaN(ms)) { message(browseStatus, 'error', 'Give a time as ISO 8601 (2026-01-01T12:00:00Z) or Unix milliseconds.'); return; }
      query.set('timestamp', String(ms));
    }
    try {
      page = await api(`${base}/messages?${query}`);
      message(browseStatus, 'ok', `${page.records.length} record(s) from offset ${page.startOffset} (log ${page.logStartOffset}…${page.highWatermark}).`);
      drawRecords();
    } catch (e) {
      message(browseStatus, 'error', e.message);
    }
  });
  format.addEventListener('change', () => page && drawRecords());
  const drawRecords = () => {
    const cell = b64 => {
      const shown = decode(b64, format.value);
      return h('td', { class: `mono${shown.muted ? ' muted' : ''}` }, shown.text, shown.note ? h('div', { class: 'muted' }, `(${shown.note})`) : null);
    };
    clear(recordsBody, page.records.length === 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No records in this range.')) : page.records.map(r => h('tr', { 'data-offset': r.offset },
      h('td', { class: 'num' }, r.offset), h('td', {}, time(r.timestamp)), cell(r.key), cell(r.value),
      h('td', { class: 'mono' }, r.headers.length === 0 ? h('span', { class: 'muted' }, 'none') : r.headers.map(x => h('div', { class: 'header' }, `${x.key}: ${decode(x.value, format.value === 'hex' ? 'hex' : 'utf8').text}`))))));
  };

  // Test producer.
  const prodPartition = h('select', { id: 'produce-partition' });
  const prodKey = h('input', { id: 'produce-key', autocomplete: 'off' });
  const prodValue = h('textarea', { id: 'produce-value' });
  const prodHeaders = h('textarea', { id: 'produce-headers', placeholder: 'one header per line: name=value' });
  const prodStatus = h('div');
  const produce = h('form', { 'aria-label': 'Produce a test message' },
    h('div', { class: 'row' }, h('label', { for: 'produce-partition' }, 'Partition', prodPartition), h('label', { for: 'produce-key', style: 'flex:1' }, 'Key (empty = null)', prodKey)),
    h('div', { class: 'row' }, h('label', { for: 'produce-value', style: 'flex:2' }, 'Value', prodValue), h('label', { for: 'produce-headers', style: 'flex:1' }, 'Headers', prodHeaders)),
    h('div', { class: 'row', style: 'margin-top:8px' }, h('button', { type: 'submit', id: 'produce-send' }, 'Produce message')), prodStatus);
  produce.addEventListener('submit', async event => {
    event.preventDefault();
    const headers = prodHeaders.value.split('\n').filter(l => l.trim()).map(l => {
      const i = l.indexOf('=');
      return i < 0 ? { key: l.trim(), value: null } : { key: l.slice(0, i).trim(), value: l.slice(i + 1) };
    });
    try {
      const result = await api(`${base}/messages`, { json: { partition: Number(prodPartition.value || 0), key: prodKey.value === '' ? null : prodKey.value, value: prodValue.value, headers } });
      message(prodStatus, 'ok', `Produced to partition ${result.partition} at offset ${result.offset}.`);
    } catch (e) {
      message(prodStatus, 'error', e.message);
    }
  });

  const del = h('button', { type: 'button', class: 'danger', id: 'delete-topic' }, 'Delete topic');
  del.addEventListener('click', async () => {
    if (!window.confirm(`Delete topic ${topicName} and all its records?`)) return;
    try {
      await api(base, { method: 'DELETE' });
      location.hash = '#/topics';
    } catch (e) {
      message(status, 'error', e.message);
    }
  });

  clear(main,
    h('p', {}, h('a', { href: '#/topics' }, '← Topics')),
    h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0' }, topicName), h('span', { id: 'topic-badge' }), h('span', { style: 'margin-left:auto' }, del)),
    status,
    h('h2', {}, 'Partitions'),
    h('table', { id: 'partitions-table' }, h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Partition'), h('th', { class: 'num' }, 'Leader'), h('th', {}, 'Replicas'), h('th', {}, 'In sync'),
      h('th', { class: 'num' }, 'Log start'), h('th', { class: 'num' }, 'High watermark'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'Segments'), h('th', { class: 'num' }, 'In'))), partitionsBody),
    h('h2', {}, 'Messages'),
    h('div', { class: 'panel' }, browse, browseStatus,
      h('table', { id: 'records-table' }, h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Offset'), h('th', {}, 'Timestamp (UTC)'), h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, 'Headers'))), recordsBody)),
    h('h2', {}, 'Produce a test message'),
    h('div', { class: 'panel' }, produce),
    h('h2', {}, 'Configs'),
    h('div', { class: 'panel' }, cfgForm, h('div', { class: 'toolbar', style: 'margin-top:10px' }, configFilter),
      h('table', { id: 'configs-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Config'), h('th', {}, 'Value'), h('th', {}, 'Source'), h('th', {}, ''))), configsBody)));

  let configs = [];
  async function change(action, done) {
    try {
      await action();
      message(status, 'ok', done);
      await loadConfigs();
    } catch (e) {
      message(status, 'error', e.message);
    }
  }
  const drawConfigs = () => {
    const filter = configFilter.value.trim().toLowerCase();
    clear(configsBody, configs.filter(c => !filter || c.name.includes(filter)).map(c => {
      const reset = c.isOverride ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Reset ${c.name} to its default` }, 'Reset') : null;
      reset?.addEventListener('click', () => change(() => api(`${base}/configs`, { method: 'PUT', json: { delete: [c.name] } }), `Reset ${c.name}.`));
      const edit = h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${c.name}` }, 'Edit');
      edit.addEventListener('click', () => { cfgName.value = c.name; cfgValue.value = c.value ?? ''; cfgValue.focus(); });
      return h('tr', { 'data-config': c.name }, h('td', { class: 'mono' }, c.name), h('td', { class: 'mono' }, c.value ?? ''),
        h('td', {}, c.isOverride ? h('span', { class: 'pill' }, 'override') : h('span', { class: 'muted' }, 'default')), h('td', {}, edit, ' ', reset));
    }));
  };
  configFilter.addEventListener('input', drawConfigs);
  async function loadConfigs() {
    try {
      const topic = await api(base);
      configs = topic.configs;
      clear(names, configs.map(c => h('option', { value: c.name })));
      drawConfigs();
    } catch (e) {
      message(status, 'error', e.message);
    }
  }
  loadConfigs();

  let partitionCount = -1;
  const unsubscribe = onTopology(snap => {
    const topic = snap.topics.find(t => t.name === topicName);
    if (!topic) {
      clear(partitionsBody, h('tr', {}, h('td', { colspan: 9, class: 'muted' }, 'This topic does not exist (any more).')));
      return;
    }
    clear(document.getElementById('topic-badge') ?? h('span'), topic.internal ? h('span', { class: 'pill' }, 'internal') : null);
    clear(partitionsBody, topic.partitions.map(p => h('tr', { 'data-partition': p.partition },
      h('td', { class: 'num' }, p.partition), h('td', { class: 'num' }, p.leader), h('td', {}, p.replicas.join(', ')), h('td', {}, p.isr.join(', ')),
      h('td', { class: 'num' }, num(p.logStartOffset)), h('td', { class: 'num' }, num(p.highWatermark)), h('td', { class: 'num' }, bytes(p.sizeBytes)),
      h('td', { class: 'num' }, p.segments), h('td', { class: 'num' }, rate(p.inRecordsPerSec)))));
    if (topic.partitionCount !== partitionCount) {
      partitionCount = topic.partitionCount;
      for (const select of [partitionSelect, prodPartition]) {
        const keep = select.value;
        clear(select, topic.partitions.map(p => h('option', { value: p.partition }, p.partition)));
        if (keep) select.value = keep;
      }
    }
  });
  return { dispose: unsubscribe };
}
