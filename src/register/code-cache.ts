/**
 * V8's code cache for stagescope's one-script runtime (issue "Cost of
 * observation", start-up). Compiling the runtime (440 KiB then; 331 KiB now
 * that the bundler drops whitespace) took about 7 ms of every traced
 * process's start-up on Node 24, and compiling the functions
 * start-up runs about 3 ms more; from a code cache made by an earlier run of
 * the same Node, both are a deserialisation of about 2 ms.
 *
 * The cache is stagescope's own (the app's modules are never cached: that would
 * change the start-up being measured) and lives in a directory of the current
 * user only: `STAGESCOPE_CODE_CACHE` names it, `off` turns the cache off, and
 * the default is `$TMPDIR/stagescope-code-cache-<uid>`. A directory or file
 * another user could have written is never read (code cache is code).
 * V8 itself rejects a cache made by another Node or with other V8 flags; the
 * script is then compiled from source and the cache written again (each set of
 * command-line flags has a file of its own: `nodeFlagsKey`).
 * Nothing here ever prints or throws into the app: a cache that cannot be
 * read or written only costs the compile.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Script } from 'node:vm';

/** Environment variable: the code cache's directory, or `off`. */
export const CODE_CACHE_ENV = 'STAGESCOPE_CODE_CACHE';

/** How the runtime was compiled, for the run document. */
export type CodeCacheStatus = 'hit' | 'miss' | 'rejected' | 'off';

export interface CompiledScript {
  script: Script;
  status: CodeCacheStatus;
  /**
   * Writes the cache (atomically, once per process): always after a miss; after
   * a hit only once, when the cache was made by a run that made no wrapped calls
   * and this one did (`coverage`, the parts of the runtime this run used:
   * core/process-marks.ts, `noteCodeCoverage`, has `calls`). A cache made by
   * `node --import … -e 0` holds none of the call path or the library hooks;
   * the first pipeline run adds them. It grows no further: V8 deserialises the
   * whole cache at every start-up, and one that had taken in every preset's
   * hooks (557 KiB after the test suite, against 260 KiB) cost ~1.5 ms more
   * there. Call when the functions worth caching have run. Returns whether it
   * wrote.
   */
  save(coverage: Iterable<string>): boolean;
}

/**
 * A cache file: this line, the parts of the runtime the runs that wrote it used
 * (comma-separated, one line, padded with spaces to a multiple of 16 bytes),
 * then V8's data. V8 checks its data itself.
 */
const CACHE_HEADER = 'stagescope-code-cache 1\n';

function parseCache(bytes: Buffer): { data: Buffer; coverage: ReadonlySet<string> } | undefined {
  if (bytes.length <= CACHE_HEADER.length || bytes.toString('latin1', 0, CACHE_HEADER.length) !== CACHE_HEADER) return undefined;
  const end = bytes.indexOf(10, CACHE_HEADER.length);
  if (end < 0) return undefined;
  const line = bytes.toString('latin1', CACHE_HEADER.length, end).trimEnd();
  return { data: bytes.subarray(end + 1), coverage: new Set(line === '' ? [] : line.split(',')) };
}

/** The cache directory for this process, or undefined when the cache is off (or there is no way to own one). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env[CODE_CACHE_ENV];
  if (configured === 'off') return undefined;
  if (configured !== undefined && configured !== '') return path.resolve(configured);
  if (typeof process.getuid !== 'function') return undefined; // Windows: no owner check, no cache
  const tmp = env.TMPDIR !== undefined && env.TMPDIR !== '' ? env.TMPDIR : '/tmp';
  return path.join(tmp, `stagescope-code-cache-${process.getuid()}`);
}

/** A preset name as a code cache key: the name when it is a plain word, else `custom` (the runtime checks the name itself). */
export function cacheKeyOf(preset: string | undefined): string {
  if (preset === undefined || preset === '' || preset.length > 40) return 'custom';
  for (let index = 0; index < preset.length; index += 1) {
    const code = preset.charCodeAt(index);
    const word = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45;
    if (!word) return 'custom';
  }
  return preset;
}

/**
 * Options that take a value and never change V8's flags: module preloads, the
 * code of `-e` / `-p`, conditions, env files. The option and its value are left
 * out of `nodeFlagsKey`.
 */
const NOT_V8_WITH_VALUE = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--eval',
  '-e',
  '--print',
  '-p',
  '--input-type',
  '--conditions',
  '-C',
  '--env-file',
  '--env-file-if-exists',
  '--title',
]);

/**
 * The process's command-line flags as a code cache key: '' without any, else a
 * short hash. V8 rejects a cache made under other V8 flags (`--expose-gc`,
 * `--stack-size`, `--no-opt`, …), and the rejecting run writes its own: a
 * user who alternated `node --expose-gc` and plain runs made every run after a
 * switch compile the runtime from source. With the flags in the file name each
 * set has its own cache. Flags that do not matter to V8 (`--enable-source-maps`)
 * only make a second file; module preloads and `-e` code are left out, so the
 * CLI's child and a `--import` run with the same flags still share one.
 */
export function nodeFlagsKey(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): string {
  const tokens = nodeOptions === undefined || nodeOptions === '' ? execArgv : [...execArgv, ...nodeOptions.split(/\s+/)];
  const kept: string[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    const equals = token.indexOf('=');
    if (NOT_V8_WITH_VALUE.has(equals < 0 ? token : token.slice(0, equals))) {
      if (equals < 0) index += 1; // its value is the next token
      continue;
    }
    if (token.startsWith('-')) kept.push(token);
  }
  if (kept.length === 0) return '';
  // FNV-1a, 32 bits: a name, not a secret (no crypto to load at start-up).
  let hash = 0x811c9dc5;
  for (const char of kept.sort().join(' ')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Only this user may have written it: owned by us and not writable by group or others. */
export function ownedPrivately(stats: Stats): boolean {
  return typeof process.getuid === 'function' && stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
}

/**
 * Start-up reads two files, each only until it is handed to V8: the runtime's
 * source (copied into a string) and its code cache (deserialised by
 * `new vm.Script`). Both are read into one buffer, one after the other. Memory
 * a process has not touched yet costs a page fault per 4 KiB at its first
 * write, 12–20 µs each on a 2-core VM here: reading the 340 KiB cache into a
 * buffer of its own, as `readFileSync` does, was 1.1–1.3 ms of every traced
 * start-up (Node 22, 84 fresh pages), more than V8 takes to check the cache.
 * The first read reserves twice its file's size, so a cache larger than the
 * source still fits: pages never written cost nothing.
 */
export class StartupReads {
  #buffer: Buffer = Buffer.alloc(0);

  /**
   * The open file `fd` from its current position to its end (`sizeBytes`, its
   * size when stat'ed, only sizes the buffer), as a view of the shared buffer:
   * valid until the next read.
   */
  read(fd: number, sizeBytes: number): Buffer {
    if (this.#buffer.length <= sizeBytes) this.#buffer = Buffer.allocUnsafeSlow(2 * sizeBytes + 1);
    let length = 0;
    for (;;) {
      if (length === this.#buffer.length) {
        // The file grew since it was stat'ed: keep what was read, read on.
        const larger = Buffer.allocUnsafeSlow(2 * this.#buffer.length);
        this.#buffer.copy(larger, 0, 0, length);
        this.#buffer = larger;
      }
      const bytesRead = readSync(fd, this.#buffer, length, this.#buffer.length - length, null);
      if (bytesRead === 0) return this.#buffer.subarray(0, length);
      length += bytesRead;
    }
  }

  /** A file's whole text, read as one-byte characters (the runtime script is ASCII: no UTF-8 decoding). */
  readLatin1(file: string): string {
    const fd = openSync(file, 'r');
    try {
      const bytes = this.read(fd, fstatSync(fd).size);
      return bytes.toString('latin1');
    } finally {
      closeSync(fd);
    }
  }
}

function readCache(file: string, reads: StartupReads): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!ownedPrivately(statSync(path.dirname(file)))) return undefined;
    fd = openSync(file, 'r');
    // Checked on the open file, not the path: what is read is what was checked.
    const stats = fstatSync(fd);
    if (!ownedPrivately(stats)) return undefined;
    return reads.read(fd, stats.size);
  } catch {
    return undefined; // ENOENT on the first run; anything else: compile from source
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeCache(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  // pid and the clock: worker threads of one process may save at the same time
  // (not Math.random: the app's generator is not ours to draw from).
  const temporary = `${file}.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedPrivately(statSync(dir))) return;
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file); // atomic: a concurrent reader sees the old cache or the new one
    pruneStale(dir, path.basename(file));
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
  }
}

/** Caches of other stagescope versions or Nodes not written for a week (one file each, ~260 KiB). */
const STALE_AFTER_MS = 7 * 24 * 3600 * 1000;

/**
 * Removes stale caches next to a new one. Another stagescope install still in
 * use on the machine loses its cache at worst once a week and writes it again.
 */
function pruneStale(dir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === keep || !/^runtime-.*\.(?:bin|tmp)$/.test(name)) continue;
    try {
      if (now - statSync(path.join(dir, name)).mtimeMs > STALE_AFTER_MS) unlinkSync(path.join(dir, name));
    } catch {
      // removed by another process meanwhile
    }
  }
}

/**
 * Compiles the script `filename` (ASCII; its name in stacks too) with the code
 * cache `<dir>/<cacheName>`. `cacheName` must change whenever the source does
 * (the bundler puts a hash of the source in it); V8 checks the rest.
 */
export function compileWithCodeCache(vm: typeof import('node:vm'), filename: string, dir: string | undefined, cacheName: string): CompiledScript {
  const file = dir === undefined ? undefined : path.join(dir, cacheName);
  const reads = new StartupReads();
  const source = reads.readLatin1(filename);
  // The cache's bytes are a view of the buffer the source was read into: used by `new vm.Script` only.
  const bytes = file === undefined ? undefined : readCache(file, reads);
  const cached = bytes === undefined ? undefined : parseCache(bytes);
  const script = new vm.Script(source, cached === undefined ? { filename } : { filename, cachedData: cached.data });
  const status: CodeCacheStatus =
    file === undefined ? 'off' : bytes === undefined ? 'miss' : cached === undefined || script.cachedDataRejected === true ? 'rejected' : 'hit';
  const covered = status === 'hit' ? cached!.coverage : new Set<string>();
  let saved = status === 'off';
  return {
    script,
    status,
    save(coverage) {
      if (saved || file === undefined) return false;
      const union = new Set(covered);
      // (A part holds neither separator: they are stagescope's own names.)
      for (const part of coverage) if (!part.includes(',') && !part.includes('\n')) union.add(part);
      if (status === 'hit' && (covered.has('calls') || !union.has('calls'))) return false;
      saved = true;
      try {
        // Padded so that V8's data starts 16-byte aligned in the buffer read back:
        // V8 copies cache data that is not aligned (0.3 ms of every start-up here).
        const text = `${CACHE_HEADER}${[...union].sort().join(',')}`;
        const header = Buffer.from(`${text.padEnd(Math.ceil((text.length + 1) / 16) * 16 - 1)}\n`, 'latin1');
        writeCache(file, Buffer.concat([header, script.createCachedData()]));
        return true;
      } catch {
        // createCachedData failing costs the next run its compile, nothing else
        return false;
      }
    },
  };
}
