/**
 * A sharpened copy of a small photo, for the MRZ retry that reads it again when nothing valid was
 * read (mrz/read.ts `sharpenedReading`). Small text reaches the recogniser blurred twice: by the
 * camera or the downscale that made the photo small, and by the bilinear enlargement of each row's
 * crop to the recogniser's 48 px height (about 5 × for characters of 7–8 px). What tells `<` from
 * C, I from 1 or K, or D from 0 at that size is a stroke or a serif one pixel wide, which the blur
 * spreads into the ground. An unsharp mask on the photo's own pixels (sharp's `sharpen`, libvips)
 * restores that contrast before the enlargement. Enlarging the photo first was measured before and
 * not kept (Lanczos rings, turning `<` into C and K); a mask this mild rings less than a pixel.
 */
import sharp from "sharp";
import type { GrayImage } from "../ocr/gray.ts";

/**
 * The mask's Gaussian, in the photo's pixels: the blur of a character stroke at 7–8 px. Measured on
 * generated card backs 280 px wide blurred by σ 1.6 (8 seeds, read by `readMrz` on the sharpened
 * copy): σ 0.7 read 4 valid, σ 1.0 read 2, σ 1.5 read 3 (as they are: 1); on the real Liechtenstein
 * card at 280 px, σ 0.5, 0.7 and 1.0 all read it exactly, σ 1.2 nothing.
 */
export const SHARPEN_SIGMA = 0.7;

/** How strongly edges are raised: sharp's `m2` (slope on jagged areas), `m1` on flat ones. */
const SHARPEN_FLAT = 1,
  SHARPEN_JAGGED = 3;

/**
 * Photos whose long side is at most this are small: the detector's copy (640 px, mrz/read.ts
 * NATIVE_SIDE) enlarges them, and their MRZ characters are under about 10 px.
 */
export const MAX_SMALL_PHOTO_SIDE = 640;

export const isSmallPhoto = (image: GrayImage): boolean => Math.max(image.width, image.height) <= MAX_SMALL_PHOTO_SIDE;

/** `image` through an unsharp mask (SHARPEN_SIGMA), same size, same coordinates. */
export async function sharpenedCopy(image: GrayImage): Promise<GrayImage> {
  const { data, info } = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .sharpen({ sigma: SHARPEN_SIGMA, m1: SHARPEN_FLAT, m2: SHARPEN_JAGGED })
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
