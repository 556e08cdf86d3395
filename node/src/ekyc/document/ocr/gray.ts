/** The greyscale working images of the document reader, and bilinear sampling on them. */

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Bilinear grey level at (x, y) in pixel-index coordinates; `outside` (white) beyond the image. */
export function sampleGray(img: GrayImage, x: number, y: number, outside = 255): number {
  if (x < 0 || y < 0 || x > img.width - 1 || y > img.height - 1) return outside;
  const x0 = Math.floor(x),
    y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, img.width - 1),
    y1 = Math.min(y0 + 1, img.height - 1);
  const fx = x - x0,
    fy = y - y0;
  const d = img.data,
    w = img.width;
  return (
    (d[y0 * w + x0] as number) * (1 - fx) * (1 - fy) +
    (d[y0 * w + x1] as number) * fx * (1 - fy) +
    (d[y1 * w + x0] as number) * (1 - fx) * fy +
    (d[y1 * w + x1] as number) * fx * fy
  );
}
