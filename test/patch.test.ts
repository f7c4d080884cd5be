import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tracer } from '../src/core/tracer.js';
import { patchProperty } from '../src/instrument/patch.js';
import { isWrapped, wrapFunction, type WrapSpec } from '../src/instrument/wrap.js';

const tracer = new Tracer();
const spec: WrapSpec = {
  name: 'x',
  stage: null,
  target: 'test#x',
  record: true,
  callback: false,
  hook: undefined,
  onResult: undefined,
  switch: { enabled: true },
};
const wrap = (original: Function): Function => wrapFunction(original, spec, tracer);

describe('patchProperty', () => {
  it('patches a prototype method and undo restores the original function object and descriptor', () => {
    class Session {
      async run(): Promise<number> {
        return 1;
      }
    }
    const original = Session.prototype.run;
    const before = Object.getOwnPropertyDescriptor(Session.prototype, 'run');
    const result = patchProperty(Session.prototype, 'run', wrap);
    assert.equal(result.ok, true);
    assert.ok(isWrapped(Session.prototype.run));
    assert.equal(Object.getOwnPropertyDescriptor(Session.prototype, 'run')?.enumerable, false, 'class methods stay non-enumerable');
    if (!result.ok) return;
    result.patch.undo();
    assert.equal(Session.prototype.run, original);
    assert.deepEqual(Object.getOwnPropertyDescriptor(Session.prototype, 'run'), before);
    result.patch.redo();
    const again = Session.prototype.run;
    result.patch.undo();
    result.patch.redo();
    assert.equal(Session.prototype.run, again, 'redo reinstalls the same wrapper, never a new one');
  });

  it('patches a static method and an exported function', () => {
    class Engine {
      static create(): Engine {
        return new Engine();
      }
    }
    const exportsObject = { helper: (a: number, b: number) => a + b };
    const original = exportsObject.helper;
    const staticResult = patchProperty(Engine, 'create', wrap);
    const fnResult = patchProperty(exportsObject, 'helper', wrap);
    assert.ok(staticResult.ok && fnResult.ok);
    assert.ok(Engine.create() instanceof Engine);
    assert.equal(exportsObject.helper(2, 3), 5);
    if (fnResult.ok) fnResult.patch.undo();
    assert.equal(exportsObject.helper, original);
  });

  it('an inherited method is shadowed by an own property and undo removes it', () => {
    class Base {
      step(): string {
        return 'base';
      }
    }
    class Child extends Base {}
    const result = patchProperty(Child.prototype, 'step', wrap);
    assert.ok(result.ok);
    assert.ok(Object.prototype.hasOwnProperty.call(Child.prototype, 'step'));
    if (result.ok) result.patch.undo();
    assert.equal(Object.prototype.hasOwnProperty.call(Child.prototype, 'step'), false);
    assert.equal(new Child().step(), 'base');
  });

  it('refuses with a reason instead of throwing', () => {
    class Model {
      run(): void {}
    }
    const frozen = Object.freeze({ fn: () => 1 });
    const reexport = {};
    Object.defineProperty(reexport, 'fn', { enumerable: true, get: () => () => 1 }); // tslib __exportStar style
    const missing = patchProperty({}, 'nothing', wrap);
    const notFunction = patchProperty({ value: 3 }, 'value', wrap);
    const classCtor = patchProperty({ Model }, 'Model', wrap);
    const frozenResult = patchProperty(frozen, 'fn', wrap);
    const getterResult = patchProperty(reexport, 'fn', wrap);
    assert.deepEqual(missing, { ok: false, reason: 'it does not exist' });
    assert.match(notFunction.ok ? '' : notFunction.reason, /number, not a function/);
    assert.match(classCtor.ok ? '' : classCtor.reason, /class constructor/);
    assert.match(frozenResult.ok ? '' : frozenResult.reason, /not configurable/);
    assert.match(getterResult.ok ? '' : getterResult.reason, /not configurable/);
    // The class test: an anonymous class is one; an ordinary function with a read-only prototype, a method and a bound function are not.
    const anonymous = patchProperty({ Anon: class {} }, 'Anon', wrap);
    assert.match(anonymous.ok ? '' : anonymous.reason, /class constructor/);
    function Legacy(): void {}
    Object.defineProperty(Legacy, 'prototype', { writable: false });
    assert.ok(patchProperty({ Legacy }, 'Legacy', wrap).ok);
    assert.ok(patchProperty({ method() {} }, 'method', wrap).ok);
    assert.ok(patchProperty({ bound: Legacy.bind(null) }, 'bound', wrap).ok);
    const once = { fn: () => 1 };
    assert.ok(patchProperty(once, 'fn', wrap).ok);
    assert.deepEqual(patchProperty(once, 'fn', wrap), { ok: false, reason: 'it is already wrapped' });
  });
});
