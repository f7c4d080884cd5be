/**
 * The running TensorFlow.js engine, reached without importing tfjs: tfjs-core
 * keeps ONE engine per process in `globalThis._tfengine` (shared by every copy of
 * tfjs-core, the umbrella package, tfjs-node and libraries that bundle their
 * own). Reading it never initializes a backend: only plain fields are read
 * (`backendName`, `state`), never the `backend` getter, which would.
 */

/** One kernel as tfjs's profiler records it (tfjs-core `KernelInfo`). */
export interface TfKernelRecord {
  name: string;
  bytesAdded?: number;
  totalBytesSnapshot?: number;
  tensorsAdded?: number;
  inputShapes?: unknown[];
  outputShapes?: unknown[];
  /** A number, `{ error }`, or a promise of either while the profile is open. */
  kernelTimeMs?: unknown;
  extraInfo?: unknown;
}

export interface TfEngine {
  backendName?: unknown;
  state?: { profiling?: boolean; kernelDepth?: number; activeProfile?: { kernels?: TfKernelRecord[] } };
  profile?: (query: () => unknown) => Promise<{ kernels?: TfKernelRecord[] } | undefined>;
}

/** The process's tfjs engine, or undefined before tfjs-core has loaded. */
export function tfEngine(): TfEngine | undefined {
  const engine = (globalThis as { _tfengine?: unknown })._tfengine;
  return typeof engine === 'object' && engine !== null ? (engine as TfEngine) : undefined;
}

/** `tf.getBackend()` without calling it: 'tensorflow' (tfjs-node), 'wasm', 'cpu', 'webgl'; undefined before one is set. */
export function tfBackendName(): string | undefined {
  const name = tfEngine()?.backendName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * Backends that queue kernels and run them when a value is needed. On these a
 * readback (`data`, `dataSync`) waits for every pending kernel; on the eager
 * ones (cpu, wasm, tensorflow) kernels already ran when the op returned.
 */
const LAZY_BACKENDS = new Set(['webgl', 'webgpu']);

/** True for backends whose readbacks run the queued kernels (see LAZY_BACKENDS). */
export function isLazyBackend(name: string | undefined): boolean {
  return name !== undefined && LAZY_BACKENDS.has(name);
}

/** `float32[1x224x224x3]` for a tensor-like value, undefined otherwise. */
export function describeTensor(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const shape = (value as { shape?: unknown }).shape;
  if (!Array.isArray(shape)) return undefined;
  const dtype = (value as { dtype?: unknown }).dtype;
  return `${typeof dtype === 'string' ? dtype : ''}[${shape.join('x')}]`;
}

/** Tensors in a model's inputs or outputs: one tensor, a list, or a name → tensor map. */
export function describeTensors(value: unknown, limit = 4): string | undefined {
  const one = describeTensor(value);
  if (one !== undefined) return one;
  if (value === null || typeof value !== 'object') return undefined;
  const parts: string[] = [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value as Record<string, unknown>);
  for (const [name, item] of entries) {
    const described = describeTensor(item);
    if (described === undefined) continue;
    if (parts.length === limit) {
      parts.push(`…+${entries.length - limit}`);
      break;
    }
    parts.push(Array.isArray(value) ? described : `${name}:${described}`);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}
