// One line to trace the unmodified CommonJS tfjs example: `node examples/tfjs/classifier.driver.cjs`
import('stagescope').then(({ TfjsLatency }) => new TfjsLatency({ kernels: true }).run(require.resolve('./classifier.cjs')));
