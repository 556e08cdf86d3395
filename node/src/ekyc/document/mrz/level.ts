/**
 * Turning a tilted photo level: the direction most of its text runs in, and the photo turned about
 * its centre by an angle (bilinear, white outside) with the map of boxes found on it back to it.
 * Shared by the texture rows (mrz/texture-rows.ts) and the levelled search (mrz/read.ts).
 */
import { sampleGray, type GrayImage } from "../ocr/gray.ts";
import type { TextBox } from "../ocr/text-boxes.ts";

/** The length-weighted median direction of the regions (radians, x towards y), 0 when none. */
export function dominantAngle(regions: readonly TextBox[]): number {
  const angles = regions
    .map((b) => ({ angle: Math.atan2(b.uy, b.ux), weight: b.length }))
    .sort((a, b) => a.angle - b.angle);
  let half = angles.reduce((sum, a) => sum + a.weight, 0) / 2;
  for (const a of angles) {
    half -= a.weight;
    if (half <= 0) return a.angle;
  }
  return 0;
}

/**
 * `image` turned by `angle` radians (x towards y) about its centre onto a canvas that holds all of
 * it (white outside), and the map of a box found on it back to `image`.
 */
export function turned(image: GrayImage, angle: number): { image: GrayImage; back: (box: TextBox) => TextBox } {
  const cos = Math.cos(angle),
    sin = Math.sin(angle);
  const width = Math.ceil(Math.abs(image.width * cos) + Math.abs(image.height * sin)),
    height = Math.ceil(Math.abs(image.width * sin) + Math.abs(image.height * cos));
  const [cx, cy, ox, oy] = [(image.width - 1) / 2, (image.height - 1) / 2, (width - 1) / 2, (height - 1) / 2];
  const data = new Uint8Array(width * height);
  // Canvas (x, y) shows the image at its point turned back by `angle`.
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const dx = x - ox,
        dy = y - oy;
      data[y * width + x] = Math.round(sampleGray(image, cx + dx * cos + dy * sin, cy - dx * sin + dy * cos));
    }
  const back = (box: TextBox): TextBox => {
    const dx = box.cx - ox,
      dy = box.cy - oy;
    const ux = box.ux * cos + box.uy * sin,
      uy = -box.ux * sin + box.uy * cos,
      flip = ux < 0 ? -1 : 1;
    return { ...box, cx: cx + dx * cos + dy * sin, cy: cy - dx * sin + dy * cos, ux: ux * flip, uy: uy * flip };
  };
  return { image: { width, height, data }, back };
}
