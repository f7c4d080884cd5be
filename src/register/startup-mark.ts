/**
 * When stagescope's start-up began, in `performance.now()` milliseconds: the end
 * of Node's own bootstrap (`performance.nodeTiming.bootstrapComplete`), after
 * which Node prepares the ES module loader for `--import` and reads and
 * compiles the register bundle before any of its code runs. Measured from the
 * bundle's first statement instead, the root line's `startup` missed that part
 * (0.4× of the start-up a bare `node -e 0` comparison measures). Falls back to
 * now when the milestone is missing or not before now.
 */
export function startupMarkMs(): number {
  const now = performance.now();
  const bootstrapComplete = (performance as { nodeTiming?: { bootstrapComplete?: number } }).nodeTiming?.bootstrapComplete;
  return typeof bootstrapComplete === 'number' && bootstrapComplete > 0 && bootstrapComplete <= now ? bootstrapComplete : now;
}
