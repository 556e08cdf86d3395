/** Public API of document verification. */
export {
  readDocument,
  createDocumentEngines,
  isFlagged,
  type DocumentEngines,
  type DocumentImages,
  type ReadDocumentOptions,
} from "./read-document.ts";
export type {
  DocumentResult,
  FieldResult,
  Disagreement,
  Signal,
  SignalCode,
  DocumentChecks,
  DocumentTimings,
  DocumentFieldName,
  DocumentSource,
  DocumentType,
  Agreement,
} from "./types.ts";
export { DOCUMENT_FIELDS } from "./types.ts";
export {
  InvalidImageError,
  ImageTooLargeError,
  ImageTooSmallError,
  QrPayloadError,
  MrzFormatError,
  DocumentNotFoundError,
  OcrEngineError,
} from "./errors.ts";
export { DEFAULT_IMAGE_LIMITS, type ImageLimits } from "./image.ts";
export { parseCccdQr, type CccdQrData } from "./qr/cccd-payload.ts";
export { parseMrz, type MrzData } from "./mrz/parse.ts";
