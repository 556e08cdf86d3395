/**
 * One face from one image: decode (bounded), detect, insist on exactly one usable face, landmarks,
 * aligned embedding. This is the "detect + align + embed" unit the benchmark times per face, shared by
 * matching, liveness and templates.
 */
import { FaceError } from "./errors.ts";
import type { FaceLandmarks, FaceModel } from "./face-model.ts";
import { boxHeight, boxWidth, type ScoredBox } from "./geometry.ts";
import { decodeImage, pixelHash, type DecodeLimits, type DecodedImage, type RgbImage } from "./image.ts";

export interface ReadFaceOptions {
  /** Faces whose box is smaller than this on its short side (pixels) are ignored; if only such faces exist: FACE_TOO_SMALL. */
  minFaceSize?: number;
  limits?: DecodeLimits;
}

export const DEFAULT_MIN_FACE_SIZE = 40;

export interface FaceReading {
  readonly image: RgbImage;
  /** SHA-256 of the encoded bytes (when read from bytes) and of the decoded pixels. */
  readonly bytesSha256: string | null;
  readonly pixelSha256: string;
  readonly box: ScoredBox;
  readonly landmarks: FaceLandmarks;
  readonly embedding: Float32Array;
  readonly timingsMs: {
    readonly decode: number;
    readonly detect: number;
    readonly landmarks: number;
    readonly embed: number;
  };
}

/** Image input: encoded bytes (untrusted, decoded with limits) or already-decoded pixels. */
export type FaceImageInput = Uint8Array | RgbImage;

export async function loadFaceImage(
  input: FaceImageInput,
  limits?: DecodeLimits,
): Promise<{ image: RgbImage; bytesSha256: string | null }> {
  if (input instanceof Uint8Array) {
    const decoded: DecodedImage = await decodeImage(input, limits);
    return { image: decoded, bytesSha256: decoded.sha256 };
  }
  if (!isRgbImage(input)) throw new FaceError("FACE_IMAGE_INVALID", "image is neither encoded bytes nor RGB pixels");
  return { image: input, bytesSha256: null };
}

function isRgbImage(v: unknown): v is RgbImage {
  const x = v as RgbImage;
  return (
    typeof x === "object" &&
    x !== null &&
    Number.isInteger(x.width) &&
    Number.isInteger(x.height) &&
    x.width > 0 &&
    x.height > 0 &&
    x.data instanceof Uint8Array &&
    x.data.length === x.width * x.height * 3
  );
}

/**
 * A face box lying at least this much inside a larger face's box is part of that face read twice (the
 * detector finds the eyes and glasses of a turned face as a face of their own; IoU suppression keeps
 * both, a small box inside a large one having a small IoU). Another person's face cannot be seen
 * inside a face's box without covering that face.
 */
const NESTED_SHARE = 0.9;
const area = (b: ScoredBox): number => boxWidth(b) * boxHeight(b);
/** The share of `inner`'s area inside `outer`. */
function shareInside(inner: ScoredBox, outer: ScoredBox): number {
  const w = Math.min(inner.x2, outer.x2) - Math.max(inner.x1, outer.x1);
  const h = Math.min(inner.y2, outer.y2) - Math.max(inner.y1, outer.y1);
  return w > 0 && h > 0 ? (w * h) / area(inner) : 0;
}

/**
 * Picks the single usable face or throws FACE_NOT_FOUND / FACE_TOO_SMALL / FACE_MULTIPLE. A face
 * nested inside a larger one (NESTED_SHARE) is not counted.
 */
export function selectSingleFace(faces: readonly ScoredBox[], minFaceSize: number): ScoredBox {
  const large = faces.filter((f) => Math.min(boxWidth(f), boxHeight(f)) >= minFaceSize);
  const usable = large.filter(
    (f) => !large.some((g) => g !== f && area(g) > area(f) && shareInside(f, g) >= NESTED_SHARE),
  );
  if (usable.length === 1) return usable[0]!;
  if (usable.length > 1) {
    throw new FaceError("FACE_MULTIPLE", `${usable.length} faces in the image, expected one`, {
      details: { faces: usable.length },
    });
  }
  if (faces.length > 0) {
    const largest = Math.max(...faces.map((f) => Math.min(boxWidth(f), boxHeight(f))));
    throw new FaceError("FACE_TOO_SMALL", `face is ${Math.round(largest)} px, minimum ${minFaceSize} px`, {
      details: { size: Math.round(largest), minFaceSize },
    });
  }
  throw new FaceError("FACE_NOT_FOUND", "no face in the image");
}

export async function readFace(
  model: FaceModel,
  input: FaceImageInput,
  options: ReadFaceOptions = {},
): Promise<FaceReading> {
  const t0 = performance.now();
  const { image, bytesSha256 } = await loadFaceImage(input, options.limits);
  const t1 = performance.now();
  const box = selectSingleFace(await model.detect(image), options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE);
  const t2 = performance.now();
  const landmarks = await model.landmarks(image, box);
  const t3 = performance.now();
  const embedding = await model.embed(image, landmarks);
  const t4 = performance.now();
  return {
    image,
    bytesSha256,
    pixelSha256: pixelHash(image),
    box,
    landmarks,
    embedding,
    timingsMs: { decode: t1 - t0, detect: t2 - t1, landmarks: t3 - t2, embed: t4 - t3 },
  };
}
