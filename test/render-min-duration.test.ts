import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateCallGraph } from '../src/render/call-graph/aggregate.js';
import { renderGantt } from '../src/render/gantt.js';
import { HIDDEN_SPANS_KEY, hideShortSpans, parseMinDuration, resolveMinDurationNs } from '../src/render/min-duration.js';
import { renderTextTree } from '../src/render/text-tree.js';
import { fixture, runCli } from './helpers.js';
import { ocrRun } from './render-helpers.js';
import { allElements, parseXml, textContent } from './xml-check.js';

const MS = 1e6;
const utc = (wallMs: number): string => new Date(wallMs).toISOString().slice(11, 23);

describe('--min-duration: hide short spans, count them on the parent', () => {
  it('parses durations and shares, and names the option on bad input', () => {
    assert.deepEqual(parseMinDuration('1ms', '--min-duration'), { kind: 'ns', ns: 1e6 });
    assert.deepEqual(parseMinDuration('250us', '--min-duration'), { kind: 'ns', ns: 250e3 });
    assert.deepEqual(parseMinDuration('0.5s', '--min-duration'), { kind: 'ns', ns: 5e8 });
    assert.deepEqual(parseMinDuration('5%', '--min-duration'), { kind: 'share', share: 0.05 });
    assert.equal(resolveMinDurationNs({ kind: 'share', share: 0.05 }, ocrRun()), 30 * MS);
    assert.throws(
      () => parseMinDuration('fast', '--min-duration'),
      /--min-duration must be a duration \(800ns, 250us, 1ms, 0\.5s\) or a share of the run \(5%\), got "fast"/,
    );
    assert.throws(() => parseMinDuration('150%', 'STAGESCOPE_MIN_DURATION'), /STAGESCOPE_MIN_DURATION as a share of the run must be at most 100%/);
  });

  it('hides each short span with its subtree; every hidden span is counted once, on the nearest shown ancestor', () => {
    const doc = ocrRun();
    const { doc: view, hidden } = hideShortSpans(doc, 10 * MS);
    assert.ok(hidden > 0 && hidden < doc.spans.length);
    assert.equal(view.spans.length + hidden, doc.spans.length);
    const shownIds = new Set(view.spans.map((span) => span.id));
    assert.ok(
      view.spans.every((span) => span.parentId === null || span.durationNs >= 10 * MS),
      'nothing shorter is shown (roots excepted)',
    );
    assert.ok(
      view.spans.every((span) => span.parentId === null || shownIds.has(span.parentId)),
      'no orphan: a hidden span takes its subtree',
    );
    const counted = view.spans.reduce((sum, span) => sum + Number(span.attributes[HIDDEN_SPANS_KEY] ?? 0), 0);
    assert.equal(counted, hidden);
    assert.equal(doc.spans.length, ocrRun().spans.length, 'the input is not modified');
  });

  it('text tree, Gantt and call graph all apply it and say so', () => {
    const doc = ocrRun();
    const { hidden } = hideShortSpans(doc, 10 * MS);
    const tree = renderTextTree(doc, { minDurationNs: 10 * MS, formatClock: utc });
    const lines = tree.trimEnd().split('\n');
    assert.equal(lines.length, doc.spans.length - hidden + 1);
    assert.match(tree, /\(\+\d+ shorter spans? folded, [\d.]+ ms\)/);
    assert.equal(lines[lines.length - 1]!.trim(), `${hidden} spans shorter than 10.0 ms folded into their parents`);
    const gantt = renderGantt(doc, { minDurationNs: 10 * MS });
    const texts = allElements(parseXml(gantt))
      .filter((element) => element.name === 'text')
      .map(textContent)
      .join(' ');
    assert.match(texts, new RegExp(`${hidden} spans shorter than 10\\.0 ms not drawn \\(with their children\\)`));
    const graph = aggregateCallGraph(doc, { minDurationNs: 10 * MS });
    assert.equal(graph.hiddenSpans, hidden);
    assert.ok(graph.nodes.length < aggregateCallGraph(doc).nodes.length);
  });

  it("`stagescope run --min-duration 1h` folds the traced call into the root line; the script's output is unchanged", async () => {
    const result = await runCli(['run', '--targets', fixture('targets/fake.yaml'), '--min-duration', '3600s', '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /● run \([^)]*\) {2}\(\+1 shorter span folded, [\d.]+ (ns|µs|ms)\)/);
    assert.doesNotMatch(result.stderr, /syncAdd/);
    const bad = await runCli(['run', '--targets', fixture('targets/fake.yaml'), '--min-duration', 'soon', '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--min-duration must be a duration/);
  });
});
