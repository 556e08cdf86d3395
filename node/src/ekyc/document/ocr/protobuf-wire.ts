/**
 * The protocol-buffers wire format at the level of fields, over @bufbuild/protobuf's binary reader
 * and writer: a message is a list of (field number, wire type, value bytes) in the order written,
 * decoded without a schema and encoded back byte for byte. The ONNX rewrite of onnx-fusion.ts needs
 * no more than that: it changes a few nodes and initializers of a model and passes every other field
 * through untouched, so no generated ONNX classes are needed (`onnx-proto`'s generated classes do not
 * give untouched fields back byte for byte). Groups (wire types 3 and 4, unused by ONNX) are refused.
 *
 * This replaced a hand-written codec of the same shape. Measured on one core at load 11, median of
 * 9 rewrites: the recogniser's whole rewrite 0.56-0.63 s before, 0.72-0.76 s now; the detector's
 * 0.28-0.35 s before, 0.38-0.41 s now. Once per OCR worker start, for no parsing code of our own.
 */
import { BinaryReader, BinaryWriter, WireType as Wire } from "@bufbuild/protobuf/wire";

export const VARINT = Wire.Varint,
  FIXED64 = Wire.Bit64,
  BYTES = Wire.LengthDelimited,
  FIXED32 = Wire.Bit32;

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

const isWireType = (type: Wire): type is WireType =>
  type === VARINT || type === FIXED64 || type === BYTES || type === FIXED32;

export function decodeMessage(buffer: Uint8Array): WireField[] {
  const reader = new BinaryReader(buffer);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const at = reader.pos;
    let field = 0;
    try {
      const [number, type] = reader.tag();
      field = number;
      if (!isWireType(type)) throw new WireFormatError(`unsupported wire type ${type} for field ${field}`);
      fields.push({ field, type, bytes: type === BYTES ? reader.bytes() : reader.skip(type) });
    } catch (error) {
      if (error instanceof WireFormatError) throw error;
      const what = field === 0 ? "a field tag" : `field ${field}`;
      throw new WireFormatError(`${what} at byte ${at}: ${(error as Error).message}`, { cause: error });
    }
  }
  return fields;
}

export function encodeMessage(fields: readonly WireField[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const { field, type, bytes } of fields) {
    writer.tag(field, type);
    if (type === BYTES) writer.bytes(bytes);
    else writer.raw(bytes);
  }
  return writer.finish();
}

/** The int64 values of a field: one varint, or a packed run of them. */
export function int64Values(f: WireField): number[] {
  const reader = new BinaryReader(f.bytes);
  const out: number[] = [];
  while (reader.pos < reader.len) {
    const value = Number(reader.int64());
    if (!Number.isSafeInteger(value)) throw new WireFormatError(`field ${f.field}: an int64 beyond 2^53`);
    out.push(value);
  }
  return out;
}

/** A single varint field's value. */
export function varintValue(f: WireField): number {
  const [value] = int64Values(f);
  if (f.type !== VARINT || value === undefined) throw new WireFormatError(`field ${f.field} is not a varint`);
  return value;
}

export const stringField = (field: number, value: string): WireField => ({
  field,
  type: BYTES,
  bytes: new TextEncoder().encode(value),
});

export const varintField = (field: number, value: number): WireField => ({
  field,
  type: VARINT,
  bytes: new BinaryWriter().int64(value).finish(),
});

export const messageField = (field: number, fields: readonly WireField[]): WireField => ({
  field,
  type: BYTES,
  bytes: encodeMessage(fields),
});

export const float32Field = (field: number, value: number): WireField => ({
  field,
  type: FIXED32,
  bytes: new BinaryWriter().float(value).finish(),
});

export const text = (f: WireField): string => new TextDecoder().decode(f.bytes);
