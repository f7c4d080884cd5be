// One line: run pool.mjs, unmodified, under OnnxLatency; the workers' sessions appear under "worker …" in the tree.
import { OnnxLatency } from 'stagescope'; await new OnnxLatency().run(new URL('./pool.mjs', import.meta.url));
