import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { repoRoot } from './helpers.js';

// The package's public surface, entry by entry, as a user gets it: imported by
// name through package.json `exports` (Node's self-reference to the package
// this test runs in), types resolved the way TypeScript resolves them for a
// user (NodeNext, the `types` condition). A name added to or removed from an
// entry fails here: change the list on purpose, with docs/api.md and a
// CHANGELOG line, or not at all.

interface Surface {
  /** Names that exist at run time (functions, classes, constants). */
  values: string[];
  /** Names that exist only for TypeScript (interfaces, type aliases, `export type` classes). */
  types: string[];
}

const SURFACE: Record<string, Surface> = {
  stagescope: {
    values: [
      'CpuProbe',
      'MemoryProbe',
      'OcrLatency',
      'OnnxLatency',
      'Preset',
      'RUN_FORMAT',
      'RequestTreeStore',
      'STAGES',
      'ServeScope',
      'StagescopeError',
      'SharpLatency',
      'TargetError',
      'TfjsLatency',
      'UnknownPresetError',
      'UnknownProbeError',
      'W3CTraceContextPropagator',
      'assertRunDocument',
      'createPreset',
      'currentSpan',
      'diagnosticChannel',
      'nowNs',
      'originalOf',
      'presetNames',
      'registerPreset',
      'requestToRunDocument',
      'serve',
      'span',
      'stageFromModelName',
      'suppressTracing',
      'traced',
      'tracedOriginal',
    ],
    types: [
      'AdaptiveEvent',
      'Attributes',
      'BackgroundSampler',
      'CpuProbeOptions',
      'Diagnostic',
      'DiagnosticCode',
      'ErrorCode',
      'FinishedRequest',
      'ManualSpanOptions',
      'MemoryProbeOptions',
      'Metrics',
      'ModelStageRule',
      'ModelStageSpec',
      'OcrLatencyOptions',
      'OnnxLatencyOptions',
      'OnnxOpsOptions',
      'OverheadBudget',
      'PageOptions',
      'PresetOptions',
      'ProbeName',
      'ProbeSpec',
      'ReachSource',
      'RemoteParent',
      'RequestEventSource',
      'RequestFinishedListener',
      'RequestStoreOptions',
      'ResolvedTarget',
      'RouteSummary',
      'RunDocument',
      'RunScriptOptions',
      'SampleSeries',
      'ServeOptions',
      'Span',
      'SpanError',
      'SpanProbe',
      'SpanRecord',
      'SpanStatus',
      'Stage',
      'StagePercentiles',
      'StartSpanOptions',
      'TargetSpec',
      'TfjsLatencyOptions',
      'Trace',
      'TraceContextPropagator',
      'TracedOptions',
      'Tracer',
    ],
  },
  'stagescope/render': {
    values: [
      'formatBytes',
      'formatDurationNs',
      'loadGraphviz',
      'renderCallGraphSvg',
      'renderCallGraphSvgSync',
      'renderChromeTrace',
      'renderChromeTraceJson',
      'renderDot',
      'renderGantt',
      'renderHtmlReport',
      'renderTextTree',
    ],
    types: ['ChromeTrace', 'ChromeTraceEvent', 'DotOptions', 'GanttOptions', 'HtmlReportParts', 'TextTreeOptions'],
  },
  'stagescope/compare': {
    values: [
      'BENCH_FORMAT',
      'BenchRunError',
      'assertBenchDocument',
      'benchScript',
      'compareBenchVariants',
      'compareRuns',
      'measureRun',
      'readComparableFile',
      'renderBenchTable',
      'renderComparisonMarkdown',
      'renderComparisonSvg',
      'renderComparisonTable',
    ],
    types: [
      'BenchDocument',
      'BenchOptions',
      'BenchRow',
      'BenchVariant',
      'BenchVariantSpec',
      'Comparable',
      'ComparableFile',
      'CompareOptions',
      'Comparison',
      'ComparisonRow',
      'ComparisonSide',
      'ComparisonSvgOptions',
      'ComparisonTableOptions',
      'Measure',
      'NoiseMethod',
      'Verdict',
    ],
  },
  'stagescope/export': {
    values: [
      'BufferedTransport',
      'EXPORT_DROPPED_WARNING_CODE',
      'LabelValueLimiter',
      'OTHER_LABEL_VALUE',
      'OtlpSpanExporter',
      'PROCESS_SPAN_ID_SALT',
      'PrometheusMetrics',
      'STAGESCOPE_ATTRIBUTES',
      'SpanExportPipeline',
      'SpanLogger',
      'W3CTraceContextPropagator',
      'ZipkinSpanExporter',
      'createMetricsHandler',
      'defaultServiceName',
      'durationNsToHrTime',
      'epochNsToHrTime',
      'exportSpanDurationNs',
      'exportSpanFromLive',
      'exportSpansFromRecords',
      'exportSpansFromRequest',
      'exportSpansFromRun',
      'extractTraceparent',
      'formatTraceparent',
      'isValidSpanId',
      'isValidTraceId',
      'serializeZipkinSpans',
      'serveMetrics',
      'stagescopeResource',
      'toOtelSpanId',
      'toReadableSpan',
      'toReadableSpans',
      'toZipkinSpans',
    ],
    types: [
      'BufferedTransportOptions',
      'ExportSpan',
      'ExportSpanOptions',
      'LogLevel',
      'MetricsHandler',
      'MetricsServer',
      'MetricsServerOptions',
      'OtlpExporterOptions',
      'OtlpProtocol',
      'PrometheusMetricsOptions',
      'SendBatch',
      'SpanConverterOptions',
      'SpanExporterOptions',
      'SpanLoggerOptions',
      'TraceparentContext',
      'TransportStats',
      'ZipkinExporterOptions',
      'ZipkinSerializerOptions',
      'ZipkinSpan',
    ],
  },
};

/** The entries whose every name docs/api.md lists (the exporters have their own page). */
const LISTED_IN_API_PAGE = ['stagescope', 'stagescope/render', 'stagescope/compare'];

/** Import by package name. A variable specifier: the type checker must not need build/ to exist. */
function importEntry(specifier: string): Promise<Record<string, unknown>> {
  return import(specifier) as Promise<Record<string, unknown>>;
}

const sorted = (names: Iterable<string>): string[] => [...names].sort();

/** Every name (values and types) of each entry's declarations, resolved through `exports` as TypeScript does for a user. */
function declaredNames(specifiers: readonly string[]): Map<string, { file: string; names: string[] }> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  };
  // A user's ES module inside the package: self-reference resolves like an installed dependency.
  const importer = path.join(repoRoot, 'user.mts');
  const files = new Map<string, string>();
  for (const specifier of specifiers) {
    const resolved = ts.resolveModuleName(specifier, importer, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext).resolvedModule;
    assert.ok(resolved !== undefined, `TypeScript cannot resolve ${specifier} through package.json exports`);
    files.set(specifier, resolved.resolvedFileName);
  }
  const program = ts.createProgram([...files.values()], options);
  const checker = program.getTypeChecker();
  const result = new Map<string, { file: string; names: string[] }>();
  for (const [specifier, file] of files) {
    const source = program.getSourceFile(file);
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    assert.ok(symbol !== undefined, `${file}: no module symbol`);
    result.set(specifier, { file, names: sorted(checker.getExportsOfModule(symbol).map((exported) => exported.name)) });
  }
  return result;
}

describe('package entries', () => {
  it('each entry, imported by name, exports exactly the pinned values', async () => {
    for (const [specifier, surface] of Object.entries(SURFACE)) {
      const entry = await importEntry(specifier);
      assert.deepEqual(sorted(Object.keys(entry)), sorted(surface.values), `${specifier}: run-time exports`);
    }
  });

  it('each entry has its own declaration file (the `types` condition), declaring exactly the pinned values and types', () => {
    const declared = declaredNames(Object.keys(SURFACE));
    for (const [specifier, surface] of Object.entries(SURFACE)) {
      const entry = declared.get(specifier);
      assert.ok(entry !== undefined);
      assert.match(path.relative(repoRoot, entry.file), /^build\/src\/.+\.d\.ts$/, `${specifier}: types from ${entry.file}`);
      assert.deepEqual(entry.names, sorted([...surface.values, ...surface.types]), `${specifier}: declared exports`);
    }
  });

  it('package.json maps every importable entry to types + default, and only these subpaths exist', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    assert.deepEqual(Object.keys(manifest.exports), [
      '.',
      './render',
      './compare',
      './export',
      './register',
      './register/ocr',
      './register/onnx',
      './register/tfjs',
      './register/sharp',
      './package.json',
    ]);
    for (const specifier of Object.keys(SURFACE)) {
      const key = specifier === 'stagescope' ? '.' : `.${specifier.slice('stagescope'.length)}`;
      const target = manifest.exports[key] as { types?: string; default?: string };
      assert.deepEqual(Object.keys(target), ['types', 'default'], `${key}: types first, then default`);
    }
  });

  it('the --import entries resolve without running, and internals cannot be imported', async () => {
    // Resolving only: importing a register entry would start tracing this process.
    // The entries are one-file bundles (scripts/bundle-register.mjs: start-up).
    assert.equal(import.meta.resolve('stagescope/register'), pathToFileURL(path.join(repoRoot, 'build/bundle/register/index.js')).href);
    for (const preset of ['ocr', 'onnx', 'tfjs', 'sharp']) {
      const url = import.meta.resolve(`stagescope/register/${preset}`);
      assert.equal(url, pathToFileURL(path.join(repoRoot, `build/bundle/register/${preset}.js`)).href);
      assert.ok(existsSync(fileURLToPath(url)), `${url} is built`);
    }
    // Internal modules of the register folder are not entries.
    for (const internal of ['stagescope/register/linked', 'stagescope/register/process-mode', 'stagescope/register/linked-mode']) {
      await assert.rejects(importEntry(internal), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, internal);
    }
    await assert.rejects(importEntry('stagescope/build/src/core/recorder.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    await assert.rejects(importEntry('stagescope/bench'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  it('the entry files are thin: named re-exports only, no code and no `export *`', () => {
    for (const file of ['src/index.ts', 'src/render.ts', 'src/compare.ts', 'src/export/index.ts']) {
      const source = ts.createSourceFile(file, readFileSync(path.join(repoRoot, file), 'utf8'), ts.ScriptTarget.ES2022);
      for (const statement of source.statements) {
        const ok = ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined && statement.exportClause !== undefined;
        assert.ok(ok, `${file}: "${statement.getText(source).slice(0, 60)}" is not a named re-export`);
      }
    }
  });

  it('docs/api.md names every export of stagescope, stagescope/render and stagescope/compare', () => {
    const page = readFileSync(path.join(repoRoot, 'docs/api.md'), 'utf8');
    for (const specifier of LISTED_IN_API_PAGE) {
      const surface = SURFACE[specifier];
      assert.ok(surface !== undefined);
      const missing = [...surface.values, ...surface.types].filter((name) => !new RegExp(`\`${name}[\`(]`).test(page));
      assert.deepEqual(missing, [], `${specifier}: names missing from docs/api.md`);
    }
  });
});
