/** QR symbol for the card payload, via @zxing/library's encoder (UTF-8 byte mode, fixed version). */
import zxing from "@zxing/library";

// @zxing/library is CommonJS without statically detectable named exports.
const { EncodeHintType, QRCodeDecoderErrorCorrectionLevel, QRCodeEncoder } = zxing;

/** Fixed version 10 (57 modules): the card layout, and the reader's QR anchor, rely on it. */
export const QR_VERSION = 10;
export const QR_MODULES = 17 + 4 * QR_VERSION;

/** Returns a row-major module matrix (1 = dark) of QR_MODULES × QR_MODULES. */
export function qrModules(payload: string): Uint8Array {
  const hints = new Map<zxing.EncodeHintType, unknown>([
    [EncodeHintType.CHARACTER_SET, "UTF-8"],
    [EncodeHintType.QR_VERSION, QR_VERSION],
  ]);
  const code = QRCodeEncoder.encode(payload, QRCodeDecoderErrorCorrectionLevel.M, hints);
  const matrix = code.getMatrix();
  const size = matrix.getWidth();
  if (size !== QR_MODULES) throw new Error(`unexpected QR size ${size}`);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = matrix.get(x, y) === 1 ? 1 : 0;
  return out;
}
