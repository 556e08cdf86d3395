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

export type SyntheticStep = "TURN_LEFT" | "TURN_RIGHT" | "BLINK" | "SMILE";

export interface SyntheticScript {
  readonly steps: readonly string[];
  /** When each step is prompted, ms after the first frame (the node's challenge says). */
  readonly promptsAtMs: readonly number[];
}

export interface SyntheticOptions {
  /** Nominal cylinder turn; fr_pose reads these warps lower than nominal (see thresholds.json). */
  turnDegrees?: number;
  smileStrength?: number;
  /** Time from a prompt to the action frame, and from it to the return-to-neutral frame. */
  reactionMs?: number;
  holdMs?: number;
  /** Per-session variation of the still (light and framing), as two real sessions differ; null: none. */
  session?: number | null;
}

/**
 * Frames answering a challenge from one still face: neutral, then each action `reactionMs` after
 * its prompt, then a return to neutral `holdMs` later. TURN_LEFT (the customer's left) turns the
 * face towards the image's right in an unmirrored frame. With `session`, the still first gets a
 * random light gradient and a slight rotation, so two sessions of one person are not the same
 * frames (as two real sessions never are).
 */
export function framesFor(
  face: { image: RgbImage; cx: number; halfWidth: number; points68: readonly Point[] },
  script: SyntheticScript,
  startMs: number,
  options: SyntheticOptions = {},
): Array<{ image: RgbImage; timestampMs: number }> {
  const { turnDegrees = 58, smileStrength = 0.3, reactionMs = 350, holdMs = 350, session = null } = options;
  const base = session === null ? { ...face, yaw: 0 } : sessionVariant(face, session);
  // every frame is one cylinder warp of the (re-lit, rolled) still: the session's own small yaw,
  // plus the turn on turn frames (two warps in a row would blur the face more than one)
  const posed = (image: RgbImage, extraYaw = 0): RgbImage =>
    base.yaw + extraYaw === 0 ? image : turnHead(image, base, base.yaw + extraYaw);
  const neutral = posed(base.image);
  const out: Array<{ image: RgbImage; timestampMs: number }> = [{ image: neutral, timestampMs: startMs }];
  script.steps.forEach((step, i) => {
    const at = startMs + (script.promptsAtMs[i] ?? i * 1200 + 500) + reactionMs;
    let action: RgbImage;
    if (step === "BLINK") action = posed(closeEyes(base.image, base.points68));
    else if (step === "SMILE") action = posed(smile(base.image, base.points68, smileStrength));
    else action = posed(base.image, step === "TURN_LEFT" ? turnDegrees : -turnDegrees);
    out.push({ image: action, timestampMs: at }, { image: neutral, timestampMs: at + holdMs });
  });
  return out.map((f, i) => ({ image: jitter(f.image, i + 1 + 7919 * (session ?? 0)), timestampMs: f.timestampMs }));
}

/**
 * The still under another light and framing: a light gradient and a small roll applied to the
 * pixels (landmarks rotated with them), and a small yaw of the head that `framesFor` applies with
 * each frame's own warp.
 */
export function sessionVariant<
  F extends { image: RgbImage; cx: number; halfWidth: number; points68: readonly Point[] },
>(face: F, session: number): F & { yaw: number } {
  let s = (session * 2654435761 + 12345) >>> 0 || 1;
  const rand = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const sign = (): number => (rand() < 0.5 ? -1 : 1);
  const light = sign() * (0.2 + rand() * 0.25); // 20-45 % brightness from one side to the other
  const lightAngle = rand() * Math.PI; // direction of the light gradient
  const angle = (sign() * (3 + rand() * 5) * Math.PI) / 180; // 3-8 degrees of roll
  const yaw = sign() * (3 + rand() * 4); // 3-7 degrees: nobody faces the camera the same way twice
  const { width: W, height: H, data } = face.image;
  const cy = face.points68.reduce((a, p) => a + p.y, 0) / face.points68.length;
  const cos = Math.cos(angle),
    sin = Math.sin(angle);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - face.cx,
        dy = y - cy;
      const sx = Math.round(face.cx + cos * dx + sin * dy),
        sy = Math.round(cy - sin * dx + cos * dy);
      const gain = 1 + light * (((x - W / 2) * Math.cos(lightAngle) + (y - H / 2) * Math.sin(lightAngle)) / (W / 2));
      for (let c = 0; c < 3; c++) {
        const v = sx >= 0 && sy >= 0 && sx < W && sy < H ? data[(sy * W + sx) * 3 + c]! : 127;
        out[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * gain)));
      }
    }
  }
  // landmarks follow the rotation (forward map is the inverse of the sampling above)
  const points68 = face.points68.map((p) => {
    const dx = p.x - face.cx,
      dy = p.y - cy;
    return { x: face.cx + cos * dx - sin * dy, y: cy + sin * dx + cos * dy };
  });
  return { ...face, image: { width: W, height: H, data: out }, points68, yaw };
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

/**
 * A smile painted on a still face: the mouth corners (iBUG 48 and 54) pulled outwards and up by a
 * smooth local warp, which is what a smile does to mouth geometry at selfie resolution. It does not
 * show teeth, cheek bulges or the eye narrowing of a real smile.
 */
export function smile(image: RgbImage, points68: readonly Point[], strength = 0.18): RgbImage {
  const { width: W, height: H, data } = image;
  const left = points68[48]!,
    right = points68[54]!;
  const mouthWidth = Math.hypot(right.x - left.x, right.y - left.y);
  const radius = mouthWidth * 0.6;
  const pulls = [
    { c: left, dx: -strength * mouthWidth, dy: -strength * 0.6 * mouthWidth },
    { c: right, dx: strength * mouthWidth, dy: -strength * 0.6 * mouthWidth },
  ];
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx = x,
        sy = y;
      for (const { c, dx, dy } of pulls) {
        // backward map: the pixel here came from where the pull started (centre moved by the pull)
        const d = Math.hypot(x - c.x - dx, y - c.y - dy) / radius;
        if (d >= 1) continue;
        const w = (1 - d * d) ** 2;
        sx -= dx * w;
        sy -= dy * w;
      }
      const x0 = Math.max(0, Math.min(W - 2, Math.floor(sx))),
        y0 = Math.max(0, Math.min(H - 2, Math.floor(sy)));
      const fx = Math.max(0, Math.min(1, sx - x0)),
        fy = Math.max(0, Math.min(1, sy - y0));
      for (let ch = 0; ch < 3; ch++) {
        const v =
          data[(y0 * W + x0) * 3 + ch]! * (1 - fx) * (1 - fy) +
          data[(y0 * W + x0 + 1) * 3 + ch]! * fx * (1 - fy) +
          data[((y0 + 1) * W + x0) * 3 + ch]! * (1 - fx) * fy +
          data[((y0 + 1) * W + x0 + 1) * 3 + ch]! * fx * fy;
        out[(y * W + x) * 3 + ch] = Math.round(v);
      }
    }
  }
  return { width: W, height: H, data: out };
}
