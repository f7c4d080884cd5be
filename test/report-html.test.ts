import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import { fixture, runCli, tempDir } from './helpers.js';
import { loadGraphviz, renderCallGraphSvgSync } from '../src/render/call-graph/svg.js';
import { renderHtmlReport } from '../src/report/html-report.js';
import { checkSvgInPage, launchChromium, NEEDS_CHROMIUM, type PictureProblem } from './picture-check.js';
import { ocrRun } from './render-helpers.js';

const shotsDir = process.env.STAGESCOPE_PICTURES_DIR ?? tempDir('stagescope-report-shots-');

/** The problems as readable lines (empty when the picture reads right). */
function describeProblems(problems: PictureProblem[]): string[] {
  return problems.map(
    (problem) => `${problem.kind}: ${JSON.stringify(problem.text)}${problem.other === undefined ? '' : ` × ${JSON.stringify(problem.other)}`}`,
  );
}

/** A real run whose names try to break out of the markup. */
function hostileRun(): RunDocument {
  const doc = JSON.parse(readFileSync(fixture('runs', 'tesseract-scheduler-run.json'), 'utf8')) as RunDocument;
  doc.command = ['<img src=x onerror=alert(1)>.mjs'];
  doc.spans = doc.spans.map((span, index) =>
    index === 2
      ? { ...span, name: '</summary><script>window.__pwned = 1</script><b>x</b>' }
      : index === 3
        ? { ...span, name: 'a & b "quoted" \'single\' <style>body{display:none}</style>' }
        : span,
  );
  return doc;
}

describe('stagescope report --html', () => {
  it(
    'writes one file that renders offline in Chromium: no requests, no console errors, every name escaped, tree folds, call graph and Gantt open fitted and zoom',
    { skip: NEEDS_CHROMIUM },
    async () => {
      const dir = tempDir('stagescope-report-');
      const runFile = path.join(dir, 'run.json');
      writeFileSync(runFile, JSON.stringify(hostileRun()));
      const html = path.join(dir, 'report.html');
      const result = await runCli(['report', runFile, '--html', html]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /HTML report written to/);
      const text = readFileSync(html, 'utf8');
      assert.equal(text.match(/<script>/g)?.length, 1, "only the report's own script");
      assert.doesNotMatch(text, /\b(src|href)=["']?(https?:|\/\/)/i, 'no external resource');
      assert.match(text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*">/, 'the browser itself refuses any load');

      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('request', (request) => requests.push(request.url()));
        const url = pathToFileURL(html).href;
        await page.goto(url);
        await page.screenshot({ path: path.join(shotsDir, 'report.png'), fullPage: false });
        assert.deepEqual(errors, []);
        assert.deepEqual(requests, [url], 'the report loads nothing but itself');
        assert.equal(await page.evaluate('window.__pwned'), undefined, 'a span name never runs as script');
        // Even a load the page tried itself is refused before it reaches the network.
        assert.equal(await page.evaluate(`fetch('http://127.0.0.1:9/x').then(() => 'loaded', () => 'refused')`), 'refused');
        assert.deepEqual(requests, [url], 'the refused fetch never left the page');
        errors.length = 0; // the refusal's own console line
        const body = await page.locator('body').innerText();
        assert.ok(body.includes('</summary><script>window.__pwned = 1</script><b>x</b>'), 'the hostile name shows literally');
        assert.ok(body.includes('a & b "quoted" \'single\' <style>body{display:none}</style>'));
        assert.ok(body.includes('<img src=x onerror=alert(1)>.mjs'));
        for (const id of ['facts', 'stages', 'tree', 'call-graph', 'gantt']) assert.equal(await page.locator(`#${id}`).count(), 1, id);
        assert.equal((await page.locator('#call-graph svg g.node').count()) > 0, true, 'call graph drawn');
        // Fold: a closed <details> opens on click and shows its children.
        const closed = (await page.locator('.tree details:not([open])').first().elementHandle())!;
        assert.equal(await closed.getAttribute('open'), null);
        await (await closed.$('summary'))!.click();
        assert.equal(await closed.getAttribute('open'), '');
        // The report's pictures read right in the page's own styles: no text over text, out of its node or out of the picture.
        for (const selector of ['#call-graph svg', '#gantt-frame svg']) assert.deepEqual(describeProblems(await checkSvgInPage(page, selector)), [], selector);
        // Each picture opens fitted to its frame (all of it in view, nothing cut at the right edge; the
        // timeline is drawn 1400 wide, the call graph wider than the 1400-pixel window's frame), and zooms.
        for (const [section, frame] of [
          ['gantt', 'gantt-frame'],
          ['call-graph', 'call-graph-frame'],
        ] as const) {
          const scroll = async (): Promise<{ scrollWidth: number; clientWidth: number }> =>
            page.evaluate<{ scrollWidth: number; clientWidth: number }>(
              `(() => { const frame = document.getElementById(${JSON.stringify(frame)}); return { scrollWidth: frame.scrollWidth, clientWidth: frame.clientWidth }; })()`,
            );
          const opened = await scroll();
          assert.ok(opened.scrollWidth <= opened.clientWidth, `${frame} fits its frame: ${JSON.stringify(opened)}`);
          // Zoom: the picture doubles (and scrolls sideways), zooming out stops at the fit, "fit" fits again.
          const width = async (): Promise<number> => Number(await page.locator(`#${frame} svg`).getAttribute('width'));
          const before = await width();
          await page.click(`#${section} button[data-zoom=in]`);
          assert.equal(await width(), before * 2, frame);
          const zoomed = await scroll();
          assert.ok(zoomed.scrollWidth > zoomed.clientWidth, `zoomed in, ${frame} scrolls`);
          await page.click(`#${section} button[data-zoom=out]`);
          await page.click(`#${section} button[data-zoom=out]`);
          assert.equal(await width(), before, 'zooming out stops at the fitted width');
          await page.click(`#${section} button[data-zoom=in]`);
          await page.click(`#${section} button[data-zoom=reset]`);
          assert.equal(await width(), before);
        }
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    },
  );

  it(
    "the report's pictures read right in the page for the OCR, tesseract-scheduler and tfjs examples (no overlapping text, none outside its node or picture)",
    { skip: NEEDS_CHROMIUM },
    async () => {
      await loadGraphviz();
      const runs: [string, RunDocument][] = [
        ['OCR', ocrRun()],
        ...['tesseract-scheduler-run.json', 'tfjs-face-run.json'].map((name): [string, RunDocument] => [
          name,
          JSON.parse(readFileSync(fixture('runs', name), 'utf8')) as RunDocument,
        ]),
      ];
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        for (const [name, doc] of runs) {
          await page.setContent(renderHtmlReport(doc, { callGraphSvg: renderCallGraphSvgSync(doc) }));
          await page.screenshot({ path: path.join(shotsDir, `report-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
          for (const selector of ['#call-graph svg', '#gantt-frame svg'])
            assert.deepEqual(describeProblems(await checkSvgInPage(page, selector)), [], `${name} ${selector}`);
        }
      } finally {
        await browser.close();
      }
    },
  );

  it("lists the async context's estimated cost beside the overhead where the run document has one", () => {
    const doc = ocrRun();
    const callGraphSvg = { missing: 'no call graph here' };
    assert.doesNotMatch(renderHtmlReport({ ...doc, overhead: undefined }, { callGraphSvg }), /async context/);
    const withEstimate: RunDocument = {
      ...doc,
      overhead: { ...doc.overhead!, asyncContext: { mechanism: 'async-hooks', asyncResources: 20_000, perResourceNs: 84, estimatedNs: 1_680_000 } },
    };
    assert.match(
      renderHtmlReport(withEstimate, { callGraphSvg }),
      /<dt>async context \(estimate\)<\/dt><dd>~1\.7 ms: 20000 async resources × 84 ns<\/dd><dt>exit code<\/dt>/,
    );
  });

  it("`stagescope run --html`: the CLI writes the report from the child's run, even after process.exit; exit code and output unchanged", async () => {
    const dir = tempDir('stagescope-run-html-');
    const html = path.join(dir, 'report.html');
    const result = await runCli(['run', '--targets', fixture('targets/fake.yaml'), '--html', html, '--', fixture('scripts/exit-early.mjs')]);
    assert.equal(result.code, 5);
    assert.equal(result.stdout, 'sum 3\n');
    assert.match(result.stderr, /HTML report written to/);
    const text = readFileSync(html, 'utf8');
    assert.match(text, /<span class="name">syncAdd<\/span>/);
    assert.equal(text.match(/<svg\b/g)?.length, 2, 'call graph and timeline inline');
  });

  it('bad input exits 2 naming what is wrong', async () => {
    const missing = await runCli(['report', fixture('runs', 'ocr-run.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--html FILE is required/);
    const dir = tempDir('stagescope-report-bad-');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...ocrRun(), spans: [{ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: -1 }] }));
    const negative = await runCli(['report', bad, '--html', path.join(dir, 'r.html')]);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /bad\.json: spans\[0\] \(id "1", "run"\): durationNs must be a finite number ≥ 0, got -1/);
  });
});
