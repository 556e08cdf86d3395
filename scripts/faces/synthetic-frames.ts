/**
 * Test frames we can honestly make from still photos (no video of real people is available):
 * - `turnHead`: a cylindrical re-projection of the face region around a vertical axis, which moves
 *   the nose and eyes sideways relative to the face outline the way a real yaw does (a flat
 *   perspective warp does not: it only looks like a tilted photo).
 * - `closeEyes`: paints each eye over with skin tone sampled from just below it, plus a thin darker
 *   lid line, which is what a closed eye looks like at selfie resolution.
 * What they do not cover: real 3-D parallax (ears, hair, occlusion of the far cheek), motion blur,
 * lighting change, real blinks (partial closure, speed), masks, and replay devices. Passing with
 * these frames shows the checking logic is right, not that the models are robust to real attacks.
 */
import type { Point } from "../../node/src/ekyc/biometrics/geometry.ts";
import type { RgbImage } from "../../node/src/ekyc/biometrics/image.ts";

/** Yaw the face region by `degrees` (positive: face turns towards the image's right). */
export function turnHead(image: RgbImage, face: { cx: number; halfWidth: number }, degrees: number): RgbImage {
  const { width: W, height: H, data } = image;
  const out = new Uint8Array(data.length);
  const R = face.halfWidth * 1.15;
  const theta = (degrees * Math.PI) / 180;
  for (let x = 0; x < W; x++) {
    const u = (x - face.cx) / R; // output position on the rotated cylinder, in radii
    let srcX: number;
    if (Math.abs(u) < 1) {
      const phi = Math.asin(u) - theta;
      srcX = Math.abs(phi) < Math.PI / 2 ? face.cx + R * Math.sin(phi) : face.cx + R * Math.sign(phi);
    } else {
      srcX = x - R * Math.sin(theta) * Math.sign(u) * 0; // background stays put
    }
    const x0 = Math.max(0, Math.min(W - 1, Math.floor(srcX)));
    const x1 = Math.min(W - 1, x0 + 1);
    const f = Math.max(0, Math.min(1, srcX - x0));
    for (let y = 0; y < H; y++) {
      for (let c = 0; c < 3; c++) {
        out[(y * W + x) * 3 + c] = Math.round(data[(y * W + x0) * 3 + c]! * (1 - f) + data[(y * W + x1) * 3 + c]! * f);
      }
    }
  }
  return { width: W, height: H, data: out };
}

/** Paint both eyes closed, given the 68 iBUG landmarks of the face. */
export function closeEyes(image: RgbImage, points68: readonly Point[]): RgbImage {
  const out = new Uint8Array(image.data);
  const { width: W, height: H } = image;
  for (const [from, to] of [
    [36, 41],
    [42, 47],
  ] as const) {
    const pts = points68.slice(from, to + 1);
    const cx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
    const cy = pts.reduce((s, p) => s + p.y, 0) / pts.length;
    const rx = (Math.max(...pts.map((p) => p.x)) - Math.min(...pts.map((p) => p.x))) * 0.95;
    const ry = Math.max(rx * 0.6, (Math.max(...pts.map((p) => p.y)) - Math.min(...pts.map((p) => p.y))) * 1.6);
    // skin tone: mean of a patch below the eye (upper cheek)
    const skin = [0, 0, 0];
    let n = 0;
    for (let y = Math.round(cy + ry * 1.4); y < Math.round(cy + ry * 2.2); y++) {
      for (let x = Math.round(cx - rx * 0.5); x < Math.round(cx + rx * 0.5); x++) {
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        for (let c = 0; c < 3; c++) skin[c]! += image.data[(y * W + x) * 3 + c]!;
        n++;
      }
    }
    if (n === 0) continue;
    for (let c = 0; c < 3; c++) skin[c] = skin[c]! / n;
    for (let y = Math.floor(cy - ry); y <= Math.ceil(cy + ry); y++) {
      for (let x = Math.floor(cx - rx); x <= Math.ceil(cx + rx); x++) {
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d > 1) continue;
        const alpha = d < 0.6 ? 1 : (1 - d) / 0.4; // feathered edge
        const lid = Math.abs(y - (cy + ry * 0.15)) < Math.max(1, ry * 0.12) && Math.abs(x - cx) < rx * 0.8;
        for (let c = 0; c < 3; c++) {
          const target = lid ? skin[c]! * 0.45 : skin[c]!;
          const o = (y * W + x) * 3 + c;
          out[o] = Math.round(out[o]! * (1 - alpha) + target * alpha);
        }
      }
    }
  }
  return { width: W, height: H, data: out };
}

/** Adds ±2 deterministic noise so two synthetic frames are never pixel-identical (as real camera frames never are). */
export function jitter(image: RgbImage, seed: number): RgbImage {
  const out = new Uint8Array(image.data.length);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = Math.max(0, Math.min(255, image.data[i]! + (s % 5) - 2));
  }
  return { width: image.width, height: image.height, data: out };
}

export type SyntheticStep = "TURN_LEFT" | "TURN_RIGHT" | "BLINK";

/**
 * Frames answering `steps` from one still face: neutral, then each action followed by a return to
 * neutral, timestamps `gapMs` apart from `startMs`. TURN_LEFT (the customer's left) turns the face
 * towards the image's right in an unmirrored frame.
 */
export function framesFor(
  face: { image: RgbImage; cx: number; halfWidth: number; points68: readonly Point[] },
  steps: readonly SyntheticStep[],
  startMs: number,
  gapMs = 250,
  turnDegrees = 35,
): Array<{ image: RgbImage; timestampMs: number }> {
  const images: RgbImage[] = [face.image];
  for (const step of steps) {
    if (step === "BLINK") images.push(closeEyes(face.image, face.points68));
    else images.push(turnHead(face.image, face, step === "TURN_LEFT" ? turnDegrees : -turnDegrees));
    images.push(face.image);
  }
  return images.map((img, i) => ({ image: jitter(img, i + 1), timestampMs: startMs + i * gapMs }));
}

/**
 * A flat photo turned about its vertical axis by `degrees` in front of a pinhole camera (focal length
 * `focal` px): what a customer holding a printed portrait and tilting it produces. Unlike `turnHead`,
 * nothing moves relative to the face outline.
 */
export function tiltPhoto(image: RgbImage, cx: number, cy: number, degrees: number, focal = 300): RgbImage {
  const { width: W, height: H, data } = image;
  const out = new Uint8Array(data.length).fill(127);
  const t = (degrees * Math.PI) / 180,
    s = Math.sin(t),
    c = Math.cos(t);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const xp = x - cx,
        yp = y - cy;
      const X = (xp * focal) / (c * focal - xp * s); // inverse of x' = X c f / (f + X s)
      const k = focal / (focal + X * s);
      if (!(k > 0)) continue;
      const sx = Math.round(X + cx),
        sy = Math.round(yp / k + cy);
      if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
      for (let ch = 0; ch < 3; ch++) out[(y * W + x) * 3 + ch] = data[(sy * W + sx) * 3 + ch]!;
    }
  }
  return { width: W, height: H, data: out };
}
