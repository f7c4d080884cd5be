// One line: run classifier.mjs, unmodified, under OnnxLatency with op-level drill-down and print its tree.
import { OnnxLatency } from 'stagescope'; await new OnnxLatency({ ops: true }).run(new URL('./classifier.mjs', import.meta.url));
