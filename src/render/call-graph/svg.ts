import type { RunDocument } from '../../core/run-document.js';
import { aggregateCallGraph } from './aggregate.js';
import { composeCallGraphSvg, parseGraphvizSvg } from './compose.js';
import { heatForShare, nameWidthPt, renderGraphDot, TIDY_LAYOUT_THRESHOLD, type DotOptions } from './dot.js';
import { tidyCallGraph } from './tidy-layout.js';

interface GraphvizApi {
  loadWASM(): Promise<void>;
  layout(source: string, format?: 'svg', engine?: 'dot'): string;
}

let graphviz: GraphvizApi | null = null;
let loading: Promise<GraphvizApi> | null = null;

/**
 * Load Graphviz (compiled to wasm; no `dot` binary needed). Idempotent. The
 * module is imported lazily because it embeds the wasm as a multi-megabyte
 * base64 string: runs that draw no picture must not pay for parsing it.
 * After this resolves, {@link dotToSvg} is synchronous — which is what lets a
 * process write the SVG from its synchronous `exit` handler.
 */
export function loadGraphviz(): Promise<void> {
  // Compiling the wasm holds no event-loop handle on Node 22+: a script whose
  // last work is `await preset.saveSvg()` would exit (code 13, unsettled
  // top-level await) before Graphviz is ready. A timer keeps it alive until then.
  const keepAlive = loading === undefined ? setInterval(() => undefined, 1 << 30) : undefined;
  loading ??= import('graphviz-wasm').then(async (module) => {
    const api = module.default as GraphvizApi;
    // The Emscripten wrapper binds console.warn/console.log once, when loadWASM
    // calls it (synchronously): hand it a filter instead, so that Graphviz's
    // font-metric noise ("no value for width of non-ASCII character") never
    // reaches the traced script's stderr. Restored right after the call.
    const { warn, log } = console;
    console.warn = (...args: unknown[]) => forward(warn, args);
    console.log = (...args: unknown[]) => forward(log, args);
    let loaded: Promise<void>;
    try {
      loaded = api.loadWASM();
    } finally {
      console.warn = warn;
      console.log = log;
    }
    await loaded;
    graphviz = api;
    return api;
  });
  if (keepAlive !== undefined) void loading.finally(() => clearInterval(keepAlive)).catch(() => undefined);
  return loading.then(() => undefined);
}

function forward(sink: (...args: unknown[]) => void, args: unknown[]): void {
  if (args.length === 1 && typeof args[0] === 'string' && /no value for width of non-ASCII character/.test(args[0])) return;
  sink.apply(console, args);
}

/** True once {@link loadGraphviz} has finished. */
export function isGraphvizLoaded(): boolean {
  return graphviz !== null;
}

/** DOT → SVG with the `dot` engine. Synchronous; throws if {@link loadGraphviz} has not finished. */
export function dotToSvg(dot: string): string {
  if (graphviz === null) throw new Error('stagescope: Graphviz is not loaded yet; await loadGraphviz() before dotToSvg()');
  return graphviz.layout(dot, 'svg', 'dot');
}

/**
 * The call graph of a run as SVG (synchronous). Requires {@link loadGraphviz}.
 */
export function renderCallGraphSvgSync(doc: RunDocument, options: DotOptions = {}): string {
  const graph = aggregateCallGraph(doc, options);
  const layout = options.layout ?? 'auto';
  const tidy = layout === 'tidy' || (layout === 'auto' && graph.nodes.length > TIDY_LAYOUT_THRESHOLD);
  const drawing = tidy
    ? tidyCallGraph(graph, nameWidthPt(options), options.maxMetrics ?? 3)
    : parseGraphvizSvg(dotToSvg(renderGraphDot(doc, graph, { ...options, legend: false })));
  return composeCallGraphSvg(doc, graph, drawing, heatForShare);
}

/**
 * The call graph of a run as SVG: loads Graphviz on first use (~100 ms), then lays out in-process.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('graph.svg', await renderCallGraphSvg(doc));
 */
export async function renderCallGraphSvg(doc: RunDocument, options: DotOptions = {}): Promise<string> {
  // The tidy layout needs no Graphviz: do not pay for loading it.
  const graph = options.layout === 'tidy' ? null : aggregateCallGraph(doc, options);
  if (options.layout === 'tidy' || (options.layout !== 'graphviz' && graph !== null && graph.nodes.length > TIDY_LAYOUT_THRESHOLD))
    return renderCallGraphSvgSync(doc, options);
  await loadGraphviz();
  return renderCallGraphSvgSync(doc, options);
}
