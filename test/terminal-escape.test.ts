import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeTerminal } from '../src/render/terminal-escape.js';

describe('escapeTerminal: one safe terminal line from a user string', () => {
  it('leaves printable text alone, ASCII or not', () => {
    for (const text of ['', 'InferenceSession.run ch_PP-OCRv4_det_infer.onnx', 'sharp.toBuffer resize(192x48) raw ~!@#$%^&*()', 'µs ├─ 识别 モデル']) {
      assert.equal(escapeTerminal(text), text);
    }
  });

  it('shows control characters, line separators and bidirectional overrides as escapes', () => {
    assert.equal(escapeTerminal('a\nb\rc\td'), 'a\\nb\\rc\\td');
    assert.equal(escapeTerminal('\u001b[31mred'), '\\u001b[31mred');
    assert.equal(escapeTerminal('del\u007f c1\u0085'), 'del\\u007f c1\\u0085');
    assert.equal(escapeTerminal('x\u2028y\u2029z'), 'x\\u2028y\\u2029z');
    assert.equal(escapeTerminal('abc\u202edef\u2066'), 'abc\\u202edef\\u2066');
    assert.equal(escapeTerminal('µ\n'), 'µ\\n', 'a non-ASCII name with a newline is escaped too');
  });
});
