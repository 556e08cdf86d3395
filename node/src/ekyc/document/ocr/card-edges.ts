/**
 * Perspective from the card's own edges. The QR finder patterns give an affine map that is exact
 * near the QR and drifts with distance from it when the phone was tilted: the far corner of the
 * card can be tens of pixels off, enough to cut the bottom lines in half. Starting from that map,
 * each of the four edges is searched for the bright-card/darker-background transition along its
 * normal, a line is fitted to each edge, and the four intersections give a homography. Returns
 * null (the caller keeps the affine map) when an edge is not clear enough to trust.
 */
import { CARD_HEIGHT, CARD_WIDTH } from "../layout.ts";
import { sampleGray, type GrayImage } from "./gray.ts";

type Point = [number, number];
/** Card → photo: x = (h0·u + h1·v + h2) / (h6·u + h7·v + 1), y = (h3·u + h4·v + h5) / (…). */
export type Homography = [number, number, number, number, number, number, number, number];

export function applyHomography(h: Homography, u: number, v: number): Point {
  const w = h[6] * u + h[7] * v + 1;
  return [(h[0] * u + h[1] * v + h[2]) / w, (h[3] * u + h[4] * v + h[5]) / w];
}

/** The homography taking four card points to four photo points (Gaussian elimination), or null. */
export function homographyFrom(card: readonly Point[], photo: readonly Point[]): Homography | null {
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = card[i] as Point,
      [x, y] = photo[i] as Point;
    rows.push([u, v, 1, 0, 0, 0, -u * x, -v * x, x]);
    rows.push([0, 0, 0, u, v, 1, -u * y, -v * y, y]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++)
      if (Math.abs((rows[r] as number[])[col] as number) > Math.abs((rows[pivot] as number[])[col] as number))
        pivot = r;
    if (Math.abs((rows[pivot] as number[])[col] as number) < 1e-12) return null;
    [rows[col], rows[pivot]] = [rows[pivot] as number[], rows[col] as number[]];
    const p = rows[col] as number[];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const row = rows[r] as number[];
      const f = (row[col] as number) / (p[col] as number);
      for (let k = col; k < 9; k++) row[k] = (row[k] as number) - f * (p[k] as number);
    }
  }
  return rows.map((r, i) => (r[8] as number) / (r[i] as number)) as Homography;
}

/** How far (card px) from where the QR affine puts it an edge is searched for. */
const SEARCH = 80;
/** Pixels averaged on each side of a candidate edge. */
const WINDOW = 5;
/** Grey-level step below which a transition is not taken for the card's edge. */
const MIN_STEP = 30;
/** Samples per edge, and the share of them that must agree with the fitted line. */
const SAMPLES = 20,
  MIN_INLIERS = 0.6;
/** Distance (photo px) from the fitted line within which a sample agrees. */
const INLIER_PX = 2.5;

/** A line a·x + b·y = c with (a, b) a unit normal. */
interface Line {
  a: number;
  b: number;
  c: number;
}

function fitLine(points: readonly Point[]): Line | null {
  if (points.length < 2) return null;
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length,
    my = points.reduce((s, p) => s + p[1], 0) / points.length;
  let xx = 0,
    yy = 0,
    xy = 0;
  for (const [x, y] of points) {
    xx += (x - mx) ** 2;
    yy += (y - my) ** 2;
    xy += (x - mx) * (y - my);
  }
  const angle = 0.5 * Math.atan2(2 * xy, xx - yy); // direction of the points
  const a = -Math.sin(angle),
    b = Math.cos(angle);
  return { a, b, c: a * mx + b * my };
}

function intersect(p: Line, q: Line): Point | null {
  const det = p.a * q.b - q.a * p.b;
  if (Math.abs(det) < 1e-9) return null;
  return [(p.c * q.b - q.c * p.b) / det, (p.a * q.c - q.a * p.c) / det];
}

/**
 * One edge, from card point `from` to `to`, with `outward` the card-frame normal pointing off the
 * card: where along each sample's normal the grey level steps down the most, then a line through
 * those points with outliers (text, glare) dropped.
 */
function findEdge(
  img: GrayImage,
  toPhoto: (u: number, v: number) => Point,
  from: Point,
  to: Point,
  outward: Point,
): Line | null {
  const points: Point[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = 0.1 + (0.8 * i) / (SAMPLES - 1); // away from the rounded corners
    const u = from[0] + t * (to[0] - from[0]),
      v = from[1] + t * (to[1] - from[1]);
    const profile: number[] = [];
    for (let d = -SEARCH - WINDOW; d <= SEARCH + WINDOW; d++) {
      const [x, y] = toPhoto(u + d * outward[0], v + d * outward[1]);
      profile.push(sampleGray(img, x, y, Number.NaN)); // off the photo: no evidence either way
    }
    let best = -Infinity,
      bestD = 0;
    for (let k = WINDOW; k < profile.length - WINDOW; k++) {
      let inside = 0,
        outside = 0;
      for (let j = 1; j <= WINDOW; j++) {
        inside += profile[k - j] as number;
        outside += profile[k + j] as number;
      }
      const step = (inside - outside) / WINDOW;
      if (step > best) {
        best = step;
        bestD = k - WINDOW - SEARCH;
      }
    }
    if (Number.isFinite(best) && best >= MIN_STEP) points.push(toPhoto(u + bestD * outward[0], v + bestD * outward[1]));
  }
  // Text, the portrait or glare can win a sample: take the line through two samples that most
  // others agree with (every pair: at most 190), then fit it to those that agree.
  const near = (line: Line) => points.filter(([x, y]) => Math.abs(line.a * x + line.b * y - line.c) <= INLIER_PX);
  let best: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const line = fitLine([points[i] as Point, points[j] as Point]);
      const agreeing = line === null ? [] : near(line);
      if (agreeing.length > best.length) best = agreeing;
    }
  }
  if (best.length < MIN_INLIERS * SAMPLES) return null;
  const line = fitLine(best);
  return line !== null && near(line).length >= MIN_INLIERS * SAMPLES ? line : null;
}

/**
 * The card → photo homography from the card's four edges, searched around `toPhoto` (the QR
 * affine), or null when any edge is unclear or the corners land implausibly far from it.
 */
export function homographyFromEdges(img: GrayImage, toPhoto: (u: number, v: number) => Point): Homography | null {
  const W = CARD_WIDTH,
    H = CARD_HEIGHT;
  const top = findEdge(img, toPhoto, [0, 0], [W, 0], [0, -1]);
  const right = findEdge(img, toPhoto, [W, 0], [W, H], [1, 0]);
  const bottom = findEdge(img, toPhoto, [0, H], [W, H], [0, 1]);
  const left = findEdge(img, toPhoto, [0, 0], [0, H], [-1, 0]);
  if (top === null || right === null || bottom === null || left === null) return null;
  const corners = [intersect(top, left), intersect(top, right), intersect(bottom, right), intersect(bottom, left)];
  if (corners.some((c) => c === null)) return null;
  const card: Point[] = [
    [0, 0],
    [W, 0],
    [W, H],
    [0, H],
  ];
  // The QR affine is never that wrong: a corner further off than the search reach is a mistake.
  const [sx, sy] = toPhoto(1, 0),
    [ox, oy] = toPhoto(0, 0);
  const reach = SEARCH * 1.5 * Math.hypot(sx - ox, sy - oy);
  for (let i = 0; i < 4; i++) {
    const [px, py] = toPhoto(...(card[i] as Point));
    const [cx, cy] = corners[i] as Point;
    if (Math.hypot(cx - px, cy - py) > reach) return null;
  }
  return homographyFrom(card, corners as Point[]);
}
