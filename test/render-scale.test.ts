import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RUN_FORMAT, type RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { aggregateCallGraph } from '../src/render/call-graph/aggregate.js';
import { renderDot } from '../src/render/call-graph/dot.js';
import { renderCallGraphSvg } from '../src/render/call-graph/svg.js';
import { assignTracks, renderChromeTrace } from '../src/render/chrome-trace.js';
import { assignLanes, renderGantt } from '../src/render/gantt.js';
import { MAX_INDENT_LEVELS, renderTextTree } from '../src/render/text-tree.js';
import { cliPath, readRun, runCli, runNode, spanRecord, tempDir } from './helpers.js';
import { ocrRun } from './render-helpers.js';
import { allElements, parseXml } from './xml-check.js';

function runOf(spans: SpanRecord[], durationNs: number): RunDocument {
  return {
    ...ocrRun(),
    format: RUN_FORMAT,
    preset: 'custom',
    command: ['deep.mjs'],
    startedAt: new Date(0).toISOString(),
    durationNs,
    overheadNs: 0,
    wrappedCalls: spans.length,
    spans,
  };
}

/** An async recursion through a traced function: each level one span inside the one before. */
function deepRun(levels: number): RunDocument {
  const spans: SpanRecord[] = [];
  for (let level = 0; level < levels; level += 1) {
    spans.push(
      spanRecord({
        id: String(level + 1),
        parentId: level === 0 ? null : String(level),
        name: level === 0 ? 'run' : `recurse depth ${level}`,
        startNs: level * 10,
        durationNs: (levels - level) * 20,
        selfNs: 20,
      }),
    );
  }
  return runOf(spans, levels * 20);
}

/** One parent with `count` children: sequential, or all running at once (a server's requests). */
function wideRun(count: number, concurrent: boolean): RunDocument {
  const spans: SpanRecord[] = [spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: count * 1000 + 1e6, selfNs: 0 })];
  for (let index = 0; index < count; index += 1) {
    const startNs = index * (concurrent ? 10 : 1000);
    spans.push(
      spanRecord({
        id: String(index + 2),
        parentId: '1',
        name: `op ${index % 40}`,
        stage: 'recognition',
        startNs,
        durationNs: concurrent ? count * 20 : 900,
        selfNs: concurrent ? count * 20 : 900,
      }),
    );
  }
  return runOf(spans, count * 1000 + 1e6);
}

describe('render: deep and wide runs', () => {
  it('draws 3,000 nested spans in every form: tree, Gantt, trace, call graph (no stack overflow)', async () => {
    const doc = deepRun(3000);
    const tree = renderTextTree(doc);
    const lines = tree.trimEnd().split('\n');
    assert.equal(lines.length, 3000);
    assert.match(lines[2999]!, /└─ recurse depth 2999 \(/);
    assert.equal(assignLanes(doc).rows, 3000, 'one lane per level');
    const gantt = renderGantt(doc);
    assert.match(gantt, /2920 spans in lanes below lane 80 not drawn/);
    const trace = renderChromeTrace(doc);
    assert.equal(trace.traceEvents.filter((event) => event.ph === 'X').length, 3000);
    assert.equal(new Set([...assignTracks(doc).values()].map((track) => track.tid)).size, 1, 'nested events share one track');
    const graph = aggregateCallGraph(doc);
    assert.ok(graph.nodes.length <= 40, `${graph.nodes.length} nodes`);
    assert.ok(graph.collapse !== null && graph.collapse.maxDepth !== null);
    const deeper = graph.nodes.find((node) => node.name.startsWith('… '));
    assert.ok(deeper !== undefined && deeper.collapsed !== null);
    assert.equal(graph.nodes.filter((node) => node.collapsed === null).length + deeper.collapsed.nodes, 3000, 'every call site is drawn or counted');
    const svg = await renderCallGraphSvg(doc);
    assert.ok(allElements(parseXml(svg)).some((element) => element.name === 'g' && element.attributes.class === 'node'));
    assert.match(svg, /all below depth \d+/);
  });

  it('keeps the text tree printable 20,000 levels deep: indentation clipped past MAX_INDENT_LEVELS, marked ⋯', () => {
    // Full indentation would be 3 characters × 20,000 levels on each of 20,000 lines: past V8's longest string.
    const lines = renderTextTree(deepRun(20_000), { formatClock: () => 'T' })
      .trimEnd()
      .split('\n');
    assert.equal(lines.length, 20_000);
    assert.ok(Math.max(...lines.map((line) => line.length)) < 300, 'every line stays short');
    // Level k (k ≥ 1) is indented 2 + 3 × (k − 1) characters before its "└─ ".
    const indentOf = (level: number): string => lines[level]!.slice(lines[level]!.indexOf('%] ') + 3, lines[level]!.indexOf('└─ '));
    assert.equal(indentOf(MAX_INDENT_LEVELS + 1), ' '.repeat(2 + 3 * MAX_INDENT_LEVELS), 'drawn in full up to the limit');
    assert.equal(indentOf(MAX_INDENT_LEVELS + 2), `⋯ ${' '.repeat(3 * MAX_INDENT_LEVELS)}`, 'deeper lines say the outer levels are not drawn');
    assert.equal(indentOf(19_999), indentOf(MAX_INDENT_LEVELS + 2), 'the indentation stops growing');
    assert.match(lines[19_999]!, /└─ recurse depth 19999 \(/);
  });

  it('lays out a 50,000-deep recursion in lanes in linear time (a quadratic layout would not finish)', { timeout: 60_000 }, () => {
    // Each level used to mark its child's whole subtree busy: 50,000²/2 row updates.
    const { bars, rows } = assignLanes(deepRun(50_000));
    assert.equal(rows, 50_000, 'one lane per level');
    assert.equal(bars.length, 50_000);
    assert.ok(
      bars.every((bar) => bar.row === Number(bar.span.id) - 1),
      'each level one lane below its parent',
    );
  });

  it('draws the call graph and Gantt of a 20,000-deep run in a 200 MB heap (memory linear in the depth)', { timeout: 120_000 }, async () => {
    // Each call site used to hold its whole name path: 20,000 levels, 200 million names (gigabytes).
    const dir = tempDir('stagescope-deeper-');
    const file = path.join(dir, 'deep.json');
    writeFileSync(file, JSON.stringify(deepRun(20_000)));
    const svg = path.join(dir, 'g.svg');
    const result = await runNode(['--max-old-space-size=200', cliPath, 'render', file, '--svg', svg, '--gantt', path.join(dir, 't.svg')]);
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    assert.equal(result.stderr.match(/written to/g)?.length, 2, result.stderr);
    // Drawn nodes still carry their whole path (the tooltip): the deepest one names every level above it.
    const graph = aggregateCallGraph(deepRun(200));
    const deepest = graph.nodes.find((node) => node.name.startsWith('… '))!;
    const parent = graph.nodes.find((node) => node.id === deepest.parentId)!;
    assert.deepEqual(parent.path, ['run', ...Array.from({ length: parent.path.length - 1 }, (_, index) => `recurse depth ${index + 1}`)]);
    assert.deepEqual(deepest.path, [...parent.path, 'deeper']);
    assert.ok(readFileSync(svg, 'utf8').includes('run → recurse depth 1 → recurse depth 2'));
  });

  it('lays out a 20,000-deep recursion with a step after each call in linear time (each level marks a tall block busy)', { timeout: 60_000 }, () => {
    // recurse(n) { await recurse(n - 1); await leaf(); }: the deep child is not the last one, so its
    // whole block of rows is marked busy at every level (one step each, not one per row).
    const levels = 20_000;
    const spans: SpanRecord[] = [];
    for (let level = 0; level < levels; level += 1) {
      const id = String(level + 1);
      spans.push(spanRecord({ id, parentId: level === 0 ? null : String(level), name: 'recurse', startNs: level * 10, durationNs: (levels - level) * 40 }));
      if (level > 0)
        spans.push(spanRecord({ id: `leaf${level}`, parentId: String(level), name: 'leaf', startNs: level * 10 + (levels - level) * 40 + 1, durationNs: 5 }));
    }
    const { bars, rows } = assignLanes(runOf(spans, levels * 40 + 100));
    assert.equal(rows, levels);
    const rowOf = new Map(bars.map((bar) => [bar.span.id, bar.row]));
    assert.equal(rowOf.get(String(levels)), levels - 1, 'each level one lane below its parent');
    assert.equal(rowOf.get('leaf1'), rowOf.get('2'), 'the step after a call shares its lane');
  });

  it('random concurrent trees: children below parents, no two bars overlap in a lane', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 30; round += 1) {
      const spans: SpanRecord[] = [spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: 1e9 })];
      for (let index = 2; index <= 300; index += 1) {
        const parent = spans[Math.floor(random() * spans.length)]!;
        const startNs = parent.startNs + Math.floor(random() * parent.durationNs * 0.9);
        const durationNs = Math.max(1, Math.floor(random() * (parent.startNs + parent.durationNs - startNs)));
        spans.push(spanRecord({ id: String(index), parentId: parent.id, name: `s${index % 7}`, startNs, durationNs }));
      }
      const { bars } = assignLanes(runOf(spans, 1e9));
      const rowOf = new Map(bars.map((bar) => [bar.span.id, bar.row]));
      for (const { span, row } of bars) if (span.parentId !== null) assert.ok(row > rowOf.get(span.parentId)!, `round ${round}: ${span.id} below its parent`);
      const byRow = new Map<number, SpanRecord[]>();
      for (const { span, row } of bars) byRow.set(row, [...(byRow.get(row) ?? []), span]);
      for (const [row, list] of byRow) {
        list.sort((a, b) => a.startNs - b.startNs);
        // Bars may touch: a span starting within 1 µs of another's end counts as after it.
        let reachNs = -Infinity;
        for (const span of list) {
          assert.ok(Math.min(reachNs, span.startNs + span.durationNs) - span.startNs <= 1000, `round ${round}: lane ${row} overlaps at span ${span.id}`);
          reachNs = Math.max(reachNs, span.startNs + span.durationNs);
        }
      }
    }
  });

  it('`stagescope render` of a 3,000-deep run writes every picture and exits 0', async () => {
    const dir = tempDir('stagescope-deep-');
    const file = path.join(dir, 'deep.json');
    writeFileSync(file, JSON.stringify(deepRun(3000)));
    const out = (name: string): string => path.join(dir, name);
    const result = await runCli(['render', file, '--svg', out('g.svg'), '--gantt', out('t.svg'), '--trace', out('t.json'), '--tree']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.match(/written to/g)?.length, 3, result.stderr);
    assert.equal(result.stdout.trimEnd().split('\n').length, 3000);
  });

  it('renders 100,000 siblings, sequential and concurrent (linear: a quadratic walk would not finish)', { timeout: 120_000 }, () => {
    for (const concurrent of [false, true]) {
      const doc = wideRun(100_000, concurrent);
      assert.equal(renderTextTree(doc, { compact: true }).trimEnd().split('\n').length, 1 + 40);
      const { rows } = assignLanes(doc);
      assert.equal(rows, concurrent ? 100_001 : 2);
      assert.ok(renderGantt(doc).includes('100001 spans'));
      const tracks = new Set([...assignTracks(doc).values()].map((track) => track.tid));
      assert.equal(tracks.size, concurrent ? 100_000 : 1);
      const graph = aggregateCallGraph(doc);
      assert.ok(graph.nodes.length <= 40, `${graph.nodes.length} nodes`);
      assert.equal(
        graph.nodes.filter((node) => node.parentId !== null).reduce((sum, node) => sum + node.calls, 0),
        100_000,
        'every call counted',
      );
    }
  });

  it('draws a 1,000-node call graph with the linear tidy layout (Graphviz stays for default sizes and DOT)', async () => {
    const spans: SpanRecord[] = [spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: 1e9 })];
    for (let page = 0; page < 10; page += 1) {
      const pageId = String(spans.length + 1);
      spans.push(spanRecord({ id: pageId, parentId: '1', name: `page ${page}`, startNs: page * 1e8, durationNs: 9e7 }));
      for (let model = 0; model < 10; model += 1) {
        const modelId = String(spans.length + 1);
        spans.push(
          spanRecord({
            id: modelId,
            parentId: pageId,
            name: `InferenceSession.run model_${model}.onnx`,
            stage: 'detection',
            startNs: page * 1e8 + model * 9e6,
            durationNs: 8e6,
          }),
        );
        for (let op = 0; op < 9; op += 1)
          spans.push(
            spanRecord({
              id: String(spans.length + 1),
              parentId: modelId,
              name: `op ${op}`,
              startNs: page * 1e8 + model * 9e6 + op * 8e5,
              durationNs: 7e5,
              selfNs: 7e5,
            }),
          );
      }
    }
    const doc = runOf(spans, 1e9);
    const graph = aggregateCallGraph(doc, { maxNodes: 2000 });
    assert.equal(graph.nodes.length, 1011);
    const svg = await renderCallGraphSvg(doc, { maxNodes: 2000 });
    assert.doesNotMatch(svg, /Generated by graphviz/);
    const nodes = allElements(parseXml(svg)).filter((element) => element.name === 'g' && element.attributes.class === 'node');
    assert.equal(nodes.length, 1011);
    // Boxes never overlap: compare the outlines' extents ("M left,top H right Q … V bottom" of each rounded rectangle).
    const extents = nodes.map((node) => {
      const d = allElements(node).find((element) => element.name === 'path')!.attributes.d!;
      const match = /^M([\d.]+),([\d.]+) H([\d.]+) Q[^V]*V([\d.]+)/.exec(d);
      assert.ok(match !== null, d);
      return { left: Number(match[1]), right: Number(match[3]), top: Number(match[2]), bottom: Number(match[4]) };
    });
    const sorted = [...extents].sort((a, b) => a.left - b.left || a.top - b.top);
    for (let index = 1; index < sorted.length; index += 1) {
      const [a, b] = [sorted[index - 1]!, sorted[index]!];
      if (a.left === b.left) assert.ok(b.top >= a.bottom, `boxes overlap in a column at y ${b.top} < ${a.bottom}`);
    }
    assert.match(renderDot(doc, { maxNodes: 2000 }), /^digraph stagescope/, 'DOT export stays Graphviz');
  });

  it('escapes control characters and newlines in names: a name cannot forge tree lines', () => {
    const doc = runOf(
      [
        spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: 100 }),
        spanRecord({
          id: '2',
          parentId: '1',
          name: 'evil\n[00:00:00.000 - 00:00:00.000]  [100.00%]   └─ forged\u001b[31m\u202e',
          startNs: 1,
          durationNs: 10,
          status: 'error',
          error: { name: 'Error', message: 'bad\u0007thing' },
        }),
      ],
      100,
    );
    const lines = renderTextTree(doc, { formatClock: () => 'T' })
      .trimEnd()
      .split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[1]!.includes('evil\\n[00:00:00.000'), lines[1]);
    assert.ok(lines[1]!.includes('forged\\u001b[31m\\u202e'), lines[1]);
    assert.ok(lines[1]!.includes('bad\\u0007thing'), lines[1]);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u001f\u202e]/.test(lines.join('')), 'no raw control character left');
  });

  it('`stagescope render` rejects negative and non-finite times with the file, span and field (exit 2), never NaN:NaN', async () => {
    const dir = tempDir('stagescope-bad-times-');
    const cases: [string, string, RegExp][] = [
      [
        'negative.json',
        JSON.stringify(runOf([spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: -5 })], 10)),
        /negative\.json: spans\[0\] \(id "1", "run"\): durationNs must be a finite number ≥ 0, got -5/,
      ],
      [
        'infinite.json',
        JSON.stringify(runOf([spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: 5 })], 10)).replace('"startNs":0', '"startNs":1e999'),
        /infinite\.json: spans\[0\] \(id "1", "run"\): startNs must be a finite number of ns since the run start, got Infinity/,
      ],
      [
        'run-duration.json',
        JSON.stringify({ ...runOf([], 10), durationNs: -1 }),
        /run-duration\.json: durationNs must be a finite number ≥ 0 \(or left out\), got -1/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const result = await runCli(['render', file, '--gantt', path.join(dir, `${name}.svg`)]);
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    // A good document still renders (the checks do not reject what is valid).
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(deepRun(3)));
    assert.equal((await runCli(['render', good])).code, 0);
    assert.equal(readRun(good).spans.length, 3);
  });
});
