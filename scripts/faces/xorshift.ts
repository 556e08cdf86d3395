/**
 * A small deterministic generator (xorshift32) in [0, 1): synthetic frames and attacks are
 * reproducible from their seed on every machine. `mix` is added to the scrambled seed; each caller
 * keeps the value its sequences were measured with, so the sets stay the same.
 */
export function xorshift32(seed: number, mix: number): () => number {
  let s = (seed * 2654435761 + mix) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
