/**
 * Text lines from a DB (differentiable binarisation) detector's probability map: connected
 * regions above a threshold, each turned into an oriented rectangle (principal axes of its
 * pixels) and grown back to the full text height. The detector is trained on text kernels shrunk
 * to about 40 % of the line height, so a region is "unclipped" by area × ratio / perimeter on
 * every side, as PaddleOCR's post-processing does.
 */

/** An oriented rectangle: centre, unit vector along the text (ux, uy), and its two sides. */
export interface TextBox {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  /** Side along the text. */
  length: number;
  /** Side across the text (line height). */
  thickness: number;
  /** Mean detector probability inside the region. */
  score: number;
}

export interface TextBoxOptions {
  /** Probability above which a pixel is text (PaddleOCR: 0.3). */
  threshold?: number;
  /** Regions whose mean probability is lower are dropped (PaddleOCR: 0.6). */
  minScore?: number;
  /** Regions with fewer pixels are dropped. */
  minPixels?: number;
  /** Unclip ratio (PaddleOCR: 1.5). */
  unclip?: number;
}

export function textBoxes(prob: Float32Array, width: number, height: number, options: TextBoxOptions = {}): TextBox[] {
  const threshold = options.threshold ?? 0.3,
    minScore = options.minScore ?? 0.6,
    minPixels = options.minPixels ?? 12,
    unclip = options.unclip ?? 1.5;
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const members = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] === 1 || (prob[start] as number) <= threshold) continue;
    // Flood fill (4-connected) collecting the region's pixels.
    let top = 0,
      count = 0,
      sum = 0,
      sx = 0,
      sy = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const i = stack[--top] as number;
      members[count++] = i;
      const x = i % width,
        y = (i - x) / width;
      sum += prob[i] as number;
      sx += x;
      sy += y;
      if (x > 0 && seen[i - 1] === 0 && (prob[i - 1] as number) > threshold) {
        seen[i - 1] = 1;
        stack[top++] = i - 1;
      }
      if (x < width - 1 && seen[i + 1] === 0 && (prob[i + 1] as number) > threshold) {
        seen[i + 1] = 1;
        stack[top++] = i + 1;
      }
      if (y > 0 && seen[i - width] === 0 && (prob[i - width] as number) > threshold) {
        seen[i - width] = 1;
        stack[top++] = i - width;
      }
      if (y < height - 1 && seen[i + width] === 0 && (prob[i + width] as number) > threshold) {
        seen[i + width] = 1;
        stack[top++] = i + width;
      }
    }
    if (count < minPixels || sum / count < minScore) continue;
    const mx = sx / count,
      my = sy / count;
    let xx = 0,
      yy = 0,
      xy = 0;
    for (let k = 0; k < count; k++) {
      const i = members[k] as number;
      const dx = (i % width) - mx,
        dy = Math.floor(i / width) - my;
      xx += dx * dx;
      yy += dy * dy;
      xy += dx * dy;
    }
    const angle = 0.5 * Math.atan2(2 * xy, xx - yy);
    const ux = Math.cos(angle),
      uy = Math.sin(angle);
    let uMin = Infinity,
      uMax = -Infinity,
      vMin = Infinity,
      vMax = -Infinity;
    for (let k = 0; k < count; k++) {
      const i = members[k] as number;
      const dx = (i % width) - mx,
        dy = Math.floor(i / width) - my;
      const u = dx * ux + dy * uy,
        v = -dx * uy + dy * ux;
      if (u < uMin) uMin = u;
      if (u > uMax) uMax = u;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
    const length = uMax - uMin + 1,
      thickness = vMax - vMin + 1;
    const grow = (length * thickness * unclip) / (2 * (length + thickness));
    const cu = (uMin + uMax) / 2,
      cv = (vMin + vMax) / 2;
    // Text reads left to right: point u rightwards (a card upside down is handled by the caller).
    const flip = ux < 0 ? -1 : 1;
    boxes.push({
      cx: mx + cu * ux - cv * uy,
      cy: my + cu * uy + cv * ux,
      ux: ux * flip,
      uy: uy * flip,
      length: length + 2 * grow,
      thickness: thickness + 2 * grow,
      score: sum / count,
    });
  }
  return boxes;
}

/** The same box seen from an image scaled by `factor` (map → image coordinates). */
export function scaleBox(box: TextBox, factor: number): TextBox {
  // Pixel centres: map pixel x covers image pixels [x·f, (x+1)·f).
  return {
    ...box,
    cx: (box.cx + 0.5) * factor - 0.5,
    cy: (box.cy + 0.5) * factor - 0.5,
    length: box.length * factor,
    thickness: box.thickness * factor,
  };
}

/** The box turned by 180° (same rectangle, text read in the other direction). */
export function reversed(box: TextBox): TextBox {
  return { ...box, ux: -box.ux, uy: -box.uy };
}

/**
 * Joins boxes that lie on one text row (the detector sometimes splits a line at a long gap or
 * filler run): same direction, centres on the same line within half a line height. The merged
 * box spans both along the text and keeps the larger height.
 */
export function mergeRows(boxes: readonly TextBox[]): TextBox[] {
  const out: TextBox[] = [];
  for (const box of [...boxes].sort((a, b) => b.length - a.length)) {
    const row = out.find((r) => {
      const dx = box.cx - r.cx,
        dy = box.cy - r.cy;
      const across = Math.abs(-dx * r.uy + dy * r.ux);
      return Math.abs(box.ux * r.ux + box.uy * r.uy) > 0.99 && across < 0.5 * Math.min(r.thickness, box.thickness);
    });
    if (row === undefined) {
      out.push({ ...box });
      continue;
    }
    // Extent of both along the row's direction.
    const along = (b: TextBox) => (b.cx - row.cx) * row.ux + (b.cy - row.cy) * row.uy;
    const lo = Math.min(-row.length / 2, along(box) - box.length / 2),
      hi = Math.max(row.length / 2, along(box) + box.length / 2);
    const mid = (lo + hi) / 2;
    row.cx += mid * row.ux;
    row.cy += mid * row.uy;
    row.length = hi - lo;
    row.thickness = Math.max(row.thickness, box.thickness);
    row.score = Math.min(row.score, box.score);
  }
  return out;
}
