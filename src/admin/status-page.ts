import { createHash } from 'node:crypto';
import { CONDITION_WORDS, CONDITIONS, HELD_BY } from './state-view.js';
import { STYLE } from './status-page-style.js';

// The status page: one HTML document with its style and script inline, made once at start. Nothing is built at install
// time and nothing comes from the network: the page reads `GET /events` (server-sent events) of the same endpoint.
// Everything from the tree or AWS is written into the page through `esc()` or `textContent`, never as markup.

const SCRIPT = String.raw`
'use strict';
const ORDER = ${JSON.stringify(CONDITIONS)};
const WORDS = ${JSON.stringify(CONDITION_WORDS)};
const HELD_BY = ${JSON.stringify(HELD_BY)};
const SIGNS = { failing: '✖', held: '‖', conflict: '⚠', rejected: '⚠', drift: '≠', unread: '…', 'in-sync': '✔' };
const KINDS = { elb: 'Classic load balancer', elbv2: 'target group', route53: 'DNS name' };
const RANK = Object.fromEntries(ORDER.map((c, i) => [c, i]));
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]);
const $ = (id) => document.getElementById(id);
const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };
const plural = (n, word) => n.toLocaleString('en') + ' ' + word + (n === 1 ? '' : 's');

let header;
let skew = 0; // the daemon's clock minus ours: ages are the daemon's
let lastMessage = 0;
let needle = '';
let order = [];
let rendered = false;
const targets = new Map(); // id -> { t, text }
const rows = new Map(); // id -> row element
const open = new Set(); // ids whose members are shown

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() + skew - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return Math.floor(s / 86400) + ' d ago';
}
// The ISO time goes in data-t, where the ages are refreshed from, and in the tooltip.
const synced = (iso) => iso ? 'synced ' + ago(iso) : 'never synced';

function members(t) {
  const actual = t.actual ? new Set(t.actual) : undefined;
  const desired = new Set(t.desired);
  const held = new Set(t.heldRemovals);
  const rejected = new Set(t.rejected);
  const kept = new Set(t.keptByPolicy);
  const all = [...new Set([...t.desired, ...(t.actual || [])])].sort();
  if (all.length === 0) return '<p>no members</p>';
  return '<ul class="members">' + all.map((m) => {
    const where = rejected.has(m) ? 'rejected by AWS' : !actual ? 'AWS not read yet'
      : desired.has(m) && actual.has(m) ? 'in AWS' : desired.has(m) ? 'missing in AWS'
      : held.has(m) ? 'in AWS, removal held' : kept.has(m) ? 'in AWS, kept by the policy' : 'in AWS, to be removed';
    const weight = t.weights && t.weights[m] !== undefined ? ', weight ' + t.weights[m] : '';
    return '<li><code>' + esc(m) + '</code> <span>' + where + weight + '</span></li>';
  }).join('') + '</ul>';
}

function rowHtml(t) {
  const c = t.condition;
  const d = t.drift;
  const drift = !d ? 'drift unknown' : d.missing + d.extra === 0 ? 'no drift'
    : 'drift: ' + [d.missing ? d.missing + ' missing' : '', d.extra ? d.extra + ' extra' : ''].filter(Boolean)
      .join(', ');
  const notes = [];
  const error = t.lastError;
  if (error) notes.push('<p class="err"><b>' + esc(error.code) + '</b>: ' + esc(error.message) + '</p>');
  if (t.heldRemovals.length) notes.push('<p>' + plural(t.heldRemovals.length, 'removal') + ' held</p>');
  for (const x of t.conflicts) {
    notes.push('<p>' + esc(x.type) + ' is held by ' + esc(HELD_BY[x.with] || x.with) + '</p>');
  }
  if (t.rejected.length) notes.push('<p>rejected by AWS: ' + t.rejected.map(esc).join(', ') + '</p>');
  if (t.keptByPolicy.length) notes.push('<p>' + plural(t.keptByPolicy.length, 'member') + ' kept by the policy</p>');
  const isOpen = open.has(t.id);
  // The sync cell keeps its time in data-t, from which tick() refreshes the age, and shows it exactly on hover.
  const sync = t.lastSync ? ' class="sync" data-t="' + esc(t.lastSync) + '" title="' + esc(t.lastSync) + '"' : '';
  return '<li class="row c-' + esc(c) + '" data-id="' + esc(t.id) + '">' +
    '<div><span class="badge">' + (SIGNS[c] || '') + ' ' + esc(WORDS[c] || c) + '</span></div>' +
    '<div class="id">' + esc(t.id) + '<span class="sub">' + esc(KINDS[t.kind] || t.kind) +
    (t.activeClass ? ', ' + esc(t.activeClass) : '') + '</span></div>' +
    '<div><button aria-expanded="' + isOpen + '">' + t.desired.length + ' desired, ' +
    (t.actual ? t.actual.length : '?') + ' in AWS</button>' + (isOpen ? members(t) : '') + '</div>' +
    '<div>' + drift + '</div>' +
    '<div' + sync + '>' + synced(t.lastSync) + '</div>' +
    '<div>' + notes.join('') + '</div></li>';
}

function haystack(t) {
  const error = t.lastError ? t.lastError.code + ' ' + t.lastError.message : '';
  return [t.id, KINDS[t.kind], WORDS[t.condition], error, ...t.desired, ...(t.actual || [])].join(' ').toLowerCase();
}

function compare(a, b) {
  const x = targets.get(a).t.condition;
  const y = targets.get(b).t.condition;
  return (RANK[x] ?? ORDER.length) - (RANK[y] ?? ORDER.length) || (a < b ? -1 : a > b ? 1 : 0);
}

const template = document.createElement('template');
function element(html) {
  template.innerHTML = html;
  return template.content.firstElementChild;
}

function renderRows(full, changed, removed) {
  const body = $('rows');
  const next = [...targets.keys()].sort(compare);
  for (const id of removed) open.delete(id);
  if (full || changed.length > 500) {
    // Many changes at once (a resync, a cold start) are drawn anew in one go: far faster than row by row.
    const focused = document.activeElement.closest('#rows > li')?.dataset.id;
    body.innerHTML = next.map((id) => rowHtml(targets.get(id).t)).join('');
    rows.clear();
    for (const el of body.children) rows.set(el.dataset.id, el);
    if (focused !== undefined) rows.get(focused)?.querySelector('button').focus();
  } else {
    for (const id of removed) {
      rows.get(id)?.remove();
      rows.delete(id);
    }
    for (const id of changed) {
      const el = element(rowHtml(targets.get(id).t));
      const old = rows.get(id);
      if (old) {
        const focused = old.contains(document.activeElement);
        old.replaceWith(el);
        if (focused) el.querySelector('button').focus();
      }
      rows.set(id, el);
    }
    const moved = next.length !== order.length || next.some((id, i) => id !== order[i]);
    if (moved) body.append(...next.map((id) => rows.get(id)));
  }
  order = next;
  filterRows();
}

function filterRows() {
  let shown = 0;
  for (const id of order) {
    const entry = targets.get(id);
    // Made on the first search rather than for every target at every load.
    if (needle && entry.text === undefined) entry.text = haystack(entry.t);
    const hit = !needle || entry.text.includes(needle);
    const el = rows.get(id);
    if (el.hidden === hit) el.hidden = !hit;
    if (hit) shown++;
  }
  setText($('shown'), needle ? 'showing ' + shown.toLocaleString('en') + ' of ' + plural(order.length, 'target') : '');
  $('empty').hidden = order.length > 0;
  $('table').hidden = order.length === 0;
}

function renderHeader() {
  const h = header;
  setText($('identity'), h.identity || '');
  document.title = (h.ready ? '' : '✖ ') + 'lbmanager' + (h.identity ? ' ' + h.identity : '');
  setText($('role'), h.role === 'leader' ? '★ leader: writes to AWS' : '☆ standby: reconciles nothing');
  setText($('ready'), h.ready ? '✔ ready' : '✖ not ready');
  // The reason in full, unless the hold's own banner says it already.
  const why = h.ready || h.notReadyReason === h.removalHold.reason ? '' : h.notReadyReason || '';
  setText($('why'), why ? 'Not ready: ' + why : '');
  $('why').hidden = !why;
  setText($('revision'), h.revision);
  const w = h.watch;
  const watching = w ? w.watching : h.synced;
  const restarts = w ? ', ' + plural(w.restarts, 'restart') : '';
  setText($('watch'), (watching ? '✔ watching' : '… reading the tree') + restarts);
  const full = $('fullsync');
  full.dataset.t = h.lastFullSync || '';
  full.title = h.lastFullSync || '';
  setText(full, ago(h.lastFullSync));
  setText($('malformed'), h.malformedKeys ? plural(h.malformedKeys, 'key') + ' ignored (lbmanager validate)' : 'none');
  const counts = {};
  for (const { t } of targets.values()) counts[t.condition] = (counts[t.condition] || 0) + 1;
  setText($('summary'), plural(targets.size, 'target') + (targets.size ? ': ' : '') +
    ORDER.filter((c) => counts[c]).map((c) => counts[c].toLocaleString('en') + ' ' + WORDS[c]).join(', '));
  const hold = h.removalHold;
  $('hold').hidden = !hold.held;
  setText($('hold-reason'), hold.held ? hold.reason || '' : '');
  $('confirm-form').hidden = !h.tokenConfigured;
  $('no-token').hidden = h.tokenConfigured;
  $('standby').hidden = h.role !== 'standby';
}

function apply(msg) {
  header = msg.header;
  skew = Date.parse(header.now) - Date.now();
  lastMessage = Date.now();
  if (msg.full) targets.clear();
  const changed = [];
  for (const t of msg.targets) {
    targets.set(t.id, { t, text: undefined });
    changed.push(t.id);
  }
  for (const id of msg.removed) targets.delete(id);
  renderHeader();
  renderRows(msg.full, changed, msg.removed);
  setText($('live'), '● live');
  if (!rendered) {
    rendered = true;
    // For the benchmark and devtools: when the first full state has been drawn.
    requestAnimationFrame(() => setTimeout(() => performance.mark('lbmanager:first-render')));
  }
}

function tick() {
  for (const el of document.querySelectorAll('[data-t]')) {
    setText(el, el.classList.contains('sync') ? synced(el.dataset.t) : ago(el.dataset.t));
  }
  const silent = Math.round((Date.now() - lastMessage) / 1000);
  if (lastMessage && silent > 5) {
    setText($('live'), '○ no update for ' + silent + ' s; showing the last state received');
  }
}

function connect() {
  const events = new EventSource('/events');
  events.onmessage = (e) => apply(JSON.parse(e.data));
  events.onerror = () => {
    setText($('live'), '○ connection lost; reconnecting (showing the last state received)');
    // A refused stream (too many open) is not retried by the browser itself.
    if (events.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  };
}

let typing;
$('filter').addEventListener('input', (e) => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    needle = e.target.value.trim().toLowerCase();
    filterRows();
  }, 120);
});

// A button, not <details>: 6,000 of those, each with a shadow tree of its own, slowed the first render markedly. The
// members are made when shown, for the same reason.
$('rows').addEventListener('click', (e) => {
  const button = e.target.closest('button[aria-expanded]');
  const id = button?.closest('[data-id]')?.dataset.id;
  if (id === undefined || !targets.has(id)) return;
  const show = button.getAttribute('aria-expanded') !== 'true';
  button.setAttribute('aria-expanded', String(show));
  if (show) {
    open.add(id);
    button.insertAdjacentHTML('afterend', members(targets.get(id).t));
  } else {
    open.delete(id);
    button.nextElementSibling?.remove();
  }
});

$('confirm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('token');
  const token = input.value;
  // The token is used for this one request and kept nowhere.
  input.value = '';
  const result = $('confirm-result');
  setText(result, 'Confirming…');
  let text;
  try {
    const r = await fetch('/resync?confirm-removal=true', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store',
      credentials: 'omit',
    });
    text = r.status === 202 ? '✔ Confirmed: the held removals go through now.'
      : r.status === 401 ? '✖ The admin token was not accepted: nothing was confirmed.'
      : '✖ Not confirmed: ' + (await r.text()).trim();
  } catch {
    text = '✖ Not confirmed: the daemon could not be reached.';
  }
  setText(result, text);
});

setInterval(tick, 5000);
connect();
`;

const BODY = `<main>
<div class="top">
  <h1>lbmanager <small id="identity"></small></h1>
  <span class="live" id="live" role="status">connecting…</span>
</div>
<noscript><p>This page needs JavaScript. <a href="/state">/state</a> has the same as JSON.</p></noscript>
<dl class="facts">
  <div><dt>Role</dt><dd id="role">…</dd></div>
  <div><dt>Readiness</dt><dd id="ready">…</dd></div>
  <div><dt>Tree revision</dt><dd id="revision">…</dd></div>
  <div><dt>etcd watch</dt><dd id="watch">…</dd></div>
  <div><dt>Last full sync</dt><dd id="fullsync">…</dd></div>
  <div><dt>Malformed keys</dt><dd id="malformed">…</dd></div>
</dl>
<p class="banner warn" id="why" hidden></p>
<p class="banner warn" id="standby" hidden>This replica is a standby: it keeps its view of the tree warm and reconciles
nothing, so it lists no targets. The leader's page lists them.</p>
<section class="banner bad" id="hold" hidden aria-labelledby="hold-title">
  <h2 id="hold-title">‖ Removals wait for confirmation</h2>
  <p id="hold-reason"></p>
  <form id="confirm-form" hidden>
    <label for="token">Admin token</label>
    <input id="token" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">Confirm the held removals</button>
  </form>
  <p id="no-token" hidden>Confirming from this page needs an admin token (<code>--http-token</code>,
  <code>LBM_HTTP_TOKEN_FILE</code>). Without one, confirm with <code>lbmanager confirm-removal --all</code>.</p>
</section>
<p id="confirm-result" role="status"></p>
<div class="tools">
  <label for="filter">Filter</label>
  <input id="filter" type="search" placeholder="target, member, error…" autocomplete="off" spellcheck="false">
  <span id="shown" role="status"></span>
</div>
<p id="summary"></p>
<p id="empty" hidden>No targets.</p>
<div id="table" hidden>
  <div class="row head" aria-hidden="true"><div>State</div><div>Target</div><div>Members</div><div>Drift</div>
  <div>Last sync</div><div>Errors and notes</div></div>
  <ul id="rows" aria-label="Targets"></ul>
</div>
</main>`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The page, whole. */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lbmanager</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${BODY}
<script>${SCRIPT}</script>
</body>
</html>
`;

/**
 * Response headers of the page. The content security policy lets only the page's own script and style run (should
 * escaping ever miss, injected markup still cannot run script) and lets no other site frame it (a framed page could be
 * clicked into confirming).
 */
export const STATUS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
};
