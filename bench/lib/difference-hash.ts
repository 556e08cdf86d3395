/**
 * The frame memory's earlier descriptor, kept as the baseline `bench:replay-separation` measures the
 * aligned descriptor against: a 256-bit difference hash of the detector's face box (17 x 16 grey
 * cells, each the mean of the pixels it covers; one bit per horizontal neighbour pair), compared by
 * the number of differing bits.
 */
import type { ScoredBox } from "../../node/src/ekyc/biometrics/geometry.ts";
import type { RgbImage } from "../../node/src/ekyc/biometrics/image.ts";

export function differenceHash(image: RgbImage, box: ScoredBox, side = 16): bigint {
  const cols = side + 1;
  const sum = new Float64Array(cols * side);
  const count = new Uint32Array(cols * side);
  const x1 = Math.max(0, Math.floor(box.x1)),
    x2 = Math.min(image.width, Math.ceil(box.x2));
  const y1 = Math.max(0, Math.floor(box.y1)),
    y2 = Math.min(image.height, Math.ceil(box.y2));
  const w = Math.max(1, box.x2 - box.x1),
    h = Math.max(1, box.y2 - box.y1);
  for (let y = y1; y < y2; y++) {
    const row = Math.min(side - 1, Math.max(0, Math.floor(((y + 0.5 - box.y1) * side) / h)));
    for (let x = x1; x < x2; x++) {
      const col = Math.min(cols - 1, Math.max(0, Math.floor(((x + 0.5 - box.x1) * cols) / w)));
      const o = (y * image.width + x) * 3;
      sum[row * cols + col]! += 0.299 * image.data[o]! + 0.587 * image.data[o + 1]! + 0.114 * image.data[o + 2]!;
      count[row * cols + col]! += 1;
    }
  }
  const grey = (x: number, y: number): number => {
    for (let k = x; k >= 0; k--) if (count[y * cols + k]! > 0) return sum[y * cols + k]! / count[y * cols + k]!;
    return 0;
  };
  let bits = 0n;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) bits = (bits << 1n) | (grey(x, y) > grey(x + 1, y) ? 1n : 0n);
  return bits;
}

export function hammingDistance(a: bigint, b: bigint): number {
  let x = a ^ b;
  let n = 0;
  for (; x > 0n; x &= x - 1n) n++;
  return n;
}
