import { readFileSync } from 'node:fs';
import { selfTime, type RunDocument } from '../src/core/run-document.js';
import type { SpanRecord, Stage } from '../src/core/types.js';
import { buildTree, type TreeNode } from '../src/render/span-tree.js';
import { fixture } from './helpers.js';

/** A real run of examples/ocr/paddle-onnx.mjs under the onnx preset (det, 4× cls, 4× rec). */
export function paddleRun(): RunDocument {
  return JSON.parse(readFileSync(fixture('compare', 'paddle-run.json'), 'utf8')) as RunDocument;
}

/** Deterministic PRNG (mulberry32) so that "noise" is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal factor with median 1 and shape sigma: timing noise is multiplicative and skewed to slow. */
export function noiseFactor(random: () => number, sigma: number): number {
  const u = Math.max(1e-12, random());
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.exp(sigma * normal);
}

/**
 * Copy a run with every span's own time (its self segments: the gaps between
 * its children) multiplied by `factorOf(span)`, laying the tree out again so
 * that children stay inside parents, siblings stay in order and self times are
 * recomputed. Children are taken as sequential (true for the paddle fixture).
 */
export function retime(doc: RunDocument, factorOf: (span: SpanRecord) => number): RunDocument {
  const copy = structuredClone(doc);
  const byId = new Map(copy.spans.map((span) => [span.id, span]));
  const layout = (node: TreeNode, newStartNs: number): number => {
    const span = byId.get(node.span.id)!;
    const factor = factorOf(node.span);
    let originalCursor = node.span.startNs;
    let cursor = newStartNs;
    for (const child of node.children) {
      cursor += Math.max(0, child.span.startNs - originalCursor) * factor;
      cursor += layout(child, cursor);
      originalCursor = Math.max(originalCursor, child.span.startNs + child.span.durationNs);
    }
    cursor += Math.max(0, node.span.startNs + node.span.durationNs - originalCursor) * factor;
    span.startNs = Math.round(newStartNs);
    span.durationNs = Math.round(cursor - newStartNs);
    return cursor - newStartNs;
  };
  for (const root of buildTree(doc)) layout(root, root.span.startNs);
  const children = new Map<string, SpanRecord[]>();
  for (const span of copy.spans) {
    if (span.parentId === null) continue;
    const list = children.get(span.parentId) ?? [];
    list.push(span);
    children.set(span.parentId, list);
  }
  for (const span of copy.spans) span.selfNs = selfTime(span, children.get(span.id) ?? []);
  const root = copy.spans.find((span) => span.parentId === null)!;
  copy.durationNs = root.durationNs;
  return copy;
}

/**
 * `count` noisy repetitions of the fixture run: every span's own time gets an
 * independent log-normal factor (sigma 8%, like run-to-run noise on a busy
 * machine), and the spans of `slowStage` are `slowFactor` times slower.
 */
export function noisyRuns(count: number, seed: number, options: { slowStage?: Stage; slowFactor?: number; sigma?: number } = {}): RunDocument[] {
  const random = seededRandom(seed);
  const base = paddleRun();
  return Array.from({ length: count }, () =>
    retime(
      base,
      (span) => noiseFactor(random, options.sigma ?? 0.08) * (span.stage !== null && span.stage === options.slowStage ? (options.slowFactor ?? 1) : 1),
    ),
  );
}

/**
 * Check XML well-formedness without a parser dependency: every tag closed in
 * order, attribute values quoted, no raw `<` or stray `&` in text or
 * attributes, exactly one root element.
 */
export function assertWellFormedXml(xml: string): void {
  const entity = '&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);';
  const attr = `\\s+[A-Za-z_:][\\w:.-]*\\s*=\\s*(?:"(?:[^"<&]|${entity})*"|'(?:[^'<&]|${entity})*')`;
  const token = new RegExp(
    `<!--[\\s\\S]*?-->|<\\?[\\s\\S]*?\\?>|<(/?)([A-Za-z_:][\\w:.-]*)((?:${attr})*)\\s*(/?)>|(<|&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);))`,
    'g',
  );
  const stack: string[] = [];
  let roots = 0;
  for (const match of xml.matchAll(token)) {
    const [, closing, name, , selfClosing, bad] = match;
    if (bad !== undefined)
      throw new Error(`not well-formed XML: raw "${bad}" at offset ${match.index}: ${xml.slice(match.index ?? 0, (match.index ?? 0) + 60)}`);
    if (name === undefined) continue;
    if (closing === '/') {
      const open = stack.pop();
      if (open !== name) throw new Error(`not well-formed XML: </${name}> closes <${open}> at offset ${match.index}`);
    } else if (selfClosing !== '/') {
      if (stack.length === 0) roots += 1;
      stack.push(name);
    } else if (stack.length === 0) {
      roots += 1;
    }
  }
  if (stack.length > 0) throw new Error(`not well-formed XML: unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`not well-formed XML: ${roots} root elements`);
}
