// `replay --html`: one self-contained page (inline CSS and JS, nothing fetched) showing a schedule
// as swimlanes, one lane per thread and one row per step, with lock-held spans shaded, the steps
// the violation names marked and linked, and what each step changed on hover or click.

import type { TraceEvent } from '../../sim/index.ts';
import type { Change } from '../cli/stateDiff.ts';
import { storyOf, type MarkRole } from './provenance.ts';
import type { RaceReport } from './race.ts';
import { detailOf, functionOf } from './twoColumn.ts';

/** Longer traces fold runs of steps into one expandable row, as the text table folds them. */
export const COLLAPSE_ABOVE = 40;

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One row of the lanes: one step, or a folded run of one thread's steps in one kernel function. */
interface Row {
  readonly thread: number;
  readonly steps: readonly number[];
}

/** Rows for the lanes; marked steps always get a row of their own so the linked pair stays visible. */
function rowsOf(events: readonly TraceEvent[], marks: ReadonlyMap<number, readonly MarkRole[]>, fold: boolean): Row[] {
  const rows: Row[] = [];
  let i = 0;
  while (i < events.length) {
    const e = events[i];
    const fn = functionOf(e.label);
    let j = i + 1;
    const foldable = (k: number): boolean => !marks.has(events[k].index);
    if (fold && foldable(i) && fn !== e.label) {
      while (j < events.length && events[j].thread === e.thread && functionOf(events[j].label) === fn && foldable(j)) j++;
    }
    rows.push({ thread: e.thread, steps: events.slice(i, j).map((x) => x.index) });
    i = j;
  }
  return rows;
}

const ROLE_CLASS: Record<MarkRole, string> = { read: 'mark-read', stale: 'mark-stale', installed: 'mark-installed', lost: 'mark-lost' };

/** The badges a marked step carries, each linking to the other steps of the story. */
function badges(r: RaceReport, step: number): string {
  const p = r.provenance;
  const link = (to: number, text: string): string => `<a href="#step-${to}">${esc(text)}</a>`;
  const out: string[] = [];
  for (const role of r.marks.get(step) ?? []) {
    let body: string;
    if (role === 'read')
      body = `${p.read!.emulated ? 'took the gpte value' : 'read the gpte'}${p.stale ? '; made stale at ' + link(p.stale.step, `step ${p.stale.step}`) : ''}`;
    else if (role === 'stale') body = `made ${p.read ? link(p.read.step, `step ${p.read.step}`) + "'s" : 'the'} read stale`;
    else if (role === 'installed') body = `installed the stale SPTE${p.read ? ' from ' + link(p.read.step, `step ${p.read.step}`) : ''}`;
    else body = 'this guest store was lost';
    out.push(`<span class="badge b-${role}">${body}</span>`);
  }
  return out.join('');
}

function lockTitle(thread: string, locks: readonly string[]): string {
  return locks.length > 0 ? ` title="${esc(`${thread} holds ${locks.join(', ')}`)}"` : '';
}

function laneCells(r: RaceReport, row: Row, text: string): string {
  const first = row.steps[0];
  return r.threads
    .map((name, t) => {
      // The running thread's locks over the whole fold; the others cannot change theirs meanwhile.
      const locks = t === row.thread ? [...new Set(row.steps.flatMap((s) => r.locks[s][t]))] : r.locks[first][t];
      const cls = `cell l${t % LANE_COLOURS}${locks.length > 0 ? ' held' : ''}${t === row.thread ? ' run' : ''}`;
      return `<div class="${cls}"${lockTitle(name, locks)}>${t === row.thread ? text : ''}</div>`;
    })
    .join('');
}

function stepRow(r: RaceReport, e: TraceEvent, member: boolean): string {
  const roles = r.marks.get(e.index) ?? [];
  const cls = ['row', 'step', ...(member ? ['member'] : []), ...(roles.length ? ['mark', ...roles.map((m) => ROLE_CLASS[m])] : [])].join(
    ' ',
  );
  const text = `<span class="label">${esc(e.label)}</span>${badges(r, e.index)}`;
  return `<div class="${cls}" id="step-${e.index}" data-steps="${e.index}" tabindex="0"><div class="idx">${e.index}</div>${laneCells(r, { thread: e.thread, steps: [e.index] }, text)}</div>`;
}

function foldedRow(r: RaceReport, row: Row): string {
  const first = r.events[row.steps[0]];
  const last = r.events[row.steps[row.steps.length - 1]];
  const fn = functionOf(first.label);
  const text = `<span class="label">${esc(`${fn}: ${detailOf(first.label)} … ${detailOf(last.label)}`)}</span><span class="count">${row.steps.length} steps</span>`;
  const members = row.steps.map((s) => stepRow(r, r.events[s], true)).join('\n');
  return (
    `<details class="fold" data-first="${first.index}">` +
    `<summary class="row folded" data-steps="${row.steps.join(' ')}"><div class="idx">${first.index}–${last.index}</div>${laneCells(r, row, text)}</summary>\n` +
    `${members}</details>`
  );
}

function changeTable(changes: readonly Change[]): string {
  if (changes.length === 0) return '<p class="none">changed nothing in guest memory or the shadow page tables</p>';
  const rows = changes.map(
    (c) =>
      `<li><div class="path">${esc(c.path)}</div><div class="before">${esc(c.before)}</div><div class="after">${esc(c.after)}</div></li>`,
  );
  return `<ul class="changes">${rows.join('')}</ul>`;
}

function stepDetail(r: RaceReport, e: TraceEvent): string {
  const held = r.locks[e.index][e.thread];
  const list = (xs: readonly string[]): string => (xs.length ? xs.map((x) => `<code>${esc(x)}</code>`).join(' ') : '—');
  const roles = (r.marks.get(e.index) ?? []).map((m) => `<span class="badge b-${m}">${esc(ROLE_WORDS[m])}</span>`).join(' ');
  return (
    `<section class="detail" data-step="${e.index}" hidden>` +
    `<h3>step ${e.index} · <span class="t l${e.thread % LANE_COLOURS}">${esc(e.threadName)}</span> ${roles}</h3>` +
    `<p class="label">${esc(e.label)}</p>` +
    `<dl><dt>holds</dt><dd>${list(held)}</dd><dt>reads</dt><dd>${list(e.reads)}</dd><dt>writes</dt><dd>${list(e.writes)}</dd></dl>` +
    `${changeTable(r.changes[e.index] ?? [])}</section>`
  );
}

const ROLE_WORDS: Record<MarkRole, string> = {
  read: 'read the gpte',
  stale: 'made it stale',
  installed: 'installed the SPTE',
  lost: 'lost store',
};

const LANE_COLOURS = 6;

/** The whole page for one replayed schedule. Deterministic: the same report gives the same bytes. */
export function renderHtml(r: RaceReport): string {
  const fold = r.events.length > COLLAPSE_ABOVE;
  const rows = rowsOf(r.events, r.marks, fold);
  const body = rows.map((row) => (row.steps.length > 1 ? foldedRow(r, row) : stepRow(r, r.events[row.steps[0]], false))).join('\n');
  const head = `<div class="row head"><div class="idx">step</div>${r.threads.map((n, t) => `<div class="cell lane-name l${t % LANE_COLOURS}">${esc(n)}</div>`).join('')}</div>`;
  const verdict = r.invariant ? `${r.verdict} ${r.invariant}` : r.verdict;
  const title = `${r.scenario} x ${r.kernel}: ${verdict}`;
  const story = storyOf(r.provenance);
  const p = r.provenance;
  // The pair the page links: the read and the store that made it stale (else whatever the message names).
  const link = (from: { step: number } | undefined, to: { step: number } | undefined, kind: string): string =>
    from && to ? `<span class="link-spec" data-from="${from.step}" data-to="${to.step}" data-kind="${kind}" hidden></span>` : '';
  const links = link(p.stale, p.read, 'stale') + link(p.read, p.installed, 'installed');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mmu-race replay --html">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body data-lanes="${r.threads.length}">
<header>
<h1>${esc(r.scenario)} <span class="x">x</span> ${esc(r.kernel)} <span class="verdict v-${esc(r.verdict)}">${esc(verdict)}</span></h1>
${r.explanation ? `<p class="explanation">${esc(r.explanation)}</p>` : ''}
${r.message ? `<pre class="message">${esc(r.message)}</pre>` : ''}
${story.length ? `<ol class="story">${story.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>` : ''}
<p class="cmd">schedule <code>${esc(r.schedule)}</code><br>replay <code>${esc(r.replay)}</code></p>
<p class="legend"><span class="key held">lock held</span> <span class="key mark-read">read</span> <span class="key mark-stale">made stale</span> <span class="key mark-installed">installed</span>
${r.events.length} steps, ${r.threads.length} threads${fold ? ` · runs of steps folded <button type="button" id="unfold">unfold all</button>` : ''} · hover or click a step to see what it changed</p>
</header>
<main>
<div class="lanes" style="--lanes:${r.threads.length}">
${head}
${body}
${links}
</div>
<aside id="details"><p class="hint">Hover or click a step to see the guest-memory words and SPTEs it changed.</p>
${r.events.map((e) => stepDetail(r, e)).join('\n')}
</aside>
</main>
<script>${JS}</script>
</body>
</html>
`;
}

const CSS = `
:root{--bg:#fff;--fg:#1d1f21;--dim:#6a737d;--line:#e1e4e8;--held:#fff4cc;--read:#1f6feb;--stale:#d1242f;--inst:#8250df;--lost:#bf8700}
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 ui-sans-serif,system-ui,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:12px 16px;border-bottom:1px solid var(--line)}
h1{font-size:17px;margin:0 0 6px}
h1 .x{color:var(--dim);font-weight:normal}
.verdict{font-size:13px;padding:2px 8px;border-radius:10px;margin-left:8px;vertical-align:2px}
.v-holds{background:#dafbe1;color:#116329}.v-violated,.v-deadlock,.v-step-bound,.v-scenario-error{background:#ffebe9;color:#a40e26}
.explanation{color:var(--dim);font-style:italic;margin:4px 0;max-width:110em}
pre.message{white-space:pre-wrap;font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;background:#f6f8fa;padding:6px 8px;margin:6px 0;border-radius:4px}
.story{margin:6px 0;padding-left:22px}
.cmd code,dd code,.path{font:12px ui-monospace,"DejaVu Sans Mono",monospace}
.cmd{margin:6px 0;color:var(--dim)}.cmd code{color:var(--fg);background:#f6f8fa;padding:1px 4px}
.legend{color:var(--dim);margin:4px 0 0}
.key{display:inline-block;padding:0 6px;border-radius:3px;border-left:4px solid transparent}
.key.held{background:var(--held)}.key.mark-read{border-color:var(--read)}.key.mark-stale{border-color:var(--stale)}.key.mark-installed{border-color:var(--inst)}
main{display:flex;align-items:flex-start}
.lanes{position:relative;flex:1;min-width:0;padding:0 0 24px 24px}
.row{display:grid;grid-template-columns:4.5em repeat(var(--lanes),minmax(13em,1fr));border-bottom:1px solid var(--line);cursor:pointer}
.row.head{position:sticky;top:0;background:var(--bg);z-index:2;font-weight:bold;cursor:default;border-bottom:2px solid var(--line)}
.idx{padding:3px 6px;text-align:right;color:var(--dim);font:12px/1.6 ui-monospace,"DejaVu Sans Mono",monospace}
.cell{padding:3px 8px;border-left:1px solid var(--line);min-height:1.6em;overflow-wrap:anywhere}
.cell.held{background:var(--held)}
.cell.run .label{font:12px/1.6 ui-monospace,"DejaVu Sans Mono",monospace}
.lane-name{border-top:4px solid}
.l0{border-top-color:#0969da}.l1{border-top-color:#bf3989}.l2{border-top-color:#1a7f37}.l3{border-top-color:#9a6700}.l4{border-top-color:#8250df}.l5{border-top-color:#57606a}
.cell.run{box-shadow:inset 3px 0 0 #0969da}
.cell.run.l1{box-shadow:inset 3px 0 0 #bf3989}.cell.run.l2{box-shadow:inset 3px 0 0 #1a7f37}.cell.run.l3{box-shadow:inset 3px 0 0 #9a6700}.cell.run.l4{box-shadow:inset 3px 0 0 #8250df}.cell.run.l5{box-shadow:inset 3px 0 0 #57606a}
.row:hover .cell.run,.row.selected .cell.run{outline:2px solid #0969da;outline-offset:-2px}
.row.mark-read .cell.run{background-image:linear-gradient(90deg,#ddf4ff,transparent)}
.row.mark-stale .cell.run{background-image:linear-gradient(90deg,#ffebe9,transparent)}
.row.mark-installed .cell.run{background-image:linear-gradient(90deg,#fbefff,transparent)}
.row.mark-lost .cell.run{background-image:linear-gradient(90deg,#fff8c5,transparent)}
.badge{display:inline-block;max-width:100%;margin-left:8px;padding:0 6px;border-radius:8px;font-size:11px;color:#fff}
.badge a{color:#fff;text-decoration:underline}
.b-read{background:var(--read)}.b-stale{background:var(--stale)}.b-installed{background:var(--inst)}.b-lost{background:var(--lost)}
.count{margin-left:8px;color:var(--dim);font-size:11px}
details.fold>summary{list-style:none}
details.fold>summary::-webkit-details-marker{display:none}
details.fold>summary .count::before{content:"▸ "}
details.fold[open]>summary .count::before{content:"▾ "}
details.fold .member .idx{color:#959da5}
svg.links{position:absolute;left:0;top:0;pointer-events:none;overflow:visible}
svg.links path{fill:none;stroke-width:2}
svg.links path.link-stale{stroke:var(--stale)}
svg.links path.link-installed{stroke:var(--inst);stroke-dasharray:5 3}
aside{position:sticky;top:0;width:min(34em,32vw);max-height:100vh;overflow:auto;padding:8px 14px;border-left:1px solid var(--line);background:#fbfcfd}
aside .hint{color:var(--dim)}
aside h3{margin:4px 0;font-size:14px}
aside .t{border-top:3px solid;padding-top:1px}
.detail{border-bottom:1px solid var(--line);padding-bottom:6px;margin-bottom:6px}
.detail .label{font:12px ui-monospace,"DejaVu Sans Mono",monospace;margin:2px 0}
dl{display:grid;grid-template-columns:4em 1fr;margin:4px 0;gap:1px 8px}dt{color:var(--dim)}dd{margin:0;overflow-wrap:anywhere}
ul.changes{list-style:none;margin:4px 0;padding:0;font:11.5px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
ul.changes li{padding:3px 0;border-top:1px solid #eef0f2}
ul.changes .path{font-weight:bold}
ul.changes .before,ul.changes .after{padding-left:1.6em;text-indent:-1.2em;overflow-wrap:anywhere}
ul.changes .before::before{content:"\\2212  ";color:var(--stale)}
ul.changes .after::before{content:"+  ";color:#1a7f37}
.none{color:var(--dim);font-style:italic;margin:2px 0}
button{font:inherit;font-size:12px}
`;

// Plain ES2017 with no data of its own: everything it shows is already in the page as HTML.
const JS = `
(function () {
  var details = document.getElementById('details');
  var hint = details.querySelector('.hint');
  var pinned = null;
  function show(row) {
    var steps = row ? row.getAttribute('data-steps').split(' ') : [];
    var any = false;
    details.querySelectorAll('.detail').forEach(function (d) {
      var on = steps.indexOf(d.getAttribute('data-step')) >= 0;
      d.hidden = !on;
      any = any || on;
    });
    hint.hidden = any;
  }
  function pin(row) {
    if (pinned) pinned.classList.remove('selected');
    pinned = pinned === row ? null : row;
    if (pinned) pinned.classList.add('selected');
    show(pinned);
  }
  document.querySelectorAll('.lanes .row[data-steps]').forEach(function (row) {
    row.addEventListener('mouseenter', function () { show(row); });
    row.addEventListener('mouseleave', function () { show(pinned); });
    row.addEventListener('click', function (ev) {
      if (ev.target.closest('a')) return;
      pin(row);
    });
    row.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') pin(row); });
  });
  var lanes = document.querySelector('.lanes');
  var svgNs = 'http://www.w3.org/2000/svg';
  function draw() {
    var old = lanes.querySelector('svg.links');
    if (old) old.remove();
    var svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'links');
    svg.setAttribute('width', lanes.scrollWidth);
    svg.setAttribute('height', lanes.scrollHeight);
    svg.innerHTML = '<defs><marker id="arrow-stale" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z" fill="#d1242f"/></marker>' +
      '<marker id="arrow-installed" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z" fill="#8250df"/></marker></defs>';
    var box = lanes.getBoundingClientRect();
    lanes.querySelectorAll('.link-spec').forEach(function (spec) {
      var a = document.getElementById('step-' + spec.getAttribute('data-from'));
      var b = document.getElementById('step-' + spec.getAttribute('data-to'));
      if (!a || !b || !a.offsetParent || !b.offsetParent) return;
      var ra = a.querySelector('.cell.run').getBoundingClientRect();
      var rb = b.querySelector('.cell.run').getBoundingClientRect();
      var ay = ra.top + ra.height / 2 - box.top, by = rb.top + rb.height / 2 - box.top;
      var d;
      if (Math.abs(ra.left - rb.left) < 1) {
        var x = ra.left - box.left, bulge = Math.min(60, 14 + Math.abs(by - ay) / 6);
        d = 'M' + x + ' ' + ay + ' C' + (x - bulge) + ' ' + ay + ' ' + (x - bulge) + ' ' + by + ' ' + x + ' ' + by;
      } else {
        var leftToRight = ra.left < rb.left;
        var x1 = (leftToRight ? ra.right : ra.left) - box.left, x2 = (leftToRight ? rb.left : rb.right) - box.left;
        var k = leftToRight ? 30 : -30;
        d = 'M' + x1 + ' ' + ay + ' C' + (x1 + k) + ' ' + ay + ' ' + (x2 - k) + ' ' + by + ' ' + x2 + ' ' + by;
      }
      var path = document.createElementNS(svgNs, 'path');
      path.setAttribute('class', 'link link-' + spec.getAttribute('data-kind'));
      path.setAttribute('data-from', spec.getAttribute('data-from'));
      path.setAttribute('data-to', spec.getAttribute('data-to'));
      path.setAttribute('d', d);
      path.setAttribute('marker-end', 'url(#arrow-' + spec.getAttribute('data-kind') + ')');
      svg.appendChild(path);
    });
    lanes.appendChild(svg);
  }
  lanes.querySelectorAll('details.fold').forEach(function (f) { f.addEventListener('toggle', draw); });
  var unfold = document.getElementById('unfold');
  if (unfold) unfold.addEventListener('click', function () {
    var open = unfold.textContent === 'unfold all';
    lanes.querySelectorAll('details.fold').forEach(function (f) { f.open = open; });
    unfold.textContent = open ? 'fold runs' : 'unfold all';
    draw();
  });
  window.addEventListener('resize', draw);
  // FILE.html#step-N jumps to step N with its changes shown (its fold opened); #show-N does not scroll.
  var m = /^#(?:step|show)-(\\d+)$/.exec(location.hash);
  var target = m && document.getElementById('step-' + m[1]);
  if (target) {
    var fold = target.closest('details');
    if (fold) fold.open = true;
    pin(target);
  }
  draw();
  document.body.setAttribute('data-rendered', 'true');
})();
`;
