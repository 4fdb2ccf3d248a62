// Small DOM and formatting helpers shared by the views. Text always goes in as text nodes:
// topic names, keys and values come from clients and must never be parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  return fill(el, attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false));
  return el;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function num(n) {
  return n === null || n === undefined || n < 0 ? '–' : numberFormat.format(n);
}

export function bytes(n) {
  if (n === null || n === undefined || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function rate(n) {
  return n > 0 ? `${numberFormat.format(n)}/s` : '0/s';
}

export function time(ms) {
  return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '–';
}

// Calls a console endpoint; a problem document becomes an Error carrying its detail.
export async function api(path, options = {}) {
  const init = { ...options, headers: { Accept: 'application/json', ...(options.headers ?? {}) } };
  if (options.json !== undefined) {
    init.method = init.method ?? 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(body?.detail ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

export function message(el, kind, text) {
  clear(el, text ? h('div', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
}

// Bytes given as base64, shown as UTF-8 text, pretty JSON or hex.
export function decode(base64, format) {
  if (base64 === null || base64 === undefined) return { text: 'null', muted: true };
  const raw = atob(base64);
  const data = Uint8Array.from(raw, c => c.charCodeAt(0));
  if (format === 'hex') {
    return { text: Array.from(data, b => b.toString(16).padStart(2, '0')).join(' ') };
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return { text: Array.from(data, b => b.toString(16).padStart(2, '0')).join(' '), note: 'not UTF-8, shown as hex' };
  }
  if (format === 'json') {
    try { return { text: JSON.stringify(JSON.parse(text), null, 2) }; } catch { return { text }; }
  }
  return { text };
}
