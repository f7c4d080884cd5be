// One line to trace the unmodified face-api pipeline: `node examples/tfjs/face.driver.mjs`
import { TfjsLatency } from 'stagescope';

await new TfjsLatency().run(new URL('./face.mjs', import.meta.url), process.argv.slice(2));
