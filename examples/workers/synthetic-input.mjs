// A deterministic 1x3x48x192 input (stripes that depend on the seed), so the
// pool's output is the same on every run: traced and plain runs can be diffed.
export function syntheticInput(seed) {
  const data = new Float32Array(3 * 48 * 192);
  for (let i = 0; i < data.length; i++) data[i] = ((Math.floor(i / (7 + seed)) + seed) % 2) * 2 - 1;
  return data;
}
