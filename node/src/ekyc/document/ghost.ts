/**
 * Portrait vs ghost image: the chip CCCD carries a small, faint laser-engraved copy of the
 * holder's portrait (the ghost); a forger who pastes a new main portrait leaves the ghost of the
 * holder the card was issued to. Compares the two on a card rectified on its QR and raises
 * PORTRAIT_GHOST_MISMATCH when they do not show the same picture (README: how, and measured
 * separation).
 */
import { FRONT_GHOST, FRONT_PORTRAIT, type Box } from "./layout.ts";
import { sampleGray, type GrayImage } from "./ocr/gray.ts";
import type { Signal } from "./types.ts";

/** Grey level at continuous card coordinates (pixel k's centre is at k + 0.5), clamped to the image. */
function bilinear(img: GrayImage, x: number, y: number): number {
  return sampleGray(img, Math.min(Math.max(x - 0.5, 0), img.width - 1), Math.min(Math.max(y - 0.5, 0), img.height - 1));
}

/** Removes the least-squares plane a + b·x + c·y (uneven light, glare gradients) in place. */
function removePlane(values: Float64Array, width: number, height: number): Float64Array {
  // Centred coordinates make the three normal equations independent.
  const mx = (width - 1) / 2,
    my = (height - 1) / 2;
  let sum = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    syy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x] as number,
        dx = x - mx,
        dy = y - my;
      sum += v;
      sx += v * dx;
      sy += v * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  const a = sum / values.length,
    b = sxx > 0 ? sx / sxx : 0,
    c = syy > 0 ? sy / syy : 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      values[y * width + x] = (values[y * width + x] as number) - a - b * (x - mx) - c * (y - my);
  return values;
}

/** Standard deviation of zero-mean values. */
const spread = (values: Float64Array): number =>
  Math.sqrt(values.reduce((s, v) => s + v * v, 0) / Math.max(1, values.length));

/**
 * Normalised cross-correlation of two equally long samples, in [-1, 1]: 1 for the same picture up
 * to brightness and contrast. A constant sample carries no picture, so it correlates 0 (not NaN).
 */
export function normalisedCrossCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma,
      db = (b[i] as number) - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  const denominator = Math.sqrt(aa * bb);
  return denominator < 1e-9 ? 0 : Math.max(-1, Math.min(1, ab / denominator));
}

/**
 * Where the main portrait lies relative to the ghost, in card px: ghost-local point (u, v) ↔
 * portrait point (FRONT_PORTRAIT.x + tx + a·u + b·v, FRONT_PORTRAIT.y + ty + c·u + d·v).
 * Nominally a = d = portrait/ghost size ratio, b = c = tx = ty = 0; the QR-anchored affine is
 * exact near the QR (the ghost) but mild perspective leaves the far-away portrait a few px off,
 * slightly scaled and sheared, so the map is fitted per card.
 */
type PortraitMap = [tx: number, ty: number, a: number, b: number, c: number, d: number];

/** Ghost pixels inside this margin are compared (the edges may pick up card background when off). */
const GHOST_INSET = 4;

interface Patch {
  values: Float64Array;
  width: number;
  height: number;
}

/** The compared part of the ghost region, raw grey levels. */
function ghostPatch(card: GrayImage): Patch {
  const width = FRONT_GHOST.width - 2 * GHOST_INSET,
    height = FRONT_GHOST.height - 2 * GHOST_INSET;
  const values = new Float64Array(width * height);
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++)
      values[v * width + u] = bilinear(
        card,
        FRONT_GHOST.x + GHOST_INSET + u + 0.5,
        FRONT_GHOST.y + GHOST_INSET + v + 0.5,
      );
  return { values, width, height };
}

/**
 * The portrait under `map`, one value per patch pixel covering `step` × `step` ghost pixels: the
 * mean of n × n samples over the pixel's footprint (the portrait is ~3× the ghost's size).
 */
function portraitPatch(
  card: GrayImage,
  map: PortraitMap,
  width: number,
  height: number,
  n: number,
  step = 1,
): Float64Array {
  const [tx, ty, a, b, c, d] = map;
  const values = new Float64Array(width * height);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const gu = GHOST_INSET + step * (u + (i + 0.5) / n),
            gv = GHOST_INSET + step * (v + (j + 0.5) / n);
          sum += bilinear(card, FRONT_PORTRAIT.x + tx + a * gu + b * gv, FRONT_PORTRAIT.y + ty + c * gu + d * gv);
        }
      }
      values[v * width + u] = sum / (n * n);
    }
  }
  return values;
}

/** Means of 2 × 2 blocks: the half-resolution patch the coarse alignment grid works on. */
function halve(patch: Patch): Patch {
  const width = Math.floor(patch.width / 2),
    height = Math.floor(patch.height / 2);
  const values = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * patch.width + 2 * x;
      values[y * width + x] =
        ((patch.values[i] as number) +
          (patch.values[i + 1] as number) +
          (patch.values[i + patch.width] as number) +
          (patch.values[i + patch.width + 1] as number)) /
        4;
    }
  }
  return { values, width, height };
}

/** Mean over a (2r+1)² window, shrunk at the edges (summed-area table). */
function boxMean(values: Float64Array, width: number, height: number, r: number): Float64Array {
  const stride = width + 1;
  const sat = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      sat[(y + 1) * stride + x + 1] =
        (values[y * width + x] as number) +
        (sat[y * stride + x + 1] as number) +
        (sat[(y + 1) * stride + x] as number) -
        (sat[y * stride + x] as number);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r),
        x1 = Math.min(width, x + r + 1),
        y0 = Math.max(0, y - r),
        y1 = Math.min(height, y + r + 1);
      const sum =
        (sat[y1 * stride + x1] as number) -
        (sat[y0 * stride + x1] as number) -
        (sat[y1 * stride + x0] as number) +
        (sat[y0 * stride + x0] as number);
      out[y * width + x] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

/**
 * Band-pass: a 3 × 3 mean (suppresses pixel noise, JPEG blocks, guilloche hairlines on the faint
 * ghost) minus a 9 × 9 mean (drops face layout, hair/background masses and glare). What is left is
 * eyes, brows, nose, mouth, glasses: what tells two people apart; the low frequencies of two
 * centred portraits correlate whoever they show.
 */
function bandPass(patch: Patch): Float64Array {
  const fine = boxMean(patch.values, patch.width, patch.height, 1);
  const coarse = boxMean(patch.values, patch.width, patch.height, 4);
  return fine.map((v, i) => v - (coarse[i] as number));
}

export interface GhostComparison {
  /** Band-pass correlation of the ghost region and the main portrait at the fitted alignment, in [-1, 1]. */
  similarity: number;
  /** Grey-level spread of the ghost region after removing uneven light (≈ 0: nothing engraved there). */
  ghostContrast: number;
  /** Mean grey level of the ghost region (near 255: washed out by glare). */
  ghostBrightness: number;
  /** The fitted portrait offset in card px (tx, ty). */
  offset: [number, number];
}

/** How far (card px) the portrait may be off its nominal place relative to the ghost. */
const PORTRAIT_MAX_OFFSET = 48;
/** How far scale and shear of the portrait may be from nominal (fraction). */
const PORTRAIT_MAX_DISTORTION = 0.08;

/**
 * The parts of the card frame `compareGhost` reads, so that the caller warps only these (the portrait
 * search's reach, read-document.ts): the ghost's box, and every point the portrait's map can reach
 * within the search's bounds (`within`: offset ≤ PORTRAIT_MAX_OFFSET + 4, scale and shear within
 * PORTRAIT_MAX_DISTORTION), each widened by the bilinear sample's neighbour pixel and a margin.
 */
export function ghostReadRegions(): Box[] {
  const margin = 2;
  const ratioX = FRONT_PORTRAIT.width / FRONT_GHOST.width,
    ratioY = FRONT_PORTRAIT.height / FRONT_GHOST.height;
  const offset = PORTRAIT_MAX_OFFSET + 4;
  // Ghost-local coordinates sampled: the compared patch, inside the inset.
  const [guMin, guMax] = [GHOST_INSET, FRONT_GHOST.width - GHOST_INSET],
    [gvMin, gvMax] = [GHOST_INSET, FRONT_GHOST.height - GHOST_INSET];
  const [aMin, aMax] = [ratioX * (1 - PORTRAIT_MAX_DISTORTION), ratioX * (1 + PORTRAIT_MAX_DISTORTION)],
    [dMin, dMax] = [ratioY * (1 - PORTRAIT_MAX_DISTORTION), ratioY * (1 + PORTRAIT_MAX_DISTORTION)];
  const shearX = ratioY * PORTRAIT_MAX_DISTORTION * gvMax,
    shearY = ratioX * PORTRAIT_MAX_DISTORTION * guMax;
  const x0 = FRONT_PORTRAIT.x - offset + Math.min(aMin * guMin, aMax * guMin) - shearX - margin,
    x1 = FRONT_PORTRAIT.x + offset + aMax * guMax + shearX + 1 + margin,
    y0 = FRONT_PORTRAIT.y - offset + Math.min(dMin * gvMin, dMax * gvMin) - shearY - margin,
    y1 = FRONT_PORTRAIT.y + offset + dMax * gvMax + shearY + 1 + margin;
  return [
    {
      x: FRONT_GHOST.x - margin,
      y: FRONT_GHOST.y - margin,
      width: FRONT_GHOST.width + 2 * margin,
      height: FRONT_GHOST.height + 2 * margin,
    },
    {
      x: Math.floor(x0),
      y: Math.floor(y0),
      width: Math.ceil(x1) - Math.floor(x0),
      height: Math.ceil(y1) - Math.floor(y0),
    },
  ];
}

/**
 * Compares the ghost image with the main portrait on a rectified card. The QR-anchored affine is
 * exact near the QR (the ghost) but mild perspective leaves the far-away portrait some px off,
 * slightly scaled and sheared, so the portrait's place is fitted first: a grid over the offset
 * (quarter resolution in 8 px steps, then half resolution in 4 px steps around the best), then a
 * pattern search over offset, scale and shear at full resolution, maximising the correlation of
 * the two patches freed of uneven light (a smooth objective with a wide basin). The similarity is
 * then the band-pass correlation at that fit (see bandPass). Brightness and contrast do not
 * matter (the ghost is faint). Bounded work: 169 + 25 grid evaluations of 16 × 22 and 32 × 44 px,
 * at most a few hundred of 64 × 88 px with one sample per pixel (≈ 30 ms; the finer 625-point
 * grid and 2 × 2 samples it replaced cost ≈ 110 ms for similarities within 0.01 on 40 cards).
 */
export function compareGhost(card: GrayImage): GhostComparison {
  const ghost = ghostPatch(card);
  const { width, height } = ghost;
  const ghostFlat = removePlane(Float64Array.from(ghost.values), width, height);
  const ratioX = FRONT_PORTRAIT.width / FRONT_GHOST.width,
    ratioY = FRONT_PORTRAIT.height / FRONT_GHOST.height;
  const fit = (map: PortraitMap): number =>
    normalisedCrossCorrelation(ghostFlat, removePlane(portraitPatch(card, map, width, height, 1), width, height));
  // Offset grid, coarse to fine: quarter resolution in 8 px steps over the whole range, then
  // half resolution in 4 px steps around the best (≈ 350 and 1,400 px per evaluation).
  const half = halve(ghost),
    quarter = halve(half);
  const gridSearch = (
    patch: Patch,
    step: number,
    from: [number, number],
    radius: number,
    spacing: number,
  ): PortraitMap => {
    const flat = removePlane(patch.values, patch.width, patch.height);
    let found: PortraitMap = [from[0], from[1], ratioX, 0, 0, ratioY];
    let foundScore = -Infinity;
    for (let ty = from[1] - radius; ty <= from[1] + radius; ty += spacing) {
      for (let tx = from[0] - radius; tx <= from[0] + radius; tx += spacing) {
        if (Math.abs(tx) > PORTRAIT_MAX_OFFSET || Math.abs(ty) > PORTRAIT_MAX_OFFSET) continue;
        const map: PortraitMap = [tx, ty, ratioX, 0, 0, ratioY];
        const s = normalisedCrossCorrelation(
          flat,
          removePlane(portraitPatch(card, map, patch.width, patch.height, 2, step), patch.width, patch.height),
        );
        if (s > foundScore) {
          foundScore = s;
          found = map;
        }
      }
    }
    return found;
  };
  const rough = gridSearch(quarter, 4, [0, 0], PORTRAIT_MAX_OFFSET, 8);
  let best = gridSearch(half, 2, [rough[0], rough[1]], 8, 4);
  let bestScore = fit(best);
  const within = (m: PortraitMap): boolean =>
    Math.abs(m[0]) <= PORTRAIT_MAX_OFFSET + 4 &&
    Math.abs(m[1]) <= PORTRAIT_MAX_OFFSET + 4 &&
    Math.abs(m[2] / ratioX - 1) <= PORTRAIT_MAX_DISTORTION &&
    Math.abs(m[5] / ratioY - 1) <= PORTRAIT_MAX_DISTORTION &&
    Math.abs(m[3] / ratioY) <= PORTRAIT_MAX_DISTORTION &&
    Math.abs(m[4] / ratioX) <= PORTRAIT_MAX_DISTORTION;
  // Pattern search: offset steps in card px, scale and shear steps as a fraction of the ratio.
  const steps = [2, 2, 0.03 * ratioX, 0.03 * ratioY, 0.03 * ratioX, 0.03 * ratioY];
  for (let round = 0; round < 4; round++) {
    let improved = true;
    for (let pass = 0; improved && pass < 6; pass++) {
      improved = false;
      for (let k = 0; k < 6; k++) {
        for (const sign of [1, -1]) {
          const map = [...best] as PortraitMap;
          map[k] = (map[k] as number) + sign * (steps[k] as number);
          if (!within(map)) continue;
          const s = fit(map);
          if (s > bestScore) {
            bestScore = s;
            best = map;
            improved = true;
          }
        }
      }
    }
    for (let k = 0; k < 6; k++) steps[k] = (steps[k] as number) / 2;
  }
  const portrait: Patch = { values: portraitPatch(card, best, width, height, 3), width, height };
  const brightness = ghost.values.reduce((sum, v) => sum + v, 0) / ghost.values.length;
  return {
    similarity: normalisedCrossCorrelation(bandPass(ghost), bandPass(portrait)),
    ghostContrast: spread(ghostFlat),
    ghostBrightness: brightness,
    offset: [best[0], best[1]],
  };
}

/**
 * Similarity below which the ghost and the main portrait are taken to show different photos.
 * Calibrated on generated cards (scripts/cards; QR decode + rectification + compareGhost; blur at
 * strong severity never decodes the QR, so it is never checked). With the card-edge homography
 * (ocr/card-edges.ts), 434 cards (seeds 4242 and 777, half swapped, all 8 degradations):
 *   honest clean and mild (n = 132): min 0.915 (noise), median ≈ 0.98;
 *   honest strong: noise 0.78-0.88, jpeg ≥ 0.91, glare ≥ 0.90, lowres ≥ 0.95, rotation ≥ 0.97,
 *     perspective median 0.97 but 1 of 10 at 0.22 (a false alarm);
 *   swapped portrait, clean and mild (n = 132): max 0.529, median ≈ 0.17; strong: max 0.576.
 * Before the homography (affine only; 264 cards, seeds 21, 33, 45) honest clean/mild went down to
 * 0.907 and swapped up to 0.451: better alignment raises every similarity a little.
 * A card printed without a ghost: 0.05-0.16. 0.68 leaves ≈ 0.15 above the highest swapped card
 * and ≈ 0.24 below the lowest honest clean or mild one.
 */
export const GHOST_SIMILARITY_THRESHOLD = 0.68;

/** Ghost-region spread (grey levels, plane removed) below which nothing is engraved there: genuine ghosts ≥ 11, blank card 1.3-6.5. */
const GHOST_MIN_CONTRAST = 8;
/** Mean grey level above which a blank-looking ghost region is washed out (glare), not missing: blank card ≈ 240, ghost ≈ 200. */
const GHOST_WASHED_OUT = 246;

/**
 * Ghost image vs main portrait: a pasted portrait does not match the laser ghost of the holder the
 * card was issued to, and a card with no ghost where it should be is evidence too. A region
 * washed out by glare cannot be compared: reported below the review threshold. Only meaningful on
 * a card rectified on its QR (elsewhere the regions are guesses); the caller passes null then.
 */
export function portraitGhostSignal(card: GrayImage | null, threshold = GHOST_SIMILARITY_THRESHOLD): Signal | null {
  if (card === null) return null;
  const { similarity, ghostContrast, ghostBrightness } = compareGhost(card);
  if (similarity >= threshold) return null;
  const figures = `similarity ${similarity.toFixed(2)}, genuine cards ≥ ${threshold}`;
  if (ghostContrast < GHOST_MIN_CONTRAST && ghostBrightness >= GHOST_WASHED_OUT) {
    return {
      code: "PORTRAIT_GHOST_MISMATCH",
      score: 0.3,
      reason: `the ghost image region is washed out (glare?), so it could not be compared with the portrait (${figures})`,
    };
  }
  if (ghostContrast < GHOST_MIN_CONTRAST) {
    return {
      code: "PORTRAIT_GHOST_MISMATCH",
      score: 0.8,
      reason: `no ghost image where the card carries one (region contrast ${ghostContrast.toFixed(1)}; ${figures}): portrait area altered?`,
    };
  }
  return {
    code: "PORTRAIT_GHOST_MISMATCH",
    score: 0.8,
    reason: `the ghost image does not show the main portrait (${figures}): portrait replaced?`,
  };
}
