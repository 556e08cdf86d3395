/** Typed errors of document verification; every one carries a stable code and a human reason. */
import { KycnetError } from "@kycnet/sdk/errors";

/** Input bytes are not a decodable image (not an image at all, or truncated/corrupt). */
export class InvalidImageError extends KycnetError {
  constructor(side: string, reason: string, options: { cause?: unknown } = {}) {
    super("DOCUMENT_IMAGE_INVALID", `${side} image: ${reason}`, { details: { side, reason }, ...options });
  }
}

/** Input exceeds the byte or pixel limit; rejected before any full decode. */
export class ImageTooLargeError extends KycnetError {
  constructor(side: string, what: "bytes" | "pixels", actual: number, limit: number) {
    super("DOCUMENT_IMAGE_TOO_LARGE", `${side} image: ${actual} ${what} exceeds the limit of ${limit}`, {
      details: { side, what, actual, limit },
    });
  }
}

/** Image is too small to hold even a legible MRZ (characters about 8 px high). */
export class ImageTooSmallError extends KycnetError {
  constructor(side: string, width: number, height: number, minimum: { shortSide: number; longSide: number }) {
    super(
      "DOCUMENT_IMAGE_TOO_SMALL",
      `${side} image: ${width}x${height} is too small to hold legible text ` +
        `(at least ${minimum.longSide}x${minimum.shortSide} px: two MRZ rows of 8 px characters)`,
      { details: { side, width, height, minShortSide: minimum.shortSide, minLongSide: minimum.longSide } },
    );
  }
}

/** The QR was decoded but its content is not a valid CCCD payload. */
export class QrPayloadError extends KycnetError {
  constructor(reason: string, field?: string) {
    super("QR_PAYLOAD_INVALID", `CCCD QR payload: ${reason}`, {
      details: field === undefined ? { reason } : { reason, field },
    });
  }
}

/** Text that should be an MRZ does not have a TD1 or TD3 shape. */
export class MrzFormatError extends KycnetError {
  constructor(reason: string) {
    super("MRZ_FORMAT_INVALID", `MRZ: ${reason}`, { details: { reason } });
  }
}

/** Nothing identifiable as an identity document was found: no QR, no MRZ and no readable printed fields. */
export class DocumentNotFoundError extends KycnetError {
  constructor(reason: string) {
    super("DOCUMENT_NOT_FOUND", `no identity document found: ${reason}`, { details: { reason } });
  }
}

/** The photo holds another kind of document than the one the session declared (an ID card for a passport). */
export class DocumentKindMismatchError extends KycnetError {
  constructor(expected: string, reason: string) {
    super("DOCUMENT_KIND_MISMATCH", `not a ${expected.toLowerCase()} data page: ${reason}`, {
      details: { expected, reason },
    });
  }
}

/** A local OCR engine or its data (model, language file) could not be loaded. */
export class OcrEngineError extends KycnetError {
  constructor(engine: string, reason: string, options: { cause?: unknown } = {}) {
    super("OCR_ENGINE_UNAVAILABLE", `${engine}: ${reason}`, { details: { engine, reason }, ...options });
  }
}
