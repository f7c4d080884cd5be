import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { currentSpan } from '../src/core/context.js';
import type { Span } from '../src/core/span.js';
import { Tracer } from '../src/core/tracer.js';
import { wrapFunction, type WrapSpec } from '../src/instrument/wrap.js';

function spec(name: string): WrapSpec {
  return { name, stage: null, target: `test#${name}`, record: true, callback: false, hook: undefined, onResult: undefined, switch: { enabled: true } };
}

/** A tiny traced "library": detect → (cls, rec) with real async gaps. */
function makeLibrary(tracer: Tracer) {
  const classify = wrapFunction(
    async (box: string) => {
      await sleep(2);
      return `cls(${box})`;
    },
    spec('classify'),
    tracer,
  );
  const recognize = wrapFunction((box: string) => new Promise<string>((resolve) => setTimeout(() => resolve(`rec(${box})`), 3)), spec('recognize'), tracer);
  const page = wrapFunction(
    async (name: string) => {
      await sleep(1);
      const cls = await classify(name);
      const rec = await recognize(name);
      return [cls, rec];
    },
    spec('page'),
    tracer,
  );
  return { classify, recognize, page };
}

function parentName(span: Span | undefined): string | undefined {
  return span?.parent?.name;
}

describe('parentage through AsyncLocalStorage', () => {
  it('nests across await, timers and promise callbacks', async () => {
    const tracer = new Tracer();
    const { page } = makeLibrary(tracer);
    const root = tracer.startSpan('run', { parent: null });
    await tracer.withSpan(root, () => page('a'));
    const spans = tracer.recorder.spans();
    const byName = new Map(spans.map((span) => [span.name, span]));
    assert.equal(parentName(byName.get('page')), 'run');
    assert.equal(parentName(byName.get('classify')), 'page');
    assert.equal(parentName(byName.get('recognize')), 'page');
  });

  it('gives concurrent calls via Promise.all separate parents', async () => {
    const tracer = new Tracer();
    const { page } = makeLibrary(tracer);
    const root = tracer.startSpan('run', { parent: null });
    await tracer.withSpan(root, () => Promise.all([page('a'), page('b'), page('c')]));
    const spans = tracer.recorder.spans();
    const pages = spans.filter((span) => span.name === 'page');
    assert.equal(pages.length, 3);
    for (const pageSpan of pages) {
      const children = spans
        .filter((span) => span.parent === pageSpan)
        .map((span) => span.name)
        .sort();
      assert.deepEqual(children, ['classify', 'recognize'], 'each page has its own two children');
      assert.equal(pageSpan.parent, root);
    }
    // Concurrency really happened: the three pages overlap in time.
    const [first, second] = pages;
    assert.ok(second!.startNs < first!.endNs, 'pages overlapped');
  });

  it('does not leak the span into the caller after the call returns', async () => {
    const tracer = new Tracer();
    const { page } = makeLibrary(tracer);
    assert.equal(currentSpan(), null);
    const promise = page('x');
    assert.equal(currentSpan(), null, 'sync continuation of the caller is outside the span');
    await promise;
    assert.equal(currentSpan(), null, 'async continuation of the caller is outside the span');
  });

  it('keeps the context in setTimeout and setImmediate callbacks started inside a span', async () => {
    const tracer = new Tracer();
    const inner = wrapFunction(() => 1, spec('inner'), tracer);
    const outer = wrapFunction(
      () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            inner();
            setImmediate(() => {
              inner();
              resolve();
            });
          }, 1);
        }),
      spec('outer'),
      tracer,
    );
    await outer();
    const spans = tracer.recorder.spans();
    const inners = spans.filter((span) => span.name === 'inner');
    assert.equal(inners.length, 2);
    for (const span of inners) assert.equal(parentName(span), 'outer');
  });

  it('without a context a span goes under the ambient root, else starts its own trace', () => {
    const tracer = new Tracer();
    const fn = wrapFunction(() => 1, spec('lonely'), tracer);
    fn();
    const [alone] = tracer.recorder.spans();
    assert.equal(alone?.parent, null);
    assert.equal(alone?.trace.root?.id, alone?.id);
    const root = tracer.startSpan('run', { parent: null });
    tracer.ambientRoot = root;
    fn();
    const last = tracer.recorder.spans().at(-1);
    assert.equal(last?.parent, root);
  });
});
