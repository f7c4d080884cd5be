import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Goal, Verdict } from './goals.js';
import type { Unit } from './figures.js';
import type { RunDocSummary } from './run-doc-summary.js';

export const COST_FORMAT = 'stagescope.bench-cost/1';

/** One figure of the result: the numbers, the goal, the verdict, and the text the docs show. */
export interface FigureResult {
  id: string;
  /** Row of issue 9's table. */
  row: number;
  title: string;
  unit: Unit;
  goal: Goal;
  method: string;
  /** One sample per round the figure could be computed in. */
  samples: number[];
  median: number | null;
  min: number | null;
  max: number | null;
  verdict: Verdict;
  /** Why rounds gave no sample (distinct messages), e.g. a child that failed or a figure stagescope does not report yet. */
  errors: string[];
  /** Medians over rounds of the figure's context numbers (the baseline's own cost, counts). */
  context: Record<string, number>;
  /** Preformatted, so the docs generator only lays out text: `figure` is `median (min–max)` with unit. */
  display: { figure: string; goal: string };
}

export interface ChildRecord {
  round: number;
  wallMs: number;
  result: Record<string, unknown> | null;
  doc: RunDocSummary | null;
  error?: string;
}

/** The saved result of `npm run bench:cost` (benchmarks/results/cost.json); docs are generated from it. */
export interface CostDocument {
  format: typeof COST_FORMAT;
  /** false while the run is in progress (the file is rewritten after every round, so an interrupted run keeps its data). */
  complete: boolean;
  quick: boolean;
  /** Only some experiments ran (`--only`): not a result to publish. */
  partial: boolean;
  startedAt: string;
  finishedAt: string | null;
  wallSeconds: number;
  environment: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; stagescopeCommit: string };
  /** 1-minute load average: at start, after each round, at the end. */
  loadAverage: { start: number[]; end: number[] | null; perRound: number[]; min: number; max: number };
  rounds: number;
  settings: Record<string, unknown>;
  /** Set by `bench:cost --refigure`: the commit whose code computed `figures` again from the saved runs (the runs are `environment.stagescopeCommit`'s). */
  refiguredBy?: string;
  figures: FigureResult[];
  /** Raw data: every child of every experiment and round. */
  experiments: Record<
    string,
    { title: string; repeats: number; variants: Record<string, { command: string[]; env: Record<string, string>; runs: ChildRecord[] }> }
  >;
}

/** Write JSON atomically (temp file in the same folder, then rename): readers never see a half-written file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(temp, `${JSON.stringify(value, null, 1)}\n`);
  renameSync(temp, file);
}
