/**
 * MRZ rows found by their own texture, without the text detector: for photos on which the detector
 * returns no MRZ-shaped line (a blurred or dim photo, where the detector's probability stays under
 * its threshold along the rows). An MRZ is two or three long rows of dense, equal-pitch dark glyphs
 * on a light ground, evenly spaced and parallel. On a copy of the photo scaled to TEXTURE_SIDE:
 * a black-hat (the closing minus the image) keeps what is darker than its surroundings and thinner
 * than the kernel (glyph strokes, not shadows or dark backgrounds); an Otsu threshold of it, closed
 * along the rows, joins each row's glyphs into one long thin region; each region's principal axes
 * give its oriented box (ocr/text-boxes.ts, as the detector's regions), so a tilted row is a tilted
 * box. Kept: long thin regions with a parallel neighbour of about the same length one row-spacing
 * away (an MRZ never has a single row). The caller recognises them as detected rows.
 */
import sharp from "sharp";
import type { GrayImage } from "../ocr/gray.ts";
import { scaleBox, textBoxes, type TextBox } from "../ocr/text-boxes.ts";
import { dominantAngle, turned } from "./level.ts";

/** Long side of the working copy (the detector's copy is the same size). */
const TEXTURE_SIDE = 640;

/**
 * Black-hat kernel (width × height) on the working copy: wider than a glyph's strokes (1–3 px at
 * 640 for MRZ characters 5–20 px high), so that every stroke is kept, and smaller than the light
 * gaps between rows, so that the ground between them stays ground.
 */
const BLACK_HAT = { width: 13, height: 7 };

/**
 * Lengths of the closing along the rows, each tried: it must bridge the gap between two glyphs and
 * a filler's open side (about a third of the pitch), not the space between two rows (across them).
 * At 640 px the pitch is 4–14 px for a document in a photo or a passport filling it, up to 20 px
 * for a card filling the frame (measured: the Swiss card back 282 px wide, whose fillers stay apart
 * at 11).
 */
const ROW_CLOSINGS = [11, 21];

/**
 * Opening (a square of this side) of the closed rows before they are labelled: cuts lines thinner
 * than it that join rows (measured: the Azerbaijani scan's printed ellipse around its MRZ made one
 * region of both rows) and keeps the rows, as thick as their glyphs.
 */
const OPENING = 3;

/** Rows turned by more than this are found again on the working copy turned level (`turned`). */
const TURNED_DEGREES = 5;

/** A region must be this many times longer than thick, and at least this long (working pixels). */
const MIN_ASPECT = 6,
  MIN_LENGTH = 60;

/**
 * Rows kept: at least this fraction of the longest kept region (MRZ rows are the longest text;
 * printed lines shorter), and at most this many, longest first.
 */
const MIN_LENGTH_SHARE = 0.45,
  MAX_ROWS = 12;

/**
 * A neighbour row: parallel within 0.06 rad (≈ 3.5°), its length within this ratio, its centre
 * line 1–3.5 region thicknesses away across the rows, and overlapping along them.
 */
const PARALLEL = 0.998,
  LENGTH_RATIO = 0.6,
  SPACING = { min: 1, max: 3.5 };

/**
 * The recogniser's crop around a region: the region spans the glyphs' ink; the detector's boxes,
 * which the recogniser was measured on, are about 1.4 × the character height (DETECTOR_THICKNESS)
 * with a margin of about half a character at each end. These crops are a little thicker, and
 * reach one ink thickness (about a character) past each end.
 */
const CROP_THICKNESS = 1.6,
  CROP_END_MARGIN = 1,
  DETECTOR_THICKNESS = 1.4;

/**
 * A texture row's thickness as the detector's box of the same row would be: the row height the
 * resolution signal and the small-row rules (mrz/read.ts) are measured in.
 */
export const DETECTOR_THICKNESS_PER_CROP = DETECTOR_THICKNESS / CROP_THICKNESS;

/**
 * One-dimensional running maximum (or minimum) over `size` pixels along x or y, edges clamped.
 * Our own because no kept library gives what the black-hat needs: sharp's `dilate`/`erode`
 * (libvips morph) are binary operators with a square mask, the black-hat is grey-level with a
 * rectangular one, and OpenCV's build on npm (`@techstark/opencv-js`, 7.7 MB unpacked) is one
 * bundle for these few loops. A rectangle is two passes of this (x then y); the whole row search
 * (the black-hat, a closing and an opening per closing length, labelling) was measured at 75–140 ms
 * on a 640 px copy, and runs only when nothing valid was read otherwise.
 */
function runningExtreme(
  data: Uint8Array,
  width: number,
  height: number,
  size: number,
  alongX: boolean,
  max: boolean,
): Uint8Array {
  const out = new Uint8Array(data.length);
  const half = Math.floor(size / 2);
  const [outer, inner, step, lineStep] = alongX ? [height, width, 1, width] : [width, height, width, 1];
  for (let o = 0; o < outer; o++) {
    const base = o * lineStep;
    for (let i = 0; i < inner; i++) {
      let v = max ? 0 : 255;
      const from = Math.max(0, i - half),
        to = Math.min(inner - 1, i + half);
      for (let k = from; k <= to; k++) {
        const d = data[base + k * step] as number;
        v = max ? (d > v ? d : v) : d < v ? d : v;
      }
      out[base + i * step] = v;
    }
  }
  return out;
}

/** Greyscale dilation (`max`) or erosion with a `kw` × `kh` rectangle. */
function extreme(data: Uint8Array, width: number, height: number, kw: number, kh: number, max: boolean): Uint8Array {
  return runningExtreme(runningExtreme(data, width, height, kw, true, max), width, height, kh, false, max);
}

/** Greyscale closing (a dilation then an erosion) with a `kw` × `kh` rectangle. */
function closing(data: Uint8Array, width: number, height: number, kw: number, kh: number): Uint8Array {
  return extreme(extreme(data, width, height, kw, kh, true), width, height, kw, kh, false);
}

/** Greyscale opening (an erosion then a dilation) with a `k` × `k` square. */
function opening(data: Uint8Array, width: number, height: number, k: number): Uint8Array {
  return extreme(extreme(data, width, height, k, k, false), width, height, k, k, true);
}

/** `inner`'s centre lies inside `outer`. */
function centreInside(inner: TextBox, outer: TextBox): boolean {
  const dx = inner.cx - outer.cx,
    dy = inner.cy - outer.cy;
  return (
    Math.abs(dx * outer.ux + dy * outer.uy) < outer.length / 2 &&
    Math.abs(-dx * outer.uy + dy * outer.ux) < outer.thickness / 2
  );
}

/** The regions found at every closing length, each row once: the longest of those that overlap. */
function distinctRows(regions: readonly TextBox[]): TextBox[] {
  const kept: TextBox[] = [];
  for (const box of [...regions].sort((a, b) => b.length - a.length))
    if (!kept.some((k) => centreInside(box, k) || centreInside(k, box))) kept.push(box);
  return kept;
}

/** Otsu's threshold of an 8-bit image (the level that best splits its histogram in two). */
export function otsuThreshold(data: Uint8Array): number {
  const histogram = new Float64Array(256);
  for (const v of data) histogram[v] = (histogram[v] as number) + 1;
  let total = 0;
  for (let v = 0; v < 256; v++) total += v * (histogram[v] as number);
  let below = 0,
    belowSum = 0,
    best = 0,
    bestVariance = -1;
  for (let t = 0; t < 256; t++) {
    below += histogram[t] as number;
    if (below === 0) continue;
    const above = data.length - below;
    if (above === 0) break;
    belowSum += t * (histogram[t] as number);
    const meanBelow = belowSum / below,
      meanAbove = (total - belowSum) / above;
    const variance = below * above * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/** `box` has a parallel row of about its length one row-spacing away among `boxes`. */
function hasNeighbourRow(box: TextBox, boxes: readonly TextBox[]): boolean {
  return boxes.some((other) => {
    if (other === box || Math.abs(box.ux * other.ux + box.uy * other.uy) < PARALLEL) return false;
    const ratio = Math.min(box.length, other.length) / Math.max(box.length, other.length);
    const dx = other.cx - box.cx,
      dy = other.cy - box.cy;
    const across = Math.abs(-dx * box.uy + dy * box.ux),
      along = Math.abs(dx * box.ux + dy * box.uy);
    const thickness = Math.max(box.thickness, other.thickness);
    return (
      ratio >= LENGTH_RATIO &&
      across >= SPACING.min * thickness &&
      across <= SPACING.max * thickness &&
      along < (box.length + other.length) / 2
    );
  });
}

/**
 * Candidate MRZ rows of `image` found by their texture, as boxes in `image` coordinates sized like
 * the detector's (CROP_THICKNESS, CROP_END_MARGIN), longest first; empty when no two parallel long
 * rows of glyphs are found.
 */
export async function textureRows(image: GrayImage): Promise<TextBox[]> {
  const scale = TEXTURE_SIDE / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale)),
    height = Math.max(1, Math.round(image.height * scale));
  const copy: GrayImage = {
    width,
    height,
    data: new Uint8Array(
      await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
        raw: { width: image.width, height: image.height, channels: 1 },
      })
        .resize(width, height, { fit: "fill" })
        .toColourspace("b-w")
        .raw()
        .toBuffer(),
    ),
  };
  let regions = rowRegions(copy);
  // Rows turned by more than TURNED_DEGREES break apart under a closing along x (a filler's ink
  // misses the next one, a few pixels higher or lower): found again with the copy turned level.
  const angle = dominantAngle(regions);
  if (Math.abs(angle) > (TURNED_DEGREES * Math.PI) / 180) {
    const level = turned(copy, -angle);
    regions = rowRegions(level.image).map(level.back);
  }
  const paired = regions.filter((b) => hasNeighbourRow(b, regions));
  const longest = paired[0]?.length ?? 0;
  return paired
    .filter((b) => b.length >= MIN_LENGTH_SHARE * longest)
    .slice(0, MAX_ROWS)
    .map((b) => {
      const box = scaleBox(b, 1 / scale);
      return {
        ...box,
        length: box.length + 2 * CROP_END_MARGIN * box.thickness,
        thickness: box.thickness * CROP_THICKNESS,
      };
    });
}

/** Long thin regions of dark glyphs joined along x, longest first, each row once (`distinctRows`). */
function rowRegions(copy: GrayImage): TextBox[] {
  const { width, height, data } = copy;
  const closed = closing(data, width, height, BLACK_HAT.width, BLACK_HAT.height);
  const blackHat = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) blackHat[i] = (closed[i] as number) - (data[i] as number);
  const level = otsuThreshold(blackHat);
  const ink = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) ink[i] = (blackHat[i] as number) > level ? 255 : 0;
  const found: TextBox[] = [];
  for (const length of ROW_CLOSINGS) {
    const joined = opening(closing(ink, width, height, length, 1), width, height, OPENING);
    const map = new Float32Array(joined.length);
    for (let i = 0; i < joined.length; i++) map[i] = (joined[i] as number) / 255;
    found.push(
      ...textBoxes(map, width, height, { threshold: 0.5, minScore: 0, minPixels: MIN_LENGTH, unclip: 0 }).filter(
        (b) => b.length >= MIN_LENGTH && b.length / Math.max(1, b.thickness) >= MIN_ASPECT,
      ),
    );
  }
  return distinctRows(found);
}
