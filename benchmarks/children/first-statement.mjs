// Row 8's start-up check: how long after the process started this script's
// first statement runs (`process.uptime()`: Node's own monotonic clock from
// its start), plain, under `--import stagescope/register/ocr` and under
// `stagescope run`. The traced minus the plain figure is the start-up the
// script waited for, which the root line's `startup` should show. (The report
// module is imported before this statement in every variant alike.)
import { report } from './report.mjs';

const firstStatementMs = process.uptime() * 1000;
report({ firstStatementMs });
