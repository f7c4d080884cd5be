// One line: run parent.mjs, unmodified, under OnnxLatency; each child's session runs appear under "process …".
import { OnnxLatency } from 'stagescope'; await new OnnxLatency().run(new URL('./parent.mjs', import.meta.url));
