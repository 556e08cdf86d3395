/**
 * Checks on uploaded image bytes before they reach the pipeline: the declared type must match the
 * file's magic bytes, sizes are bounded, and base64 frames are decoded only after their length and
 * alphabet are known to be sane (never an unbounded allocation).
 */
import { ApiError } from "./errors.ts";
import type { ImageMime } from "../onboarding/ports.ts";

export const IMAGE_MIMES: readonly ImageMime[] = ["image/jpeg", "image/png"];

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** The image type the bytes actually are, or undefined. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | undefined {
  if (startsWith(bytes, JPEG_MAGIC)) return "image/jpeg";
  if (startsWith(bytes, PNG_MAGIC)) return "image/png";
  return undefined;
}

/** Throws IMAGE_TYPE_MISMATCH unless `bytes` are a `declared` image; `what` names it in the error. */
export function assertImage(bytes: Uint8Array, declared: ImageMime, what: string): void {
  if (bytes.length === 0) throw new ApiError("IMAGE_TYPE_MISMATCH", `${what} is empty`, { what });
  const actual = sniffImageMime(bytes);
  if (actual !== declared) {
    throw new ApiError(
      "IMAGE_TYPE_MISMATCH",
      `${what} is declared ${declared} but its bytes are ${actual ?? "not a JPEG or PNG image"}`,
      { what },
    );
  }
}

/** The media type of a Content-Type header without parameters, lower-cased. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes standard base64 of at most `maxBytes` decoded bytes; throws VALIDATION_FAILED-style errors. */
export function decodeBase64Image(text: string, maxBytes: number, what: string): Uint8Array {
  const maxChars = Math.ceil(maxBytes / 3) * 4;
  if (text.length > maxChars) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `${what} is over the limit of ${maxBytes} bytes`, {
      what,
      limit: maxBytes,
    });
  }
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new ApiError("INVALID_ARGUMENT", `${what} is not standard base64`, { what });
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.length > maxBytes) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `${what} is over the limit of ${maxBytes} bytes`, {
      what,
      limit: maxBytes,
    });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
