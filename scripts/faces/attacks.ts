/**
 * Presentation attacks synthesised from still photos (the eval faces), each answering a liveness
 * challenge as well as its medium allows. What an attacker holds: a photo of the victim (another
 * eval photo of the same person), or a recording of one of the victim's earlier sessions.
 * - PRINT_FLAT: the photo printed (paper border, paper grain, halftone moiré, lower contrast) and held
 *   in front of the camera, moving a little in the hand; for a turn the sheet is turned about its
 *   vertical axis (the most a flat sheet can do); a print cannot blink or smile.
 * - PRINT_PERSPECTIVE: the same print held at a varying angle (yaw and pitch of the sheet) in every frame.
 * - SCREEN_REPLAY: the photo shown on a phone or tablet: dark bezel, display gamma, screen moiré and
 *   a glare band; turned like the print for turns.
 * - STATIC_WARPS: the digital photo injected with global 2-D warps per frame (rotation, scale, shear,
 *   horizontal squeeze for a turn, perspective): what a virtual-camera attacker does without a
 *   face-reenactment model.
 * - SEQUENCE_REPLAY: frames of an earlier genuine session, re-encoded and rescaled, cut up and
 *   re-ordered to show the new challenge's actions where the recording has them, re-timed to the
 *   new prompts.
 * Not covered: 3-D masks, face-reenactment or deepfake injection (local warps that move the head,
 * eyes and mouth, as the genuine synthetic frames themselves are made: such an attack passes the
 * active check as the genuine frames do), and real optics (focus, specular paper, screen pixels).
 */
import sharp from "sharp";
import type { RgbImage } from "../../node/src/ekyc/biometrics/image.ts";
import { cropResize, decodeImage, warpImage } from "../../node/src/ekyc/biometrics/image.ts";
import { jitter, tiltPhoto } from "./synthetic-frames.ts";
import { xorshift32 } from "./xorshift.ts";

export const ATTACK_TYPES = [
  "PRINT_FLAT",
  "PRINT_PERSPECTIVE",
  "SCREEN_REPLAY",
  "STATIC_WARPS",
  "SEQUENCE_REPLAY",
] as const;
export type AttackType = (typeof ATTACK_TYPES)[number];

export interface Script {
  readonly steps: readonly string[];
  readonly promptsAtMs: readonly number[];
}

export interface TimedFrame {
  readonly image: RgbImage;
  readonly timestampMs: number;
}

/** Attacks are reproducible from their seed. */
const rng = (seed: number) => xorshift32(seed, 0x9e3779b9);

/** The frame times an attacker uses: neutral first, each action 350 ms after its prompt, back 350 ms later. */
export function attackTimes(script: Script, startMs: number): number[] {
  const times = [startMs];
  script.promptsAtMs.forEach((p) => times.push(startMs + p + 350, startMs + p + 700));
  return times;
}

/** A printed or displayed photo in front of the camera: the medium composited on a room background. */
function inScene(medium: RgbImage, random: () => number, size = 220): RgbImage {
  const out = new Uint8Array(size * size * 3);
  const base = 60 + random() * 120;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = base + 25 * Math.sin(x / 17 + y / 29) + (random() - 0.5) * 10;
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  const scale = (0.7 + random() * 0.2) * (size / Math.max(medium.width, medium.height));
  const w = Math.round(medium.width * scale),
    h = Math.round(medium.height * scale);
  const ox = Math.round((size - w) / 2 + (random() - 0.5) * 16),
    oy = Math.round((size - h) / 2 + (random() - 0.5) * 16);
  const scaled = cropResize(medium, 0, 0, medium.width, medium.height, w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const tx = x + ox,
        ty = y + oy;
      if (tx < 0 || ty < 0 || tx >= size || ty >= size) continue;
      for (let c = 0; c < 3; c++) out[(ty * size + tx) * 3 + c] = scaled.data[(y * w + x) * 3 + c]!;
    }
  return { width: size, height: size, data: out };
}

/** The photo as printed: white paper border, lower contrast, halftone moiré and paper grain. */
export function printed(photo: RgbImage, random: () => number): RgbImage {
  const border = Math.round(photo.width * 0.12);
  const W = photo.width + 2 * border,
    H = photo.height + 2 * border;
  const out = new Uint8Array(W * H * 3).fill(238);
  const contrast = 0.75 + random() * 0.15,
    period = 2.5 + random() * 2,
    angle = random() * Math.PI;
  for (let y = 0; y < photo.height; y++)
    for (let x = 0; x < photo.width; x++) {
      const halftone = 6 * Math.sin(((x * Math.cos(angle) + y * Math.sin(angle)) * 2 * Math.PI) / period);
      for (let c = 0; c < 3; c++) {
        const v = 128 + (photo.data[(y * photo.width + x) * 3 + c]! - 128) * contrast + 12 + halftone;
        out[((y + border) * W + x + border) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, out[i]! + Math.round((random() - 0.5) * 8)));
  return { width: W, height: H, data: out };
}

/** The photo on a screen: black bezel, display gamma, moiré of the pixel grid and a glare band. */
export function onScreen(photo: RgbImage, random: () => number): RgbImage {
  const bezel = Math.round(photo.width * 0.08);
  const W = photo.width + 2 * bezel,
    H = photo.height + 2 * bezel;
  const out = new Uint8Array(W * H * 3).fill(18);
  const gamma = 0.7 + random() * 0.6,
    period = 3 + random() * 3,
    glareAt = random(),
    glareSlope = random() - 0.5;
  for (let y = 0; y < photo.height; y++)
    for (let x = 0; x < photo.width; x++) {
      const moire = 10 * Math.sin((2 * Math.PI * x) / period) * Math.sin((2 * Math.PI * y) / (period * 1.1));
      const glareDist = Math.abs(y / photo.height - glareAt - glareSlope * (x / photo.width));
      const glare = glareDist < 0.08 ? 50 * (1 - glareDist / 0.08) : 0;
      for (let c = 0; c < 3; c++) {
        const v = 255 * (photo.data[(y * photo.width + x) * 3 + c]! / 255) ** gamma + moire + glare;
        out[((y + bezel) * W + x + bezel) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  return { width: W, height: H, data: out };
}

/** A flat medium in the camera's view, held at (yaw, pitch) degrees and moving a little in the hand. */
function held(medium: RgbImage, yaw: number, pitch: number, random: () => number): RgbImage {
  let view = inScene(medium, random);
  if (yaw !== 0) view = tiltPhoto(view, view.width / 2, view.height / 2, yaw);
  if (pitch !== 0) view = transpose(tiltPhoto(transpose(view), view.height / 2, view.width / 2, pitch));
  return view;
}

function transpose(img: RgbImage): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++)
      for (let c = 0; c < 3; c++) out[(x * img.height + y) * 3 + c] = img.data[(y * img.width + x) * 3 + c]!;
  return { width: img.height, height: img.width, data: out };
}

const isTurn = (s: string): boolean => s === "TURN_LEFT" || s === "TURN_RIGHT";

/** Frames of a print, a perspective print, a screen or a warped static image answering `script`. */
export function photoAttack(
  type: Exclude<AttackType, "SEQUENCE_REPLAY">,
  photo: RgbImage,
  script: Script,
  startMs: number,
  seed: number,
): TimedFrame[] {
  const random = rng(seed);
  const times = attackTimes(script, startMs);
  const medium =
    type === "SCREEN_REPLAY" ? onScreen(photo, random) : type === "STATIC_WARPS" ? photo : printed(photo, random);
  const tilt = 30 + random() * 15; // what a hand does to a sheet for "turn your head": 30-45 degrees
  const images: RgbImage[] = [];
  const frameFor = (step: string | null): RgbImage => {
    const sign = step === "TURN_LEFT" ? 1 : step === "TURN_RIGHT" ? -1 : 0;
    if (type === "STATIC_WARPS") return warped(photo, sign, random);
    const yaw = sign * tilt + (type === "PRINT_PERSPECTIVE" ? (random() - 0.5) * 30 : (random() - 0.5) * 4);
    const pitch = type === "PRINT_PERSPECTIVE" ? (random() - 0.5) * 40 : 0;
    return held(medium, yaw, pitch, random);
  };
  images.push(frameFor(null));
  for (const step of script.steps) images.push(frameFor(isTurn(step) ? step : null), frameFor(null));
  return images.map((image, i) => ({ image: jitter(image, seed * 31 + i), timestampMs: times[i]! }));
}

/**
 * The digital photo under a global warp: small rotation, scale and shear every frame; for a turn,
 * a horizontal squeeze (cos 45 degrees) with a perspective lean towards the turned side.
 */
function warped(photo: RgbImage, turn: number, random: () => number): RgbImage {
  const angle = ((random() - 0.5) * 16 * Math.PI) / 180;
  const scale = 0.9 + random() * 0.2;
  const shear = (random() - 0.5) * 0.2;
  const squeeze = turn === 0 ? 1 : 0.7;
  const cx = photo.width / 2,
    cy = photo.height / 2;
  const cos = Math.cos(angle) * scale,
    sin = Math.sin(angle) * scale;
  // forward map: rotate/scale/shear about the centre, then squeeze x; warpImage wants dst -> src
  const a = cos * squeeze,
    b = (-sin + shear) * squeeze,
    d = sin,
    e = cos;
  const det = a * e - b * d;
  const ia = e / det,
    ib = -b / det,
    id = -d / det,
    ie = a / det;
  let out = warpImage(
    photo,
    [ia, ib, cx - ia * cx - ib * cy, id, ie, cy - id * cx - ie * cy],
    photo.width,
    photo.height,
    127,
  );
  if (turn !== 0) out = tiltPhoto(out, cx, cy, turn * 25);
  return out;
}

/** A frame as a replay tool passes it on: rescaled by `scale`, re-encoded as JPEG of `quality`. */
export const recode = async (image: RgbImage, quality: number, scale: number): Promise<RgbImage> =>
  decodeImage(
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(Math.round(image.width * scale))
      .jpeg({ quality })
      .toBuffer(),
  );

/**
 * An earlier genuine session re-used for a new challenge: each needed action taken from the
 * recording where it has it (else a neutral frame), re-encoded and rescaled (`recode`), re-timed
 * to the new prompts.
 */
export async function sequenceReplay(
  recording: { readonly frames: readonly RgbImage[]; readonly steps: readonly string[] },
  script: Script,
  startMs: number,
  seed: number,
): Promise<TimedFrame[]> {
  const random = rng(seed);
  const quality = Math.round(60 + random() * 35),
    scale = 0.85 + random() * 0.3;
  // recording layout (synthetic-frames.ts framesFor): neutral, then per step action + neutral
  const neutral = (k: number): RgbImage => recording.frames[Math.min(recording.frames.length - 1, 2 * k)]!;
  const actionFrame = (step: string): RgbImage | null => {
    const k = recording.steps.indexOf(step);
    return k < 0 ? null : recording.frames[2 * k + 1]!;
  };
  const images: RgbImage[] = [neutral(0)];
  script.steps.forEach((step, i) => images.push(actionFrame(step) ?? neutral(i + 1), neutral(i + 1)));
  const times = attackTimes(script, startMs);
  return Promise.all(
    // fresh noise on every frame, so that a frame used twice is not pixel-identical
    images.map(async (image, i) => ({
      image: jitter(await recode(image, quality, scale), seed * 31 + i),
      timestampMs: times[i]!,
    })),
  );
}
