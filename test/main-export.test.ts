import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceDeclaresMain, sourceImportsItself, sourceMayCallMain } from '../src/driver/main-export.js';

describe('main(): called by stagescope only when certain the script does not start it', () => {
  it('any use of main besides its declaration and export means "may call it"', () => {
    const mayCall = [
      'export async function main() {}\nmain();',
      'export async function main() {}\nsetImmediate(main);',
      'export async function main() {}\nPromise.resolve().then(main);',
      'export async function main() {}\nawait main.call(null);',
      'async function main() {}\nif (require.main === module) main();\nmodule.exports = { main };',
      'exports.main = async () => {};\nexports.main();',
      'export const main = async () => {};\nqueueMicrotask(() => void main());',
      'export async function main() {}\nconst start = `${main()}`;',
      // reaching main without writing its name
      "exports.main = async function main() {};\nconst go = exports['ma' + 'in'];\ngo();",
      'exports.main = async () => {};\nObject.values(module.exports).forEach((f) => f());',
      "async function main() {}\nexports.main = main;\nthis['ma' + 'in']();",
      "export async function main() {}\nconst self = await import(import.meta.url);\nself['ma' + 'in']();",
      "exports.main = async () => {};\nrequire.cache[__filename].exports['ma' + 'in']();",
      "export async function main() {}\neval('ma' + 'in()');",
      'exports.main = async () => {};\nconst name = process.argv[2];\nrequire(name);',
      "exports.main = async () => {};\narguments[0]['ma' + 'in']();",
      "exports.main = async () => {};\nprocess.mainModule.exports['ma' + 'in']();",
    ];
    for (const source of mayCall) assert.equal(sourceMayCallMain(source), true, source);
  });

  it('declaration and export only (comments and strings aside) means "certainly not"', () => {
    const certain = [
      'export async function main(args) { console.log(args); }',
      'async function main() {}\nexport { main };',
      'const main = async () => {};\nexport { main as main };',
      'async function main() {}\nexports.main = main;',
      'module.exports.main = async function main() {};',
      'export default async function main() {}',
      '// call main() yourself\nexport async function main() { console.log("main() ran"); }',
    ];
    for (const source of certain) assert.equal(sourceMayCallMain(source), false, source);
  });

  it('a script that requires or imports itself by a relative path may call it', () => {
    const script = '/app/run.cjs';
    assert.equal(sourceImportsItself("exports.main = () => {};\nrequire('./run.cjs')['ma' + 'in']();", script), true);
    assert.equal(sourceImportsItself("exports.main = () => {};\nrequire('./run')['ma' + 'in']();", script), true);
    assert.equal(sourceImportsItself("import * as self from '../app/run.cjs';", script), true);
    assert.equal(sourceImportsItself("const lib = require('./lib.cjs');\nimport('onnxruntime-node');", script), false);
  });

  it('knows when there is no main to call', () => {
    assert.equal(sourceDeclaresMain('console.log("no main here") // main()'), false);
    assert.equal(sourceDeclaresMain('export function main() {}'), true);
    assert.equal(sourceDeclaresMain('exports.main = () => {};'), true);
  });
});
