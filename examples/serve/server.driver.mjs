// server.mjs under stagescope, without editing it: every request gets its own
// stage tree (x-request-id, x-latency headers), the page is at /stagescope.
// STAGESCOPE_TOKEN=<secret> guards the page (required with NODE_ENV=production).
import { OcrLatency, ServeScope } from 'stagescope';
const preset = new OcrLatency(); const token = process.env.STAGESCOPE_TOKEN;
new ServeScope(preset, { page: token ? { token } : true }).instrumentHttpServers();
await preset.run(new URL('./server.mjs', import.meta.url));
