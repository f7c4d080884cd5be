import type { AdaptiveEvent } from '../../core/run-document.js';
import { formatBytes, formatDurationNs } from '../../render/format.js';
import { localClock } from '../../render/local-clock.js';
import type { FinishedRequest } from '../../core/request-events.js';
import type { RouteSummary } from '../store.js';
import { html, raw, type SafeHtml } from './html.js';

/** One target as the page shows it. */
export interface TargetState {
  id: string;
  name: string;
  stage: string | null;
  enabled: boolean;
  /** 1 = every call recorded. */
  sampleEvery: number;
  /** Recorded calls that ended. */
  calls: number;
  /** Wrapper overhead in percent of the measured work, or null before any call. */
  overheadPct: number | null;
}

export interface IndexPageModel {
  basePath: string;
  preset: string;
  targets: TargetState[];
  recent: FinishedRequest[];
  routes: RouteSummary[];
  store: { size: number; total: number; evicted: number; bytes: number; maxRequests: number; maxBytes: number };
  maxOverheadPct: number;
  /** Absolute-time adaptive events with their wall-clock time. */
  adaptive: { event: AdaptiveEvent; wallMs: number }[];
  /** Wall clock for the "start" column (tests pin it). */
  formatClock?: (wallMs: number) => string;
}

export interface RequestPageModel {
  basePath: string;
  preset: string;
  request: FinishedRequest;
  /** The text tree (renderTextTree of the request's document). */
  tree: string;
  /** The call-graph SVG, or why there is none. */
  svg: { ok: true; dataUri: string } | { ok: false; reason: string };
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5b6670; --line: #d8dee4; --bg: #f6f8fa; --accent: #0b63c5; --bad: #b42318; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header { padding: 12px 24px; background: #14202b; color: #fff; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header a { color: #9cc9ff; }
main { padding: 16px 24px 48px; max-width: 1400px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre.tree { background: var(--bg); border: 1px solid var(--line); padding: 12px; overflow-x: auto; white-space: pre; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.err { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; border: 1px solid var(--line); }
.on { background: #dafbe1; border-color: #9be9a8; }
.off { background: #ffebe9; border-color: #ffb3b0; }
.sampled { background: #fff8c5; border-color: #eed888; }
form.inline { display: inline; margin: 0; }
button { font: inherit; font-size: 12px; padding: 1px 8px; cursor: pointer; }
.graph { border: 1px solid var(--line); padding: 8px; overflow: auto; background: #fff; }
.graph img { max-width: 100%; height: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
`;

function page(title: string, basePath: string, preset: string, body: SafeHtml): string {
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <h1>stagescope</h1>
          <span>preset <b>${preset}</b></span
          ><a href="${basePath}">recent requests</a>
        </header>
        <main>${body}</main>
      </body>
    </html>`.value
  }\n`;
}

function ms(ns: number): string {
  return Number.isFinite(ns) ? formatDurationNs(ns) : '–';
}

function requestHref(basePath: string, id: string): string {
  return `${basePath}/requests/${encodeURIComponent(id)}`;
}

function statusCell(request: FinishedRequest): SafeHtml {
  return request.error ? html`<span class="err">${request.status}</span>` : html`${request.status}`;
}

function adaptiveText(event: AdaptiveEvent): string {
  return event.action === 'sample' ? `sampled 1 in ${event.sampleEvery ?? '?'}` : event.action === 'disable' ? 'disabled' : 'restored';
}

function toggleForm(basePath: string, target: string | undefined, enable: boolean, label: string): SafeHtml {
  const query = new URLSearchParams();
  if (target !== undefined) query.set('target', target);
  query.set('enabled', enable ? '1' : '0');
  return html`<form class="inline" method="post" action="${basePath}/tracing?${query.toString()}"><button type="submit">${label}</button></form>`;
}

/** The index page: targets and switches, adaptive decisions, route percentiles, recent requests. Pure. */
export function renderIndexPage(model: IndexPageModel): string {
  const clock = model.formatClock ?? localClock();
  const { basePath } = model;
  const anyOn = model.targets.some((target) => target.enabled);
  const targets = html` <h2>Tracing</h2>
    <p>
      Overhead budget: ${Number.isFinite(model.maxOverheadPct) ? `${model.maxOverheadPct}% of the measured work per target` : 'off'}.
      ${toggleForm(basePath, undefined, true, 'enable all')} ${toggleForm(basePath, undefined, false, 'disable all')}
      ${anyOn ? '' : html`<span class="warn">all targets are off: requests get ids and latency, but no inner spans</span>`}
    </p>
    <table>
      <thead>
        <tr>
          <th>target</th>
          <th>stage</th>
          <th>state</th>
          <th class="num">recorded calls</th>
          <th class="num" title="wrapper overhead per recorded call, in % of the work it measured">overhead / work</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${model.targets.map(
          (target) =>
            html`<tr>
              <td class="mono">${target.id}</td>
              <td>${target.stage ?? ''}</td>
              <td>
                ${target.enabled ? (target.sampleEvery > 1 ? html`<span class="pill sampled">sampled 1/${target.sampleEvery}</span>` : html`<span class="pill on">on</span>`) : html`<span class="pill off">off</span>`}
              </td>
              <td class="num">${target.calls}</td>
              <td class="num">${target.overheadPct === null ? '–' : `${target.overheadPct.toFixed(2)}%`}</td>
              <td>${target.enabled ? toggleForm(basePath, target.id, false, 'disable') : toggleForm(basePath, target.id, true, 'enable')}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  const adaptive =
    model.adaptive.length === 0
      ? html``
      : html`<h2>Adaptive decisions</h2>
          <table>
            <thead>
              <tr>
                <th>when</th>
                <th>target</th>
                <th>action</th>
                <th>why</th>
              </tr>
            </thead>
            <tbody>
              ${model.adaptive.map(
                ({ event, wallMs }) =>
                  html`<tr>
                    <td class="mono">${clock(wallMs)}</td>
                    <td class="mono">${event.target}</td>
                    <td>${adaptiveText(event)}</td>
                    <td>${event.reason}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`;
  const routes = html`<h2>Routes</h2>
    <p class="muted">Percentiles from fixed-bucket log histograms (±2.2%), over every request since start; per stage: time in that stage's outermost spans.</p>
    <table>
      <thead>
        <tr>
          <th>route</th>
          <th class="num">requests</th>
          <th class="num">errors</th>
          <th>stage</th>
          <th class="num">count</th>
          <th class="num">p50</th>
          <th class="num">p95</th>
          <th class="num">p99</th>
          <th class="num">max</th>
        </tr>
      </thead>
      <tbody>
        ${model.routes.map((route) =>
          route.stages.map(
            (stage, index) =>
              html`<tr>
                ${
                  index === 0
                    ? html`<td rowspan="${route.stages.length}" class="mono">${route.method} ${route.route}</td>
                        <td rowspan="${route.stages.length}" class="num">${route.count}</td>
                        <td rowspan="${route.stages.length}" class="num${route.errors > 0 ? ' err' : ''}">${route.errors}</td>`
                    : ''
                }
                <td>${stage.stage}</td>
                <td class="num">${stage.count}</td>
                <td class="num">${ms(stage.p50Ns)}</td>
                <td class="num">${ms(stage.p95Ns)}</td>
                <td class="num">${ms(stage.p99Ns)}</td>
                <td class="num">${ms(stage.maxNs)}</td>
              </tr>`,
          ),
        )}
      </tbody>
    </table>`;
  const s = model.store;
  const recent = html`<h2>Recent requests</h2>
    <p class="muted">
      ${s.size} kept of ${s.total} seen (bounds: ${s.maxRequests} requests, ${formatBytes(s.maxBytes)}; now ${formatBytes(s.bytes)}; ${s.evicted} evicted).
    </p>
    <table id="recent">
      <thead>
        <tr>
          <th>start</th>
          <th>request id</th>
          <th>method</th>
          <th>route</th>
          <th class="num">status</th>
          <th class="num">latency</th>
          <th class="num">spans</th>
        </tr>
      </thead>
      <tbody>
        ${model.recent.map(
          (request) =>
            html`<tr>
              <td class="mono">${clock(Date.parse(request.startedAt))}</td>
              <td class="mono"><a href="${requestHref(basePath, request.id)}">${request.id}</a></td>
              <td>${request.method}</td>
              <td class="mono">${request.route}</td>
              <td class="num">${statusCell(request)}</td>
              <td class="num">${ms(request.latencyNs)}</td>
              <td class="num">
                ${request.spans.length}${request.adaptive.length > 0 ? html` <span class="pill sampled" title="adaptive tracing acted during this request">⚙</span>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return page(`stagescope · ${model.preset}`, basePath, model.preset, html`${targets}${adaptive}${routes}${recent}`);
}

/** One request: facts, text tree, call graph. Pure. */
export function renderRequestPage(model: RequestPageModel): string {
  const { request } = model;
  const facts = html`<h2>Request <span class="mono">${request.id}</span></h2>
    <dl class="facts">
      <dt>route</dt>
      <dd class="mono">${request.method} ${request.route}</dd>
      <dt>path</dt>
      <dd class="mono">${request.path}</dd>
      <dt>status</dt>
      <dd>${statusCell(request)}</dd>
      <dt>latency</dt>
      <dd>${ms(request.latencyNs)}</dd>
      <dt>started</dt>
      <dd class="mono">${request.startedAt}</dd>
      <dt>trace id</dt>
      <dd class="mono">${request.traceId}</dd>
      <dt>stagescope overhead</dt>
      <dd>
        ${ms(request.overheadNs)} in ${request.wrappedCalls} wrapped
        calls${request.droppedSpans > 0 ? html` · <span class="warn">${request.droppedSpans} spans dropped (per-request bound)</span>` : ''}
      </dd>
    </dl>
    ${request.adaptive.length > 0 ? html`<p class="warn">${request.adaptive.map((event) => html`⚙ adaptive: ${event.target} ${adaptiveText(event)} (${event.reason})<br />`)}</p>` : ''}`;
  const tree = html`<h2>Tree</h2>
    <pre class="tree" id="tree">${model.tree}</pre>`;
  const graph = html`<h2>Call graph</h2>
    ${model.svg.ok ? html`<div class="graph"><img id="call-graph" alt="call graph of request ${request.id}" src="${model.svg.dataUri}" /></div>` : html`<p class="muted">No call graph: ${model.svg.reason}</p>`}`;
  return page(`stagescope · ${request.method} ${request.route}`, model.basePath, model.preset, html`${facts}${tree}${graph}`);
}

/** The token login form (only when a token is configured). Pure. */
export function renderLoginPage(basePath: string, preset: string, message: string | undefined): string {
  return page(
    'stagescope · log in',
    basePath,
    preset,
    html`<h2>Log in</h2>
      ${message === undefined ? '' : html`<p class="err">${message}</p>`}
      <form method="post" action="${basePath}/login">
        <label>stagescope token <input type="password" name="token" autocomplete="current-password" required /></label> <button type="submit">log in</button>
      </form>`,
  );
}

/** A small page for refusals and errors. Pure. */
export function renderMessagePage(basePath: string, preset: string, title: string, message: string, loginLink: boolean): string {
  return page(
    `stagescope · ${title}`,
    basePath,
    preset,
    html`<h2>${title}</h2>
      <p>${message}</p>
      ${loginLink ? html`<p><a href="${basePath}/login">log in with the token</a></p>` : ''}`,
  );
}
