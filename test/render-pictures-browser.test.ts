import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { compareRuns } from '../src/compare/compare-runs.js';
import { renderComparisonSvg } from '../src/compare/comparison-svg.js';
import type { RunDocument } from '../src/core/run-document.js';
import { loadGraphviz, renderCallGraphSvgSync } from '../src/render/call-graph/svg.js';
import { renderGantt } from '../src/render/gantt.js';
import { renderRequestPage } from '../src/serve/page/render-page.js';
import { requestToRunDocument } from '../src/serve/request-document.js';
import type { FinishedRequest } from '../src/core/request-events.js';
import { paddleRun, retime } from './compare-fixtures.js';
import { fixture, spanRecord, tempDir } from './helpers.js';
import { checkPicture, launchChromium, NEEDS_CHROMIUM } from './picture-check.js';
import { bigRun, ocrRun } from './render-helpers.js';

/** Screenshots go here when STAGESCOPE_PICTURES_DIR is set (to look at them); else to a temp dir. */
const shotsDir = process.env.STAGESCOPE_PICTURES_DIR ?? tempDir('stagescope-pictures-');

function runFixture(name: string): RunDocument {
  return JSON.parse(readFileSync(fixture('runs', name), 'utf8')) as RunDocument;
}

/** Names a user's pipeline can produce: long without spaces, long with, CJK, emoji, markup, control characters. */
const HOSTILE = [
  'InferenceSession.run ' + 'ch_PP-OCRv4_rec_infer_'.repeat(8) + '.onnx',
  'a very long step name with many words that keeps going and going well past any sensible width for a node box or a bar',
  '推理 文字识别 模型加载 检测 分类 识别 后处理 非常长的名字',
  'emoji 🚀🔥📦 step ✨',
  '<script>alert("x")</script> & \'q\' <b>bold</b>',
  'line one\nline two\ttab\u0007bell',
  'W'.repeat(120),
];

/** The OCR run with every span renamed to a hostile name, and a long command. */
function hostileRun(): RunDocument {
  const doc = ocrRun();
  doc.command = ['examples/' + 'deeply/nested/'.repeat(12) + 'script.mjs', '--flag', 'x'.repeat(200)];
  doc.spans = doc.spans.map((span, index) => (span.parentId === null ? span : { ...span, name: `${HOSTILE[index % HOSTILE.length]!} ${index}` }));
  return doc;
}

/** A served request's run document (what the page's request view draws). */
function requestRun(): RunDocument {
  const MS = 1e6;
  const spans = [
    spanRecord({ id: '1', parentId: null, name: 'POST /v1/ocr?lang=' + 'eng+'.repeat(20) + '<x>', startNs: 0, durationNs: 240 * MS, selfNs: 20 * MS }),
    spanRecord({ id: '2', parentId: '1', name: 'sharp.resize', stage: 'preprocess', startNs: 2 * MS, durationNs: 10 * MS, selfNs: 10 * MS }),
    spanRecord({
      id: '3',
      parentId: '1',
      name: 'InferenceSession.run ch_PP-OCRv4_det_infer.onnx',
      stage: 'detection',
      startNs: 14 * MS,
      durationNs: 80 * MS,
      selfNs: 80 * MS,
    }),
    spanRecord({
      id: '4',
      parentId: '1',
      name: 'InferenceSession.run ch_PP-OCRv4_rec_infer.onnx',
      stage: 'recognition',
      startNs: 100 * MS,
      durationNs: 130 * MS,
      selfNs: 130 * MS,
    }),
  ];
  return { ...ocrRun(), preset: 'ocr', command: [], durationNs: 240 * MS, spans };
}

const RUNS: [string, () => RunDocument][] = [
  ['OCR example (paddle, tesseract workers)', ocrRun],
  ['tesseract scheduler example (real run)', () => runFixture('tesseract-scheduler-run.json')],
  ['tfjs face example (real run)', () => runFixture('tfjs-face-run.json')],
  ['300-span run with merged nodes', bigRun],
  ['served request', requestRun],
  ['hostile names', hostileRun],
];

describe('pictures read right in a browser with only DejaVu and Liberation fonts', { skip: NEEDS_CHROMIUM }, () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    await loadGraphviz();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  });
  after(async () => {
    await browser?.close();
  });

  const expectClean = async (name: string, svg: string): Promise<void> => {
    const problems = await checkPicture(page, svg, path.join(shotsDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`));
    assert.deepEqual(
      problems,
      [],
      `${name}: ${problems.length} problems:\n${problems.map((problem) => `${problem.kind}: ${JSON.stringify(problem.text)}${problem.other === undefined ? '' : ` × ${JSON.stringify(problem.other)}`}`).join('\n')}`,
    );
  };

  it('the checker finds overlapping text, text outside a node and outside the picture (it can fail)', async () => {
    const bad = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100" font-family="DejaVu Sans">
<text x="10" y="20" font-size="12">overlapping one</text><text x="30" y="22" font-size="12">overlapping two</text>
<text x="150" y="60" font-size="12">past the edge</text>
<g class="node"><polygon points="10,70 60,70 60,95 10,95"/><text x="12" y="88" font-size="12">too wide for its box</text></g></svg>`;
    const kinds = new Set((await checkPicture(page, bad)).map((problem) => problem.kind));
    assert.deepEqual([...kinds].sort(), ['outside-node', 'outside-picture', 'overlap']);
  });

  for (const [name, make] of RUNS) {
    it(`call graph: ${name}`, async () => {
      await expectClean(`call-graph ${name}`, renderCallGraphSvgSync(make()));
    });
    it(`Gantt chart: ${name}`, async () => {
      await expectClean(`gantt ${name}`, renderGantt(make()));
    });
  }

  it("the serve page's request view: its call-graph image (from the request document, as the page draws it) reads right and loads", async () => {
    const spans = requestRun().spans;
    const request: FinishedRequest = {
      id: 'req-<1>',
      traceId: '0'.repeat(32),
      rootSpanId: '1',
      method: 'POST',
      route: '/v1/ocr',
      path: '/v1/ocr',
      status: 200,
      error: false,
      startNs: 0,
      endNs: 240e6,
      latencyNs: 240e6,
      startedAt: new Date(0).toISOString(),
      overheadNs: 1000,
      wrappedCalls: 3,
      spans,
      adaptive: [],
      droppedSpans: 0,
    };
    const doc = requestToRunDocument(request, 'ocr');
    const svg = renderCallGraphSvgSync(doc);
    await expectClean('serve page call graph', svg);
    const pageHtml = renderRequestPage({
      basePath: '/stagescope',
      preset: 'ocr',
      request,
      tree: '',
      svg: { ok: true, dataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` },
    });
    await page.setContent(pageHtml);
    await page.waitForFunction('document.getElementById("call-graph").complete');
    const size = await page.evaluate<{ natural: number; shown: number; frame: number }>(
      '(() => { const img = document.getElementById("call-graph"); return { natural: img.naturalWidth, shown: img.getBoundingClientRect().width, frame: img.parentElement.getBoundingClientRect().width }; })()',
    );
    assert.ok(size.natural > 0, 'the image decodes');
    assert.ok(size.shown <= size.frame, 'the image fits its frame');
  });

  it('call graph in the tidy layout (used past 150 nodes): 300-span run with every call site, and hostile names', async () => {
    await expectClean('call-graph tidy big', renderCallGraphSvgSync(bigRun(), { maxNodes: 400 }));
    await expectClean('call-graph tidy hostile', renderCallGraphSvgSync(hostileRun(), { layout: 'tidy' }));
  });

  it('call graph with --highlight total and load left out states its rule and still fits', async () => {
    const svg = renderCallGraphSvgSync(runFixture('tfjs-face-run.json'), { highlight: 'total', highlightExclude: ['load'] });
    assert.match(svg, /most TOTAL time = the node with its children \(max latency\); load stage left out/);
    await expectClean('call-graph highlight total', svg);
  });

  it('compare chart: paddle, tesseract-scheduler and tfjs runs vs one stage slower, and hostile labels', async () => {
    const a = paddleRun();
    const b = retime(a, (span) => (span.stage === 'recognition' ? 1.4 : 1));
    await expectClean('compare paddle', renderComparisonSvg(compareRuns(a, b)));
    // The tesseract-scheduler and tfjs runs against themselves with one stage slower.
    for (const [name, stage] of [
      ['tesseract-scheduler-run.json', 'load'],
      ['tfjs-face-run.json', 'classification'],
    ] as const) {
      const base = runFixture(name);
      await expectClean(
        `compare ${name}`,
        renderComparisonSvg(
          compareRuns(
            base,
            retime(base, (span) => (span.stage === stage ? 1.3 : 1)),
          ),
        ),
      );
    }
    const rename = (doc: RunDocument): RunDocument => ({
      ...doc,
      spans: doc.spans.map((span, index) => ({ ...span, name: `${span.name} ${HOSTILE[index % HOSTILE.length]!}` })),
    });
    await expectClean(
      'compare hostile',
      renderComparisonSvg(compareRuns(rename(a), rename(b), { labelA: 'baseline '.repeat(14), labelB: 'candidate-'.repeat(30) })),
    );
  });
});
