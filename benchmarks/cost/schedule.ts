/**
 * Whether an experiment with `repeats` repeats runs in round `round` (0-based)
 * of `rounds`: its runs are spread evenly over the whole benchmark (so a slow
 * period of the machine does not fall on one experiment only); the experiment
 * with the most repeats runs every round.
 */
export function runsInRound(repeats: number, round: number, rounds: number): boolean {
  return Math.floor(((round + 1) * repeats) / rounds) > Math.floor((round * repeats) / rounds);
}
