/**
 * Bounded ASN.1 decoding on top of asn1js: a size limit before decoding, the whole input must be
 * one element (no trailing bytes), nesting no deeper than the limit (asn1js itself recurses without
 * bound, so a stack overflow is caught and reported as malformed input), and small typed accessors
 * that throw ChipFileError instead of returning undefined.
 */
import * as asn1js from "asn1js";
import { ChipFileError } from "./errors.ts";

export interface DecodeBounds {
  maxBytes: number;
  maxDepth: number;
}

/** Decodes `bytes` as exactly one BER/DER element within the bounds. */
export function decodeDer(file: string, bytes: Uint8Array, bounds: DecodeBounds): asn1js.AsnType {
  if (bytes.length === 0) throw new ChipFileError(file, "empty");
  if (bytes.length > bounds.maxBytes)
    throw new ChipFileError(file, `${bytes.length} bytes exceeds the limit of ${bounds.maxBytes}`);
  let decoded: ReturnType<typeof asn1js.fromBER>;
  try {
    decoded = asn1js.fromBER(bytes);
  } catch (cause) {
    // asn1js recurses once per nesting level: absurd nesting ends in a RangeError (stack), caught here.
    throw new ChipFileError(file, "undecodable ASN.1 (nesting too deep)", { cause });
  }
  if (decoded.offset === -1 || decoded.result.error !== "") {
    throw new ChipFileError(file, `malformed ASN.1: ${decoded.result.error || "cannot decode"}`);
  }
  if (decoded.offset !== bytes.length) {
    throw new ChipFileError(file, `${bytes.length - decoded.offset} bytes after the end of the outer element`);
  }
  const depth = depthOf(decoded.result, bounds.maxDepth + 1);
  if (depth > bounds.maxDepth) throw new ChipFileError(file, `ASN.1 nesting deeper than ${bounds.maxDepth}`);
  return decoded.result;
}

/** Nesting depth of a decoded element, counting stops at `cap`. */
function depthOf(node: asn1js.AsnType, cap: number): number {
  const children = childrenOf(node);
  if (children.length === 0 || cap <= 1) return 1;
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, depthOf(child, cap - 1));
  return 1 + deepest;
}

export function childrenOf(node: asn1js.AsnType): asn1js.AsnType[] {
  const block = (node as { valueBlock?: { value?: unknown } }).valueBlock;
  return Array.isArray(block?.value) ? (block.value as asn1js.AsnType[]) : [];
}

export type TagClass = "universal" | "application" | "context" | "private";
const CLASSES: readonly TagClass[] = ["universal", "universal", "application", "context", "private"];

/** The tag of an element as class, constructed flag and number (0x7F61 → application, constructed, 0x61). */
export function tagOf(node: asn1js.AsnType): { tagClass: TagClass; constructed: boolean; number: number } {
  const id = node.idBlock;
  return { tagClass: CLASSES[id.tagClass] ?? "private", constructed: id.isConstructed, number: id.tagNumber };
}

/** True when the element has this application/context tag, written as on the wire (e.g. 0x75, 0x5F1F, 0x7F61). */
export function hasTag(node: asn1js.AsnType, wireTag: number): boolean {
  const expected = parseWireTag(wireTag);
  const actual = tagOf(node);
  return (
    actual.tagClass === expected.tagClass &&
    actual.constructed === expected.constructed &&
    actual.number === expected.number
  );
}

/** 0x61 → application constructed 1; 0x5F1F → application primitive 31; 0x7F61 → application constructed 97. */
export function parseWireTag(wireTag: number): { tagClass: TagClass; constructed: boolean; number: number } {
  const first = wireTag > 0xff ? wireTag >> 8 : wireTag;
  const tagClass = (["universal", "application", "context", "private"] as const)[first >> 6] ?? "universal";
  const constructed = (first & 0x20) !== 0;
  const number = wireTag > 0xff ? wireTag & 0x7f : first & 0x1f;
  return { tagClass, constructed, number };
}

export const hex = (tag: number): string => `0x${tag.toString(16).toUpperCase()}`;

/** The element as wire bytes again (its exact encoding as read). */
export function encodingOf(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.valueBeforeDecodeView);
}

/** The content octets of a primitive element. */
export function contentOf(file: string, node: asn1js.AsnType): Uint8Array {
  const view = (node as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView;
  if (view === undefined || tagOf(node).constructed) throw new ChipFileError(file, "expected a primitive element");
  return view;
}

/** The first child with the wire tag, or null. */
export function findChild(node: asn1js.AsnType, wireTag: number): asn1js.AsnType | null {
  return childrenOf(node).find((c) => hasTag(c, wireTag)) ?? null;
}

/** The first child with the wire tag; a ChipFileError when absent. */
export function getChild(file: string, node: asn1js.AsnType, wireTag: number): asn1js.AsnType {
  const child = findChild(node, wireTag);
  if (child === null) throw new ChipFileError(file, `missing element ${hex(wireTag)}`);
  return child;
}

/** Checks the outer tag of an elementary file and returns its element. */
export function expectOuterTag(file: string, node: asn1js.AsnType, wireTag: number): asn1js.AsnType {
  if (!hasTag(node, wireTag)) {
    const t = tagOf(node);
    throw new ChipFileError(
      file,
      `outer tag is ${t.tagClass} ${t.constructed ? "constructed" : "primitive"} ${t.number}, expected ${hex(wireTag)}`,
    );
  }
  return node;
}

/** Unsigned big-endian integer from up to 6 bytes (sizes, counts). */
export function uintOf(bytes: Uint8Array): number {
  let value = 0;
  for (const b of bytes.subarray(Math.max(0, bytes.length - 6))) value = value * 256 + b;
  return value;
}
