import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Preset } from '../src/presets/preset.js';
import { fixture, readRun, tempDir } from './helpers.js';

describe('RunReporter: the end of a run', () => {
  it('a text tree that cannot be drawn costs neither the run document nor the run (finish does not throw)', () => {
    const json = path.join(tempDir('stagescope-reporter-'), 'run.json');
    let printed = '';
    const preset = new Preset('test', [], { json, targets: [], output: { write: (text: string) => (printed += text) } });
    preset.start(['broken-tree.mjs'], fixture('scripts'));
    preset.decorateTree({
      annotate: () => {
        throw new Error('annotator broke');
      },
    });
    const doc = preset.finish(0);
    assert.match(printed, /stagescope: error: could not draw the text tree: annotator broke\n/);
    assert.match(printed, /stagescope: run document written to /, 'the document is still written');
    assert.equal(readRun(json).spans[0]?.name, doc.spans[0]?.name);
  });
});
