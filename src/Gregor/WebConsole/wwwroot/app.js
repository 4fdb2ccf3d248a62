// The console's shell: hash routes (#/topology, #/topics/NAME, #/groups/ID, #/broker), one
// server-sent-event stream of topology pictures shared by every view, and the header status.
import { h, clear } from './dom.js';
import { topologyView } from './topology.js';
import { topicsView, topicView } from './topics.js';
import { groupsView, groupView } from './groups.js';
import { brokerView } from './broker.js';

const main = document.getElementById('main');
const live = document.getElementById('live');
const cluster = document.getElementById('cluster');
const listeners = new Set();
let latest = null;
let current = null;

export function onTopology(fn) {
  listeners.add(fn);
  if (latest) fn(latest);
  return () => listeners.delete(fn);
}

function connect() {
  const source = new EventSource('/v1/console/topology/stream');
  source.onmessage = event => {
    latest = JSON.parse(event.data);
    live.dataset.state = 'live';
    live.textContent = 'live';
    const brokers = latest.brokers.length;
    cluster.textContent = `cluster ${latest.clusterId} · ${brokers} broker${brokers === 1 ? '' : 's'} · node ${latest.nodeId}`;
    for (const fn of listeners) fn(latest);
  };
  source.onerror = () => {
    live.dataset.state = 'down';
    live.textContent = 'reconnecting…';
  };
}

function route() {
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, '')) || 'topology';
  const [view, ...rest] = path.split('/');
  const arg = rest.join('/');
  current?.dispose?.();
  listeners.clear();
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const views = {
    topology: () => topologyView(main, onTopology),
    topics: () => (arg ? topicView(main, arg, onTopology) : topicsView(main, onTopology)),
    groups: () => (arg ? groupView(main, arg, onTopology) : groupsView(main, onTopology)),
    broker: () => brokerView(main, onTopology),
  };
  clear(main);
  current = (views[view] ?? (() => { clear(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/topology' }, 'Back to the topology'))); return null; }))();
  document.title = `${view[0].toUpperCase()}${view.slice(1)}${arg ? ` · ${arg}` : ''} · Gregor console`;
}

window.addEventListener('hashchange', () => { route(); main.focus({ preventScroll: true }); });
route();
connect();
