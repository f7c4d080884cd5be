/**
 * A random 32-hex trace id (W3C trace-context / OpenTelemetry format, never all
 * zeros).
 *
 * From `Math.random`, as OpenTelemetry JS's `RandomIdGenerator` does: a trace
 * id must be unique, not secret, and `node:crypto` costs ~4 ms of start-up to
 * load in every traced process (issue "Cost of observation"). Earlier versions
 * pooled `randomFillSync` output because `randomBytes(16)` per request measured
 * ~10 µs under load; this costs well under 1 µs.
 */
const HEX = '0123456789abcdef';

export function pooledTraceId(): string {
  let id = '';
  for (let i = 0; i < 4; i++) {
    // 32 random bits per round, as 8 hex digits (Math.random gives 52 bits)
    let word = (Math.random() * 0x100000000) >>> 0;
    for (let j = 0; j < 8; j++) {
      id += HEX[word & 15];
      word >>>= 4;
    }
  }
  return id === '00000000000000000000000000000000' ? pooledTraceId() : id;
}
