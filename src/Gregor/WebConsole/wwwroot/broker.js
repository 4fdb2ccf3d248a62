// The broker: identity and listeners, log dirs with per-partition sizes, request rates and
// mean latencies per API (since the previous second and since start), and every config.
import { h, clear, num, bytes, rate, api, message } from './dom.js';

export function brokerView(main, onTopology) {
  const status = h('div');
  const summary = h('dl', { class: 'panel', id: 'broker-summary', style: 'display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0 0 14px' });
  const requestsBody = h('tbody');
  const dirsBody = h('tbody');
  const configsBody = h('tbody');
  const filter = h('input', { type: 'search', id: 'broker-config-filter', placeholder: 'filter configs', 'aria-label': 'Filter broker configs' });
  clear(main, h('h1', {}, 'Broker'), status, summary,
    h('div', { class: 'grid2' },
      h('div', {}, h('h2', {}, 'Requests'),
        h('table', { id: 'requests-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'API'), h('th', { class: 'num' }, 'Rate'), h('th', { class: 'num' }, 'Mean latency (last s)'),
          h('th', { class: 'num' }, 'Total'), h('th', { class: 'num' }, 'Mean latency (all)'))), requestsBody)),
      h('div', {}, h('h2', {}, 'Log dirs'),
        h('table', { id: 'logdirs-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'Segments'), h('th', { class: 'num' }, 'Records'))), dirsBody))),
    h('h2', {}, 'Configs'), h('div', { class: 'toolbar' }, filter),
    h('table', { id: 'broker-configs' }, h('thead', {}, h('tr', {}, h('th', {}, 'Config'), h('th', {}, 'Value'), h('th', {}, 'Source'))), configsBody));
  let broker = null;
  const drawConfigs = () => {
    const f = filter.value.trim().toLowerCase();
    clear(configsBody, broker.configs.filter(c => !f || c.name.includes(f)).map(c => h('tr', {}, h('td', { class: 'mono' }, c.name),
      h('td', { class: 'mono' }, c.sensitive ? h('span', { class: 'muted' }, '(sensitive, not shown)') : c.value ?? h('span', { class: 'muted' }, 'not set')), h('td', {}, c.source === 'default' ? h('span', { class: 'muted' }, 'default') : h('span', { class: 'pill' }, c.source), c.readOnly ? h('span', { class: 'muted' }, ' · read-only') : null))));
  };
  filter.addEventListener('input', () => broker && drawConfigs());
  let loading = false;
  const load = async () => {
    if (loading) return;
    loading = true;
    try {
      const first = broker === null;
      broker = await api('/v1/console/broker');
      const dir = broker.logDirs[0];
      clear(summary, [['Node', broker.nodeId], ['Cluster', broker.clusterId], ['Controller', broker.controllerId], ['State', broker.state],
        ['Kafka listeners', broker.listeners.join(', ')], ['Data dir', dir.path],
        ['Disk', dir.totalBytes ? `${bytes(dir.freeBytes)} free of ${bytes(dir.totalBytes)} · logs ${bytes(dir.sizeBytes)}` : bytes(dir.sizeBytes)]]
        .flatMap(([k, v]) => [h('dt', { class: 'muted' }, k), h('dd', { style: 'margin:0' }, String(v))]));
      clear(requestsBody, broker.requests.length === 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No requests yet.')) : broker.requests.map(r => h('tr', { 'data-api': r.api },
        h('td', {}, r.api), h('td', { class: 'num' }, rate(r.perSec)), h('td', { class: 'num' }, r.perSec > 0 ? `${r.meanMs} ms` : '–'),
        h('td', { class: 'num' }, num(r.total)), h('td', { class: 'num' }, `${r.meanMsAllTime} ms`))));
      // One row per topic (a partition's own numbers are on the topic's page).
      const byTopic = new Map();
      for (const p of dir.partitions) {
        const t = byTopic.get(p.topic) ?? { topic: p.topic, partitions: 0, size: 0, segments: 0, records: 0 };
        t.partitions++; t.size += Math.max(0, p.sizeBytes); t.segments += p.segments; t.records += Math.max(0, p.logEndOffset - p.logStartOffset);
        byTopic.set(p.topic, t);
      }
      const topics = [...byTopic.values()].sort((a, b) => (a.topic.startsWith('__') - b.topic.startsWith('__')) || a.topic.localeCompare(b.topic));
      clear(dirsBody, topics.map(t => h('tr', { 'data-topic': t.topic }, h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(t.topic)}` }, t.topic)),
        h('td', { class: 'num' }, t.partitions), h('td', { class: 'num' }, bytes(t.size)), h('td', { class: 'num' }, t.segments), h('td', { class: 'num' }, num(t.records)))));
      if (first) drawConfigs();
    } catch (e) {
      message(status, 'error', e.message);
    } finally {
      loading = false;
    }
  };
  const unsubscribe = onTopology(load);
  return { dispose: unsubscribe };
}
