import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { withDefaults } from '../src/cli/render-command.js';
import type { RunDocument } from '../src/core/run-document.js';
import { aggregateCallGraph, metricMerge } from '../src/render/call-graph/aggregate.js';
import { renderDot, wrapName } from '../src/render/call-graph/dot.js';
import { legendLines } from '../src/render/call-graph/legend.js';
import { dotToSvg, loadGraphviz, renderCallGraphSvg } from '../src/render/call-graph/svg.js';
import { fixture } from './helpers.js';
import { assertGolden, bigRun, ocrRun } from './render-helpers.js';
import { allElements, parseXml, textContent, type XmlElement } from './xml-check.js';

const MS = 1e6;

/** Graphviz SVG node groups (`<g class="node">`). */
function svgNodes(svg: string): XmlElement[] {
  return allElements(parseXml(svg)).filter((element) => element.name === 'g' && element.attributes.class === 'node');
}

function tinyRun(): RunDocument {
  const doc = ocrRun();
  const keep = new Set(['1', '2', '5']);
  doc.spans = doc.spans.filter((span) => keep.has(span.id)).map((span) => ({ ...span, selfNs: span.id === '5' ? span.durationNs : span.selfNs }));
  return doc;
}

describe('call graph: aggregation', () => {
  it('aggregates spans into call sites by name path, with calls, total, self, stage, metrics and edge counts', () => {
    const graph = aggregateCallGraph(ocrRun());
    const byPath = new Map(graph.nodes.map((node) => [node.path.join(' > '), node]));
    const rec = byPath.get('run > ocr page receipt.png > InferenceSession.run rec.onnx');
    assert.ok(rec, [...byPath.keys()].join('\n'));
    assert.equal(rec.calls, 4);
    assert.equal(rec.totalNs, 134 * MS);
    assert.equal(rec.selfNs, 134 * MS);
    assert.equal(rec.stage, 'recognition');
    const recSpans = ocrRun().spans.filter((span) => span.name === 'InferenceSession.run rec.onnx');
    assert.equal(
      rec.metrics.cpuUserNs,
      recSpans.reduce((sum, span) => sum + span.metrics.cpuUserNs!, 0),
    );
    const page = byPath.get('run > ocr page receipt.png')!;
    assert.deepEqual(
      graph.edges.find((edge) => edge.from === page.id && edge.to === rec.id),
      { from: page.id, to: rec.id, calls: 4 },
    );
    const workers = byPath.get('run > Promise.all <script>alert("x")</script> & \'quoted\' > tesseract worker.recognize')!;
    assert.equal(workers.calls, 3);
    assert.equal(workers.errors, 1);
    // Op spans without a stage take their run's stage.
    const conv = byPath.get('run > ocr page receipt.png > InferenceSession.run det.onnx > Conv')!;
    assert.equal(conv.stage, 'detection');
    assert.equal(graph.rootTotalNs, 600 * MS);
    assert.equal(graph.collapse, null, 'a small run is not collapsed');
  });

  it('highlights the call site with the greatest self time (not total time, not the run root)', () => {
    const graph = aggregateCallGraph(ocrRun());
    const hottest = graph.nodes.find((node) => node.id === graph.hottestId)!;
    const greatest = Math.max(...graph.nodes.filter((node) => node.parentId !== null).map((node) => node.selfNs));
    assert.equal(hottest.selfNs, greatest);
    assert.equal(hottest.name, 'InferenceSession.run rec.onnx');
    // "ocr page" has more total time but less self time.
    const page = graph.nodes.find((node) => node.name === 'ocr page receipt.png')!;
    assert.ok(page.totalNs > hottest.totalNs && page.selfNs < hottest.selfNs);
    const dot = renderDot(ocrRun());
    const highlighted = dot.split('\n').filter((line) => line.includes('penwidth=5'));
    assert.equal(highlighted.length, 1);
    assert.ok(highlighted[0]!.trimStart().startsWith(`${hottest.id} [`), highlighted[0]);
    assert.match(highlighted[0]!, /SLOWEST: most self time/);
    assert.match(dot, /Slowest node \(most SELF time = time spent in the node itself, not in its children\)/);
  });

  it('merges small call sites of a 300-span run into "other" nodes and says so; no call is lost', () => {
    const doc = bigRun();
    assert.ok(doc.spans.length >= 280, `${doc.spans.length} spans`);
    const full = aggregateCallGraph(doc, { maxNodes: 100_000 });
    assert.ok(full.nodes.length > 100, `${full.nodes.length} call sites before merging`);
    const graph = aggregateCallGraph(doc);
    assert.ok(graph.nodes.length <= 40, `${graph.nodes.length} nodes`);
    assert.ok(graph.collapse !== null && graph.collapse.nodes > 0);
    const others = graph.nodes.filter((node) => node.collapsed !== null);
    assert.equal(others.length, graph.collapse.groups);
    const calls = graph.nodes.reduce((sum, node) => sum + (node.collapsed?.calls ?? node.calls), 0);
    assert.equal(calls, doc.spans.length, 'every span is counted exactly once');
    const hottest = full.nodes.find((node) => node.id === full.hottestId)!;
    assert.ok(
      graph.nodes.some((node) => node.id === hottest.id && node.id === graph.hottestId),
      'the hottest node is never merged',
    );
    const dot = renderDot(doc);
    assert.match(dot, new RegExp(`merged ${graph.collapse.nodes} small call sites`));
    assert.match(dot, /other \(\d+ nodes\)/);
  });

  it('combines metrics by meaning: sums, but the largest peak and the mean ratio', () => {
    const doc = ocrRun();
    const rec = doc.spans.filter((span) => span.name === 'InferenceSession.run rec.onnx');
    rec.forEach((span, index) => {
      span.metrics = { ...span.metrics, rssPeakBytes: 100 + index, loopUtilizationRatio: index / 4 };
    });
    const node = aggregateCallGraph(doc).nodes.find((entry) => entry.name === 'InferenceSession.run rec.onnx')!;
    assert.equal(node.metrics.rssPeakBytes, 103);
    assert.equal(node.metrics.loopUtilizationRatio, (0 + 1 + 2 + 3) / 4 / 4);
    assert.equal(metricMerge('cpuUserNs'), 'sum');
    assert.equal(metricMerge('delayP99Ns'), 'mean');
  });

  it('a tiny --max-nodes merges first by share, then by depth, and counts every call site and call once', () => {
    const doc = withDefaults(JSON.parse(readFileSync(fixture('runs', 'tfjs-face-run.json'), 'utf8')) as RunDocument);
    const all = aggregateCallGraph(doc, { maxNodes: 1000 });
    const sites = all.nodes.length - 1; // every call site under the run root
    const calls = all.nodes.filter((node) => node.parentId !== null).reduce((sum, node) => sum + node.calls, 0);
    const graph = aggregateCallGraph(doc, { maxNodes: 5 });
    assert.ok(graph.nodes.length <= 5);
    const dashed = graph.nodes.filter((node) => node.collapsed !== null);
    assert.ok(graph.collapse !== null);
    // The "other" nodes of the first pass, swallowed by the cut, are not counted twice.
    assert.deepEqual(
      { nodes: graph.collapse.nodes, groups: graph.collapse.groups, calls: graph.collapse.calls },
      { nodes: sites, groups: dashed.length, calls },
    );
    assert.equal(
      dashed.reduce((sum, node) => sum + node.collapsed!.nodes, 0),
      sites,
    );
    assert.ok(
      dashed.every((node) => node.name === `… ${node.collapsed!.nodes} deeper call sites` || node.name.startsWith('other (')),
      dashed.map((node) => node.name).join(', '),
    );
    // The highlight sits on the group that holds the slowest call site; the header still names that call site.
    assert.equal(graph.nodes.find((node) => node.id === graph.hottestId)?.collapsed?.nodes, sites);
    const slowest = all.nodes.find((node) => node.id === all.hottestId)!;
    assert.equal(graph.hottestInside?.name, slowest.name);
    const header = legendLines(doc, graph, () => '#fff').map((line) => line.plain);
    assert.ok(
      header.some(
        (line) =>
          line.startsWith(`★ Slowest node (most SELF time`) &&
          line.includes(`: ${slowest.name} — self `) &&
          line.includes(`(drawn inside "… ${sites} deeper call sites")`),
      ),
      header.join('\n'),
    );
    assert.equal(all.hottestInside, null);
    assert.match(renderDot(doc, { maxNodes: 5 }), /merged: 23 call sites, 113 calls, everything called below this depth/);
  });

  it("the legend's overhead line shows the async context's estimated cost when the run has one", () => {
    const plain = ocrRun();
    const overheadLine = (doc: RunDocument): string | undefined =>
      legendLines(doc, aggregateCallGraph(doc), () => '#fff')
        .map((line) => line.plain)
        .find((line) => line.startsWith('instrumentation overhead'));
    assert.doesNotMatch(overheadLine(plain) ?? '', /async context/);
    const withEstimate: RunDocument = {
      ...plain,
      overhead: { ...plain.overhead!, asyncContext: { mechanism: 'async-hooks', asyncResources: 370, perResourceNs: 77, estimatedNs: 28_490 } },
    };
    assert.match(overheadLine(withEstimate) ?? '', / wrapped calls · async context ~28\.5 µs · hover a node/);
  });

  it('validates its options, naming the option', () => {
    assert.throws(() => aggregateCallGraph(ocrRun(), { maxNodes: 1 }), /maxNodes must be an integer ≥ 2, got 1/);
    assert.throws(() => aggregateCallGraph(ocrRun(), { minShare: 5 }), /minShare must be a share between 0 and 1/);
  });

  it('wraps long names at spaces and dots, cutting in the middle only when a piece is too long', () => {
    assert.deepEqual(wrapName('InferenceSession.create ch_PP-OCRv4_det_infer.onnx', 34), ['InferenceSession.create', 'ch_PP-OCRv4_det_infer.onnx']);
    assert.deepEqual(wrapName('run', 34), ['run']);
    const [cut] = wrapName('x'.repeat(50) + 'END', 20);
    assert.equal([...cut!].length, 20);
    assert.ok(cut!.endsWith('END') && cut!.includes('…'));
  });
});

describe('call graph: DOT and SVG', () => {
  before(async () => {
    await loadGraphviz();
  });

  it('matches the golden DOT of the fixed OCR run', () => {
    assertGolden('ocr-run.dot', renderDot(ocrRun()));
  });

  it('escapes names: <script>, &, quotes and backslashes render as text', () => {
    const doc = ocrRun();
    doc.spans.push({ ...doc.spans[1]!, id: '99', name: 'back\\slash "q" \n newline <b>&amp;</b>', startNs: 1 * MS, durationNs: 1 * MS, selfNs: 1 * MS });
    const dot = renderDot(doc);
    // Labels are HTML-like (XML-escaped); tooltips are DOT strings (quote-escaped; Graphviz escapes them in the SVG).
    const labels = dot.split('\n').map((line) => line.replace(/tooltip="(?:[^"\\]|\\.)*"/g, ''));
    assert.ok(!labels.some((line) => line.includes('<script>') || line.includes('<b>')), 'no raw markup from a name in DOT labels');
    assert.match(dot, /<B>Promise\.all<\/B>/);
    assert.match(dot, /<B>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp;<\/B>/);
    assert.match(dot, /<B>&#39;quoted&#39;<\/B>/);
    assert.match(dot, /tooltip="run → Promise\.all <script>alert\(\\"x\\"\)<\/script> & 'quoted'\\n/);
    const svg = dotToSvg(dot);
    const root = parseXml(svg); // throws if the SVG is not well-formed XML
    assert.ok(!allElements(root).some((element) => element.name === 'script' || element.name === 'b'), 'no element made from a span name');
    const texts = allElements(root)
      .filter((element) => element.name === 'text')
      .map(textContent);
    assert.ok(texts.includes('<script>alert("x")</script> &'), texts.join(' | '));
    assert.ok(texts.includes("'quoted'"), texts.join(' | '));
    assert.ok(
      texts.some((text) => text.includes('back\\slash "q"')),
      texts.join(' | '),
    );
    const titles = allElements(root).map((element) => element.attributes['xlink:title'] ?? '');
    assert.ok(
      titles.some((title) => title.startsWith('run → Promise.all <script>alert("x")</script> & \'quoted\'\n')),
      'tooltip keeps the full name',
    );
  });

  it('draws a 3-node run and a 300-span run as well-formed SVG with the hottest node framed', async () => {
    const tiny = await renderCallGraphSvg(tinyRun());
    assert.equal(svgNodes(tiny).length, 3);
    const big = await renderCallGraphSvg(bigRun());
    const graph = aggregateCallGraph(bigRun());
    assert.equal(svgNodes(big).length, graph.nodes.length);
    const framed = svgNodes(big).filter((node) => allElements(node).some((element) => element.attributes['stroke-width'] === '5'));
    assert.equal(framed.length, 1);
    assert.equal(textContent(framed[0]!.children[0]!), graph.hottestId);
  });

  it('draws an empty run without failing', async () => {
    const doc = ocrRun();
    doc.spans = [];
    doc.durationNs = 0;
    const svg = await renderCallGraphSvg(doc);
    assert.equal(svgNodes(svg).length, 0);
  });
});
