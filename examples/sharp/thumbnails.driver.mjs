// One line: run thumbnails.mjs, unmodified, under SharpLatency and print its tree.
import { SharpLatency } from 'stagescope'; await new SharpLatency().run(new URL('./thumbnails.mjs', import.meta.url));
