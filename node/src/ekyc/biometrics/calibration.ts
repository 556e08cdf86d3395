/**
 * Threshold calibration from labelled similarity scores: the ROC/threshold table and the rule that
 * turns it into accept/review thresholds. Pure functions; the CLI and the benchmark feed them scores.
 *
 * Rule (why): a few hundred impostor pairs cannot show a 0.1 % false-match rate empirically (one
 * false match out of 250 is already 0.4 %), and 250 pairs of only 5 people underestimate how spread
 * out impostor scores are on other populations. So the accept threshold is the larger of
 *   (a) a parametric estimate with headroom: impostor mean + 3.72 sd, the one-sided 0.01 % point of a
 *       normal fit: aiming 10x below the 0.1 % target is the margin for unseen pairs, and
 *   (b) the highest impostor score seen + a 0.05 margin,
 * rounded up to 0.01. Review starts at impostor mean + 2.33 sd (about 1 % of impostors reach review,
 * where a human looks), rounded up, never above accept. Genuine scores do not move the thresholds;
 * they only give the false-non-match rates reported beside them, so the rule cannot be tuned to the
 * genuine pairs of one small set.
 */
export interface ScoredPair {
  readonly similarity: number;
  readonly genuine: boolean;
}

export interface RocRow {
  readonly threshold: number;
  /** impostor pairs at or above the threshold / impostor pairs */
  readonly fmr: number;
  /** genuine pairs below the threshold / genuine pairs */
  readonly fnmr: number;
}

export interface ScoreSummary {
  readonly count: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

export interface Calibration {
  readonly accept: number;
  readonly review: number;
  readonly genuine: ScoreSummary;
  readonly impostor: ScoreSummary;
  readonly fmrAtAccept: number;
  readonly fnmrAtAccept: number;
  readonly fmrAtReview: number;
  readonly fnmrAtReview: number;
  readonly table: RocRow[];
}

export function summarize(values: readonly number[]): ScoreSummary {
  if (values.length === 0) return { count: 0, mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { count: values.length, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export function rates(pairs: readonly ScoredPair[], threshold: number): { fmr: number; fnmr: number } {
  const gen = pairs.filter((p) => p.genuine),
    imp = pairs.filter((p) => !p.genuine);
  return {
    fmr: imp.length ? imp.filter((p) => p.similarity >= threshold).length / imp.length : NaN,
    fnmr: gen.length ? gen.filter((p) => p.similarity < threshold).length / gen.length : NaN,
  };
}

export function rocTable(pairs: readonly ScoredPair[], from = 0, to = 0.8, step = 0.05): RocRow[] {
  const rows: RocRow[] = [];
  for (let t = from; t <= to + 1e-9; t += step) {
    const threshold = Math.round(t * 1000) / 1000;
    rows.push({ threshold, ...rates(pairs, threshold) });
  }
  return rows;
}

const Z_0_01_PERCENT = 3.72;
const Z_1_PERCENT = 2.33;
const MARGIN_OVER_MAX_IMPOSTOR = 0.05;

export function calibrate(pairs: readonly ScoredPair[]): Calibration {
  const genuine = summarize(pairs.filter((p) => p.genuine).map((p) => p.similarity));
  const impostor = summarize(pairs.filter((p) => !p.genuine).map((p) => p.similarity));
  if (impostor.count < 2) throw new RangeError("calibration needs at least 2 impostor pairs");
  const up = (v: number) => Math.ceil(v * 100 - 1e-9) / 100;
  const accept = up(Math.max(impostor.mean + Z_0_01_PERCENT * impostor.sd, impostor.max + MARGIN_OVER_MAX_IMPOSTOR));
  const review = Math.min(accept, up(impostor.mean + Z_1_PERCENT * impostor.sd));
  const atAccept = rates(pairs, accept),
    atReview = rates(pairs, review);
  return {
    accept,
    review,
    genuine,
    impostor,
    fmrAtAccept: atAccept.fmr,
    fnmrAtAccept: atAccept.fnmr,
    fmrAtReview: atReview.fmr,
    fnmrAtReview: atReview.fnmr,
    table: rocTable(pairs),
  };
}
