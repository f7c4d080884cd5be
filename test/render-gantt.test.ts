import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignLanes, renderGantt } from '../src/render/gantt.js';
import { STAGE_COLORS } from '../src/render/palette.js';
import { readFileSync } from 'node:fs';
import type { RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { fixture, spanRecord } from './helpers.js';
import { assertGolden, bigRun, ocrRun } from './render-helpers.js';
import { allElements, parseXml, textContent, type XmlElement } from './xml-check.js';

/** The bar groups: `<g><title>…</title><rect/>[<text/>]</g>`. */
function bars(svg: string): { title: string; rect: XmlElement; label: string }[] {
  return allElements(parseXml(svg))
    .filter((element) => element.name === 'g' && element.children[0]?.name === 'title' && element.children[1]?.name === 'rect')
    .map((element) => ({
      title: textContent(element.children[0]!),
      rect: element.children[1]!,
      label: element.children[2] === undefined ? '' : textContent(element.children[2]),
    }));
}

describe('Gantt chart', () => {
  it('matches the golden SVG of the fixed OCR run', () => {
    assertGolden('ocr-run.gantt.svg', renderGantt(ocrRun()));
  });

  it('shows probe values in the bar tooltips (memory, CPU … when the run has them)', () => {
    const doc = ocrRun();
    const withMetrics = doc.spans.filter((span) => Object.keys(span.metrics).length > 0);
    assert.ok(withMetrics.length > 0, 'the fixture run has probe metrics');
    const titles = bars(renderGantt(doc)).map((bar) => bar.title);
    for (const span of withMetrics) {
      const title = titles.find((text) => text.startsWith(`${span.name}\n`));
      assert.match(title ?? '', /\nprobes: /, `tooltip of ${span.name}`);
    }
  });

  it('lays out lanes: children below parents, sequential siblings share a lane, concurrent ones never overlap', () => {
    for (const doc of [ocrRun(), bigRun()]) {
      const { bars: placed } = assignLanes(doc);
      assert.equal(placed.length, doc.spans.length);
      const rowOf = new Map(placed.map((bar) => [bar.span.id, bar.row]));
      for (const { span, row } of placed) {
        if (span.parentId !== null) assert.ok(row > rowOf.get(span.parentId)!, `${span.name} sits below its parent`);
      }
      const byRow = new Map<number, typeof placed>();
      for (const bar of placed) byRow.set(bar.row, [...(byRow.get(bar.row) ?? []), bar]);
      for (const [row, list] of byRow) {
        list.sort((a, b) => a.span.startNs - b.span.startNs);
        for (let index = 1; index < list.length; index += 1) {
          const previous = list[index - 1]!.span;
          assert.ok(
            list[index]!.span.startNs + 1000 >= previous.startNs + previous.durationNs,
            `lane ${row}: ${previous.name} overlaps ${list[index]!.span.name}`,
          );
        }
      }
    }
    const { bars: placed } = assignLanes(ocrRun());
    const rows = (name: string): number[] => placed.filter((bar) => bar.span.name === name).map((bar) => bar.row);
    // det → cls → rec … run one after another: one lane.
    assert.equal(
      new Set([...rows('InferenceSession.run det.onnx'), ...rows('InferenceSession.run cls.onnx'), ...rows('InferenceSession.run rec.onnx')]).size,
      1,
    );
    // Three parallel tesseract workers: three lanes.
    assert.equal(new Set(rows('tesseract worker.recognize')).size, 3);
  });

  it('gives each worker thread and child process lanes of its own, shared with no main-thread span nor another thread', () => {
    // Sequential on the clock: main prep → worker a → worker b → child process → main post. Without
    // their own lanes all five would share lane 1, and their children lane 2.
    const ms = 1e6;
    const span = (id: string, parentId: string | null, name: string, startMs: number, durationMs: number, where: Partial<SpanRecord> = {}) =>
      spanRecord({ id, parentId, name, startNs: startMs * ms, durationNs: durationMs * ms, ...where });
    const doc = {
      ...ocrRun(),
      durationNs: 500 * ms,
      spans: [
        span('1', null, 'run', 0, 500),
        span('2', '1', 'prep', 0, 100),
        span('3', '2', 'decode', 10, 50),
        span('w2:1', '1', 'worker a', 100, 100, { threadId: 2 }),
        span('w2:2', 'w2:1', 'infer a', 120, 60, { threadId: 2 }),
        span('w3:1', '1', 'worker b', 200, 100, { threadId: 3 }),
        span('w3:2', 'w3:1', 'infer b', 220, 60, { threadId: 3 }),
        span('p9:1', '1', 'process child', 300, 100, { pid: 9 }),
        span('p9:2', 'p9:1', 'infer c', 320, 60, { pid: 9 }),
        span('4', '1', 'post', 400, 50),
        span('5', '4', 'encode', 410, 20),
      ],
    };
    const { bars: placed } = assignLanes(doc);
    const where = (bar: { span: SpanRecord }) => `${bar.span.pid ?? ''}/${bar.span.threadId ?? ''}`;
    const threadsOfRow = new Map<number, Set<string>>();
    for (const bar of placed) threadsOfRow.set(bar.row, (threadsOfRow.get(bar.row) ?? new Set()).add(where(bar)));
    for (const [row, threads] of threadsOfRow) assert.equal(threads.size, 1, `lane ${row} mixes ${[...threads].join(' and ')}`);
    const rowOf = (name: string) => placed.find((bar) => bar.span.name === name)!.row;
    assert.equal(rowOf('post'), rowOf('prep'), 'sequential main-thread spans still share a lane');
    assert.equal(new Set(['worker a', 'worker b', 'process child'].map(rowOf)).size, 3);
    const titles = bars(renderGantt(doc)).map((bar) => bar.title);
    assert.ok(titles.some((title) => title.startsWith('infer b\n') && title.includes('\nran in: worker thread 3')));
    assert.ok(titles.some((title) => title.startsWith('infer c\n') && title.includes('\nran in: process 9')));
    assert.ok(!titles.some((title) => title.startsWith('post\n') && title.includes('ran in:')));
  });

  it('colours bars by stage from the fixed palette, names them when they fit, and has a tooltip on each', () => {
    const doc = ocrRun();
    doc.spans.find((span) => span.name === 'Conv')!.stage = null; // like an onnxruntime op span
    const drawn = bars(renderGantt(doc));
    assert.equal(drawn.length, doc.spans.length);
    const rec = drawn.filter((bar) => bar.title.startsWith('InferenceSession.run rec.onnx\n'));
    assert.equal(rec.length, 4);
    for (const bar of rec) {
      assert.equal(bar.rect.attributes.fill, STAGE_COLORS.recognition);
      assert.match(bar.title, /\nstage: recognition\nduration: \d+\.\d ms/);
    }
    const conv = drawn.find((bar) => bar.title.startsWith('Conv\n'))!;
    assert.equal(conv.rect.attributes.fill, STAGE_COLORS.detection, "a span without a stage takes its parent's colour");
    assert.equal(conv.rect.attributes['fill-opacity'], '0.6');
    const root = drawn.find((bar) => bar.title.startsWith('run\n'))!;
    assert.equal(root.label, 'run 600.0 ms');
    assert.equal(
      drawn.find((bar) => bar.title.startsWith('tesseract worker.recognize\n') && bar.title.includes('status: error'))!.rect.attributes.stroke,
      '#d62728',
    );
  });

  it('escapes names: <script>, & and quotes render as text', () => {
    const svg = renderGantt(ocrRun());
    assert.ok(!svg.includes('<script>'));
    const drawn = bars(svg);
    assert.ok(drawn.some((bar) => bar.title.startsWith('Promise.all <script>alert("x")</script> & \'quoted\'\n')));
    assert.ok(!allElements(parseXml(svg)).some((element) => element.name === 'script'));
  });

  it('caps lanes and bars on large runs and says what was left out', () => {
    const doc = bigRun();
    const svg = renderGantt(doc, { maxRows: 3, maxBars: 50 });
    const drawn = bars(svg);
    assert.ok(drawn.length <= 50);
    const texts = allElements(parseXml(svg))
      .filter((element) => element.name === 'text')
      .map(textContent);
    assert.ok(
      texts.some((text) => /^\d+ spans in lanes below lane 3 not drawn \(\d+ lanes in all; raise maxRows\)$/.test(text)),
      texts.join('\n'),
    );
    assert.ok(
      texts.some((text) => /^\d+ spans not drawn \(more than 50 bars\): the shortest of lane \d+ and all below it; raise maxBars$/.test(text)),
      texts.join('\n'),
    );
    // The default draws the whole 300-span run, well-formed.
    assert.equal(bars(renderGantt(doc)).length, doc.spans.length);
  });

  it('names the slowest stage in the header', () => {
    const elements = allElements(parseXml(renderGantt(ocrRun()))).filter((element) => element.name === 'text' || element.name === 'tspan');
    // Header pieces flow: the lead and the (bold) slowest stage are runs (tspans) of one line.
    const header = elements
      .filter((element) => element.name === 'text')
      .map(textContent)
      .join(' ');
    assert.match(header, /self time by stage \(share of all self time\): recognition 255\.0 ms \(38%\)/);
    const slowest = elements.find((element) => textContent(element).startsWith('recognition 255.0 ms'));
    assert.equal(slowest?.attributes['font-weight'], 'bold');
  });

  it("shows the async context's estimated cost beside the overhead when the run has one", () => {
    const footer = (doc: RunDocument): string =>
      allElements(parseXml(renderGantt(doc)))
        .filter((element) => element.name === 'text')
        .map(textContent)
        .join(' ');
    const plain = ocrRun();
    assert.doesNotMatch(footer(plain), /async context/);
    const withEstimate: RunDocument = {
      ...plain,
      overhead: { ...plain.overhead!, asyncContext: { mechanism: 'async-hooks', asyncResources: 370, perResourceNs: 77, estimatedNs: 28_490 } },
    };
    assert.match(footer(withEstimate), /instrumentation overhead .* wrapped calls · async context ~28\.5 µs/);
  });

  it('validates its options, naming the option', () => {
    assert.throws(() => renderGantt(ocrRun(), { widthPx: 50 }), /widthPx must be at least 200/);
    assert.throws(() => renderGantt(ocrRun(), { maxRows: 0 }), /maxRows must be a positive integer/);
  });

  it('draws probe lanes (CPU, RSS peak, heap change, background samples) under the bars when probes were on, none without', () => {
    const texts = (svg: string): string =>
      allElements(parseXml(svg))
        .filter((element) => element.name === 'text')
        .map(textContent)
        .join(' | ');
    const withProbes = texts(renderGantt(JSON.parse(readFileSync(fixture('runs', 'tesseract-scheduler-run.json'), 'utf8')) as RunDocument));
    assert.match(withProbes, /CPU \(user \+ system\) of each top-level span ≥ 20 ms, % of one core · max \d+%/);
    assert.match(withProbes, /RSS peak during each top-level span · max [\d.]+ MiB/);
    assert.match(withProbes, /JS heap change over each top-level span · largest -?[\d.]+ (KiB|MiB)/);
    const doc = ocrRun();
    doc.samples = [
      {
        name: 'eventLoop.delayP99Ns',
        unit: 'ns',
        points: [
          [0, 1e6],
          [300e6, 4e6],
          [600e6, 2e6],
        ],
      },
    ];
    doc.samples.push(
      {
        name: 'system.diskWriteBytesPerSec',
        unit: 'bytes/s',
        points: [
          [0, 0],
          [300e6, 6614000],
        ],
      },
      {
        name: 'system.cpuLoadPercent',
        unit: '%',
        points: [[0, 87.25]],
      },
      {
        name: 'system.netSentBytesPerSec',
        unit: 'bytes/s',
        points: [
          [0, 0],
          [300e6, 0],
        ],
      },
    );
    const sampled = texts(renderGantt(doc));
    // Lanes name what they show in words and units a reader knows, not the series' keys.
    assert.match(sampled, /event-loop delay p99 \(background samples\) · max 4\.0 ms/);
    assert.match(sampled, /disk write \(background samples\) · max 6\.3 MiB\/s/);
    assert.match(sampled, /system CPU load \(all cores\) \(background samples\) · max 87%/);
    assert.doesNotMatch(sampled, /network sent \(background samples\)|eventLoop\.|BytesPerSec/);
    assert.match(sampled, /at 0 all run \(no lane drawn\): network sent/);
    const bare = ocrRun();
    bare.spans = bare.spans.map((span) => ({ ...span, metrics: {} }));
    bare.samples = [];
    assert.doesNotMatch(texts(renderGantt(bare)), /top-level span|background samples/);
  });
});
