/**
 * String and name similarity, implemented here (no dependency): Jaro-Winkler per token, and a
 * token-set score per name that ignores order (lists print "NGUYEN Van Minh", "Minh Van NGUYEN" or
 * "NGUYEN, Van Minh") and tolerates a missing middle name.
 */

const SCRATCH_LENGTH = 64;
const SCRATCH_A = new Uint8Array(SCRATCH_LENGTH);
const SCRATCH_B = new Uint8Array(SCRATCH_LENGTH);

/** Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  // Scratch flags reused across calls (screening is synchronous): this runs thousands of times per
  // screening, and allocation dominated it.
  const matchedA = la <= SCRATCH_LENGTH ? SCRATCH_A.fill(0, 0, la) : new Uint8Array(la);
  const matchedB = lb <= SCRATCH_LENGTH ? SCRATCH_B.fill(0, 0, lb) : new Uint8Array(lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (matchedB[j] === 0 && a.charCodeAt(i) === b.charCodeAt(j)) {
        matchedA[i] = 1;
        matchedB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (matchedA[i] === 0) continue;
    while (matchedB[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) transpositions++;
    j++;
  }
  const jaro = (matches / la + matches / lb + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * Similarity of two name tokens: Jaro-Winkler, discounted where it flatters names.
 * - Jaro-Winkler rates a token that is a subsequence of a longer one highly (Tung/Truong 0.90),
 *   yet those are different names: the score is scaled by the length ratio (weight 0.4).
 * - Short tokens are where Vietnamese given names live ("An", "Anh", "Hà", "Hải"): An/Anh would
 *   still score 0.82, so unequal tokens of three letters or fewer are discounted further.
 */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const ratio = Math.min(a.length, b.length) / Math.max(a.length, b.length);
  // Below half the length, the ratio factor alone keeps the score under MIN_TOKEN_SIMILARITY.
  if (ratio < 0.5) return 0;
  const jw = jaroWinkler(a, b);
  const scaled = jw * (0.6 + 0.4 * ratio);
  return a.length <= 3 || b.length <= 3 ? scaled * 0.8 : scaled;
}

/** Token pairs below this similarity count as unmatched. */
export const MIN_TOKEN_SIMILARITY = 0.8;

/**
 * Order-free similarity of two token lists in [0, 1]. Tokens of the shorter list are paired with
 * distinct tokens of the longer (greedy on the best pairs); the score is the mean similarity of
 * the shorter list's tokens, lightly discounted by the longer list's unpaired tokens (a middle
 * name present on one side only costs a little, not a miss). One token never matches a
 * multi-token name: a family name alone ("Nguyen") is not an identity.
 */
export function nameSimilarity(query: readonly string[], candidate: readonly string[]): number {
  const [short, long] = query.length <= candidate.length ? [query, candidate] : [candidate, query];
  if (short.length === 0) return 0;
  if (short.length < Math.min(2, long.length)) return 0;
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < short.length; i++) {
    for (let j = 0; j < long.length; j++) {
      const s = tokenSimilarity(short[i] as string, long[j] as string);
      if (s >= MIN_TOKEN_SIMILARITY) pairs.push([s, i, j]);
    }
  }
  pairs.sort((x, y) => y[0] - x[0]);
  const usedShort = new Uint8Array(short.length);
  const usedLong = new Uint8Array(long.length);
  let sum = 0;
  let paired = 0;
  for (const [s, i, j] of pairs) {
    if (usedShort[i] === 1 || usedLong[j] === 1) continue;
    usedShort[i] = 1;
    usedLong[j] = 1;
    sum += s;
    paired++;
  }
  if (paired < Math.min(2, long.length)) return 0;
  const mean = sum / short.length;
  const coverage = short.length / long.length;
  return mean * (0.94 + 0.06 * coverage);
}
