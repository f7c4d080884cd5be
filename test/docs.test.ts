import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DIAGNOSTIC_CODES, ERROR_CODES } from '../src/core/codes.js';
import { repoRoot } from './helpers.js';

// The README stays a front page and docs/ stays navigable: these pin the shape
// CONTRIBUTING.md asks for, so a broken link or an undocumented diagnostic code
// fails here instead of on a reader.

function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(repoRoot, dir))) {
      const relative = path.join(dir, name);
      if (statSync(path.join(repoRoot, relative)).isDirectory()) walk(relative);
      else if (name.endsWith('.md')) files.push(relative);
    }
  };
  walk('docs');
  return files;
}

function read(file: string): string {
  return readFileSync(path.join(repoRoot, file), 'utf8');
}

/** Markdown without fenced code blocks (a `](x)` in code is not a link). */
function prose(text: string): string {
  return text.replace(/```[\s\S]*?```/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(text: string): Set<string> {
  const headings = [...prose(text).matchAll(/^#+ (.*)$/gm)].map((match) => match[1] ?? '');
  return new Set(
    headings.map((heading) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

/** Relative links in Markdown `text` of `file` that do not resolve: "file: link (why)". */
function brokenLinks(file: string, text: string = read(file)): string[] {
  const broken: string[] = [];
  for (const match of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = match[1] ?? '';
    if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
    const [target = '', anchor] = link.split('#');
    const resolved = target === '' ? file : path.normalize(path.join(path.dirname(file), target));
    if (!existsSync(path.join(repoRoot, resolved))) {
      broken.push(`${file}: ${link} (no such file)`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor)) broken.push(`${file}: ${link} (no heading #${anchor})`);
  }
  return broken;
}

/** What the test uses of scripts/render-bench-docs.mjs (plain JavaScript: its exports, typed here). */
interface CostResult {
  figures: { display: { figure: string } }[];
}
interface BenchDocsRenderer {
  PRIMARY_BLOCK: string;
  NODE22_BLOCK: string;
  NODE22_PAGE: string;
  DEFAULT_FILES: string[];
  readResults(): { primary: { doc: CostResult; jsonPath: string }; node22: { doc: CostResult | null; jsonPath: string } };
  renderFile(text: string, file: string, results: ReturnType<BenchDocsRenderer['readResults']>): string;
  renderNode22Missing(jsonPath: string): string;
  blockText(text: string, name: string): string | null;
  withoutGeneratedBlocks(text: string): string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(path.join(repoRoot, dir))) {
    const relative = path.join(dir, name);
    if (statSync(path.join(repoRoot, relative)).isDirectory()) files.push(...sourceFiles(relative));
    else if (name.endsWith('.ts')) files.push(relative);
  }
  return files;
}

describe('documentation', () => {
  it('the README stays a front page: at most 300 lines, quick start and the three ways to run', () => {
    const readme = read('README.md');
    assert.ok(readme.split('\n').length <= 300, `README.md has ${readme.split('\n').length} lines; move topics to docs/`);
    assert.match(readme, /npm install && npm run demo/);
    assert.match(readme, /^npm test\b/m);
    assert.match(readme, /stagescope run --preset/);
    assert.match(readme, /node --import stagescope\/register\//);
    assert.match(readme, /await new OnnxLatency\(\)\.run\(/);
  });

  it('every relative link in README, CONTRIBUTING, CHANGELOG and docs/ resolves, anchors included', () => {
    assert.deepEqual(
      markdownFiles().flatMap((file) => brokenLinks(file)),
      [],
    );
  });

  it('the link check itself reports a missing file and a missing heading, and passes existing pages, anchors, URLs and code', () => {
    const text =
      '[a](no-such-page.md) [b](running.md#no-such-heading) [c](running.md#options) [d](https://example.com) [e](pictures.md) `[f](nope.md)`\n```\n[g](nope.md)\n```';
    assert.deepEqual(brokenLinks('docs/example.md', text), [
      'docs/example.md: no-such-page.md (no such file)',
      'docs/example.md: running.md#no-such-heading (no heading #no-such-heading)',
      'docs/example.md: nope.md (no such file)',
    ]);
  });

  it('every preset has its page with tested versions and a span/attribute table', () => {
    for (const preset of ['ocr', 'onnx', 'tfjs', 'sharp']) {
      const page = read(`docs/presets/${preset}.md`);
      assert.match(page, /\| tested with \|/, `docs/presets/${preset}.md: no "tested with" row`);
      assert.match(page, /## Spans and attributes/, `docs/presets/${preset}.md: no attribute table`);
    }
  });

  it('benchmark figures live between the generated markers of README.md and docs/overhead.md, as docs:bench renders them from cost.json and cost-node22.json, and nowhere else', async () => {
    const renderer = (await import(pathToFileURL(path.join(repoRoot, 'scripts/render-bench-docs.mjs')).href)) as BenchDocsRenderer;
    // Throws, naming the file, when cost.json is missing, unfinished or from a
    // --quick or --only run, and the same for cost-node22.json when it exists.
    const results = renderer.readResults();
    const { primary, node22 } = results;
    // The files `npm run docs:bench` writes by default.
    for (const file of renderer.DEFAULT_FILES) {
      const text = read(file);
      // Markers once each, in order (else this throws naming the file; the
      // Node 22 block is required in docs/overhead.md), and every block is what
      // the generator makes of the results now.
      assert.equal(
        text,
        renderer.renderFile(text, path.join(repoRoot, file), results),
        `${file}: a benchmark table is not what ${primary.jsonPath} and ${node22.jsonPath} give; run \`npm run docs:bench\``,
      );
    }
    // Which figures each block holds: Node 24's in both pages, Node 22's (or
    // the line saying there are none yet) in docs/overhead.md only.
    const blocks: { name: string; file: string; doc: CostResult | null }[] = [
      ...renderer.DEFAULT_FILES.map((file) => ({ name: renderer.PRIMARY_BLOCK, file, doc: primary.doc })),
      { name: renderer.NODE22_BLOCK, file: renderer.NODE22_PAGE, doc: node22.doc },
    ];
    for (const { name, file, doc } of blocks) {
      const inside = renderer.blockText(read(file), name);
      assert.ok(inside !== null, `${file}: no ${name} block`);
      if (doc === null) {
        assert.equal(inside.trim(), renderer.renderNode22Missing(node22.jsonPath), `${file}: the ${name} block should say there is no ${node22.jsonPath}`);
        continue;
      }
      for (const figure of doc.figures.map((f) => f.display.figure)) assert.ok(inside.includes(figure), `${file}: figure ${figure} not in the ${name} block`);
    }
    // The README keeps one table (with a line pointing at Node 22's when there is one).
    for (const file of markdownFiles().filter((file) => file !== renderer.NODE22_PAGE)) {
      assert.equal(renderer.blockText(read(file), renderer.NODE22_BLOCK), null, `${file}: a Node 22 block outside ${renderer.NODE22_PAGE}`);
    }
    // Outside the markers, no page types a figure of either result. The rule:
    // a figure is its whole cell as docs:bench writes it, median and range
    // ("361 ns (330–396)"); prose may still name a median or a rounded value in
    // passing ("about 0.2 µs less per edge"), since bare medians also turn up in
    // unrelated example output (compare tables, trees) and cannot be told apart
    // from a quote. Prose that wants a figure links to the table instead.
    // A row without a figure shows "—", which is prose's dash too: only cells with a number count.
    const figures = [primary.doc, node22.doc].flatMap((doc) => doc?.figures.map((figure) => figure.display.figure).filter((figure) => /\d/.test(figure)) ?? []);
    for (const file of markdownFiles()) {
      const outside = renderer.withoutGeneratedBlocks(read(file));
      const typed = figures.filter((figure) => outside.includes(figure));
      assert.deepEqual(typed, [], `${file}: benchmark figures typed outside the generated markers`);
    }
    // The hand-typed bench tables that used to sit in the README must not come back.
    for (const file of markdownFiles()) assert.doesNotMatch(read(file), /^variant\s+ns\/call \(median\)/m, `${file}: hand-typed bench:overhead table`);
  });

  it('docs:bench --check passes on the committed docs (npm run docs:bench leaves them as they are)', async () => {
    const result = await promisify(execFile)(process.execPath, ['scripts/render-bench-docs.mjs', '--check'], { cwd: repoRoot }).then(
      () => ({ failed: false, stderr: '' }),
      (error: { stderr?: string }) => ({ failed: true, stderr: error.stderr ?? String(error) }),
    );
    assert.equal(result.failed, false, result.stderr);
  });

  it('the code tables of docs/diagnostics.md are generated from src/core/codes.ts (npm run docs:diagnostics)', async () => {
    const result = await promisify(execFile)(process.execPath, ['scripts/render-diagnostics-docs.mjs', '--check'], { cwd: repoRoot }).then(
      () => ({ failed: false, stderr: '' }),
      (error: { stderr?: string }) => ({ failed: true, stderr: error.stderr ?? String(error) }),
    );
    assert.equal(result.failed, false, result.stderr);
  });

  it('every SS_ code used in src/ is declared in src/core/codes.ts, and every declared code is used in src/', () => {
    const declared = new Set<string>([...Object.keys(DIAGNOSTIC_CODES), ...Object.keys(ERROR_CODES)]);
    const used = new Set(
      sourceFiles('src')
        .filter((file) => file !== path.join('src', 'core', 'codes.ts'))
        .flatMap((file) => [...read(file).matchAll(/'(SS_[A-Z_]+)'/g)].map((match) => match[1] ?? '')),
    );
    assert.ok(used.size > 10, `found only ${used.size} codes in src/: is the pattern still right?`);
    assert.deepEqual([...used].filter((code) => !declared.has(code)).sort(), [], 'used in src/ but not declared in src/core/codes.ts');
    assert.deepEqual([...declared].filter((code) => !used.has(code)).sort(), [], 'declared in src/core/codes.ts but used nowhere in src/');
  });

  it('every SS_ code the docs mention is a declared code', () => {
    const declared = new Set<string>([...Object.keys(DIAGNOSTIC_CODES), ...Object.keys(ERROR_CODES)]);
    const unknown = markdownFiles().flatMap((file) =>
      [...read(file).matchAll(/\b(SS_[A-Z][A-Z_]*[A-Z])\b/g)]
        .map((match) => match[1] ?? '')
        .filter((code) => !declared.has(code))
        .map((code) => `${file}: ${code}`),
    );
    assert.deepEqual(unknown, []);
  });
});

describe('package contents', () => {
  it('npm pack ships the built src/, target files, LICENSE and CHANGELOG; no tests, benches or source maps', async () => {
    // --ignore-scripts: list what `files` selects without rebuilding build/ under the running suite.
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const files = packed.files.map((file) => file.path);
    for (const required of [
      'build/src/index.js',
      'build/src/index.d.ts',
      'build/src/render.js',
      'build/src/render.d.ts',
      'build/src/compare.js',
      'build/src/compare.d.ts',
      'build/src/cli/main.js',
      'presets/onnx.yaml',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'package.json',
    ]) {
      assert.ok(files.includes(required), `${required} is not packed`);
    }
    assert.deepEqual(
      files.filter((file) => file.endsWith('.map') || file.startsWith('build/test/') || file.startsWith('build/benchmarks/') || file.startsWith('test/')),
      [],
    );
  });
});
