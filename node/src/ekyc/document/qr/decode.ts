/**
 * Finds and decodes the QR on a card photo: @zxing/library first (hybrid binariser, TRY_HARDER),
 * jsQR as fallback, then retries on preprocessed copies (downscaled, contrast-stretched,
 * thresholded). Returns the text and the three finder-pattern centres, which the front reader
 * uses as an anchor to rectify the card.
 */
import jsQRModule, { type QRCode } from "jsqr";
import zxing from "@zxing/library";

// jsqr is CommonJS with `exports.default`: under Node ESM the callable is one level down.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: "attemptBoth" | "dontInvert" | "onlyInvert" | "invertFirst" },
) => QRCode | null;

const { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource, BarcodeFormat } = zxing;

export type Point = [number, number];

export interface QrReading {
  text: string;
  /** Finder-pattern centres in the coordinates of the image given to `decodeQr`. */
  finders: { topLeft: Point; topRight: Point; bottomLeft: Point };
  decoder: "zxing" | "jsqr";
  attempt: string;
}

interface Gray {
  data: Uint8Array;
  width: number;
  height: number;
}

function tryZxing(img: Gray, tryHarder: boolean): { text: string; finders: QrReading["finders"] } | null {
  const hints = new Map<zxing.DecodeHintType, unknown>([
    [DecodeHintType.TRY_HARDER, tryHarder],
    [DecodeHintType.CHARACTER_SET, "UTF-8"],
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE]],
  ]);
  try {
    const source = new RGBLuminanceSource(
      new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length),
      img.width,
      img.height,
    );
    const result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
    const pts = result.getResultPoints();
    const [bl, tl, tr] = pts;
    if (bl === undefined || tl === undefined || tr === undefined) return null;
    return {
      text: result.getText(),
      finders: {
        bottomLeft: [bl.getX(), bl.getY()],
        topLeft: [tl.getX(), tl.getY()],
        topRight: [tr.getX(), tr.getY()],
      },
    };
  } catch {
    return null; // NotFound / Checksum / Format exceptions: no QR in this attempt
  }
}

function tryJsqr(img: Gray): { text: string; finders: QrReading["finders"] } | null {
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i] as number;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  const code = jsQR(rgba, img.width, img.height, { inversionAttempts: "attemptBoth" });
  if (code === null) return null;
  const text = new TextDecoder("utf-8").decode(Uint8Array.from(code.binaryData));
  const l = code.location;
  return {
    text,
    finders: {
      topLeft: [l.topLeftFinderPattern.x, l.topLeftFinderPattern.y],
      topRight: [l.topRightFinderPattern.x, l.topRightFinderPattern.y],
      bottomLeft: [l.bottomLeftFinderPattern.x, l.bottomLeftFinderPattern.y],
    },
  };
}

function downscale(img: Gray, factor: number): Gray {
  const width = Math.max(1, Math.floor(img.width / factor)),
    height = Math.max(1, Math.floor(img.height / factor));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x + 0.5) * factor)),
        sy = Math.min(img.height - 1, Math.floor((y + 0.5) * factor));
      data[y * width + x] = img.data[sy * img.width + sx] as number;
    }
  }
  return { data, width, height };
}

/** 3×3 box blur: sensor noise breaks the binariser's module edges; smoothing restores them. */
function smooth(img: Gray): Gray {
  const { width, height } = img;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0,
        n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          sum += img.data[yy * width + xx] as number;
          n++;
        }
      }
      data[y * width + x] = Math.round(sum / n);
    }
  }
  return { data, width, height };
}

/** Linear stretch of the 2nd–98th percentile to 0–255 (helps glare and washed-out photos). */
function stretch(img: Gray): Gray {
  const hist = new Uint32Array(256);
  for (const v of img.data) hist[v] = (hist[v] as number) + 1;
  const n = img.data.length;
  let lo = 0,
    hi = 255,
    acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v] as number;
    if (acc >= n * 0.02) {
      lo = v;
      break;
    }
  }
  acc = 0;
  for (let v = 255; v >= 0; v--) {
    acc += hist[v] as number;
    if (acc >= n * 0.02) {
      hi = v;
      break;
    }
  }
  const range = Math.max(1, hi - lo);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    data[i] = Math.max(0, Math.min(255, Math.round((((img.data[i] as number) - lo) * 255) / range)));
  return { data, width: img.width, height: img.height };
}

function scalePoints(f: QrReading["finders"], s: number): QrReading["finders"] {
  const m = (p: Point): Point => [p[0] * s, p[1] * s];
  return { topLeft: m(f.topLeft), topRight: m(f.topRight), bottomLeft: m(f.bottomLeft) };
}

/** Long side up to which jsQR gets the unprocessed photo (see decodeQr). */
const JSQR_ORIGINAL_MAX_SIDE = 1000;

/**
 * Decodes the first QR found; null when every attempt fails. Cheap attempts first (zxing on the
 * original, then on a smoothed copy, contrast-stretched, halved), then jsQR on the smoothed copy,
 * and jsQR on the original last and only for small photos: on a noisy full-size photo it spends
 * up to 2 s failing, and on 90 generated cards it was the only decoder to succeed just on the
 * strongly downscaled ones (720 px). Bounded: ≈ 0.2 s for a photo with no readable QR.
 */
export function decodeQr(data: Uint8Array, width: number, height: number): QrReading | null {
  const original: Gray = { data, width, height };
  let smoothed: Gray | null = null;
  const getSmoothed = (): Gray => (smoothed ??= smooth(original));
  const attempts: Array<{
    name: string;
    image: () => Gray;
    scale: number;
    decoder: "zxing" | "jsqr";
    tryHarder: boolean;
  }> = [
    { name: "original", image: () => original, scale: 1, decoder: "zxing", tryHarder: false },
    { name: "smoothed", image: getSmoothed, scale: 1, decoder: "zxing", tryHarder: false },
    { name: "stretched", image: () => stretch(getSmoothed()), scale: 1, decoder: "zxing", tryHarder: true },
    { name: "half", image: () => downscale(original, 2), scale: 2, decoder: "zxing", tryHarder: true },
    { name: "smoothed", image: getSmoothed, scale: 1, decoder: "jsqr", tryHarder: false },
  ];
  if (Math.max(width, height) <= JSQR_ORIGINAL_MAX_SIDE)
    attempts.push({ name: "original", image: () => original, scale: 1, decoder: "jsqr", tryHarder: false });
  for (const attempt of attempts) {
    const img = attempt.image();
    const found = attempt.decoder === "zxing" ? tryZxing(img, attempt.tryHarder) : tryJsqr(img);
    if (found !== null)
      return {
        text: found.text,
        finders: scalePoints(found.finders, attempt.scale),
        decoder: attempt.decoder,
        attempt: attempt.name,
      };
  }
  return null;
}
