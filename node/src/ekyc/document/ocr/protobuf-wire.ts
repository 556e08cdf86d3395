/**
 * The protocol-buffers wire format at the level of fields: a message is a list of (field number,
 * wire type, value bytes) in the order written, decoded without a schema and encoded back byte for
 * byte. The ONNX rewrite of onnx-fusion.ts needs no more than that: it changes a few nodes and
 * initializers of a model and passes every other field through untouched, so no generated ONNX
 * classes are needed. Groups (wire types 3 and 4, unused by ONNX) are refused.
 *
 * The library alternative is `onnx-proto` (ONNX's classes generated for protobufjs 6): it decodes
 * and re-encodes the recogniser's 10.8 MB model in about 28 ms here (7 ms decode, 21 ms encode),
 * and does not give the same bytes back for untouched fields. Moving the rewrite onto it is
 * possible; this codec was kept because the rewrite was written and tested field by field on it.
 */

export const VARINT = 0,
  FIXED64 = 1,
  BYTES = 2,
  FIXED32 = 5;

export type WireType = typeof VARINT | typeof FIXED64 | typeof BYTES | typeof FIXED32;

export interface WireField {
  field: number;
  type: WireType;
  /** The value as written: a varint's own bytes, 8 or 4 bytes, or a length-delimited payload. */
  bytes: Uint8Array;
}

/**
 * Malformed protobuf bytes. Internal: the only input is a pinned model file, and loadPaddleOcr
 * reports any failure to load it as OCR_ENGINE_UNAVAILABLE with this error as the cause.
 */
export class WireFormatError extends Error {
  override name = "WireFormatError";
}

/** Reads a varint at `at`: its value (exact up to 2^53) and the offset after it. */
function readVarint(buffer: Uint8Array, at: number): { value: number; next: number } {
  let value = 0,
    scale = 1,
    i = at;
  for (;;) {
    if (i >= buffer.length || i - at >= 10) throw new WireFormatError(`truncated varint at byte ${at}`);
    const byte = buffer[i++] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: i };
  }
}

export function decodeMessage(buffer: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buffer.length) {
    const tag = readVarint(buffer, at);
    const field = Math.floor(tag.value / 8),
      type = tag.value % 8;
    at = tag.next;
    let end: number;
    if (type === VARINT) end = readVarint(buffer, at).next;
    else if (type === FIXED64) end = at + 8;
    else if (type === FIXED32) end = at + 4;
    else if (type === BYTES) {
      const length = readVarint(buffer, at);
      at = length.next;
      end = at + length.value;
    } else throw new WireFormatError(`unsupported wire type ${type} for field ${field}`);
    if (end > buffer.length) throw new WireFormatError(`field ${field} runs past the end of its message`);
    fields.push({ field, type, bytes: buffer.subarray(at, end) });
    at = end;
  }
  return fields;
}

function varintBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new WireFormatError(`cannot encode ${value} as a varint`);
  const out: number[] = [];
  let v = value;
  do {
    const low = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? low | 0x80 : low);
  } while (v > 0);
  return Uint8Array.from(out);
}

export function encodeMessage(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { field, type, bytes } of fields) {
    parts.push(varintBytes(field * 8 + type));
    if (type === BYTES) parts.push(varintBytes(bytes.length));
    parts.push(bytes);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A varint field's value (non-negative integers: ONNX dims, types and attribute ints used here). */
export const varintValue = (f: WireField): number => readVarint(f.bytes, 0).value;

export const stringField = (field: number, value: string): WireField => ({
  field,
  type: BYTES,
  bytes: new TextEncoder().encode(value),
});

export const varintField = (field: number, value: number): WireField => ({
  field,
  type: VARINT,
  bytes: varintBytes(value),
});

export const messageField = (field: number, fields: readonly WireField[]): WireField => ({
  field,
  type: BYTES,
  bytes: encodeMessage(fields),
});

export const float32Field = (field: number, value: number): WireField => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return { field, type: FIXED32, bytes };
};

export const text = (f: WireField): string => new TextDecoder().decode(f.bytes);
