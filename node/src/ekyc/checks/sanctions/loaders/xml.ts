/**
 * Strict XML parsing for list files with fast-xml-parser: the document must be well formed
 * (validated first, so a truncated download is an error, not a shorter list), declare no
 * encoding other than UTF-8, and carry no DTD (the published lists have none; refusing it rules
 * out entity-expansion attacks outright).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { SanctionsListEncodingError, SanctionsListMalformedError } from "../errors.ts";
import type { SanctionsSource } from "../port.ts";

export type XmlNode = Record<string, unknown>;

export function parseListXml(text: string, format: SanctionsSource, arrayTags: ReadonlySet<string>): XmlNode {
  const declaration = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(text);
  if (declaration && !/^utf-?8$/i.test(declaration[1] as string)) {
    throw new SanctionsListEncodingError(`declared encoding ${declaration[1]}`);
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new SanctionsListMalformedError(format, "DTDs and entity declarations are not allowed");
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new SanctionsListMalformedError(format, `not well-formed XML: ${valid.err.msg}`, { line: valid.err.line });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    removeNSPrefix: true,
    isArray: (name) => arrayTags.has(name),
  });
  try {
    return parser.parse(text) as XmlNode;
  } catch (cause) {
    throw new SanctionsListMalformedError(format, "XML parser failed", { cause });
  }
}

/** The text of an element: a string, `#text` of an element with attributes, or "". */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (value !== null && typeof value === "object" && typeof (value as XmlNode)["#text"] === "string") {
    return ((value as XmlNode)["#text"] as string).trim();
  }
  return "";
}

/** A child element as an object, or undefined. */
export function childOf(node: unknown, name: string): XmlNode | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const child = (node as XmlNode)[name];
  return child !== null && typeof child === "object" && !Array.isArray(child) ? (child as XmlNode) : undefined;
}

/** Children parsed as arrays (tags in `arrayTags`); anything else yields []. */
export function listOf(node: unknown, name: string): unknown[] {
  if (node === null || typeof node !== "object") return [];
  const child = (node as XmlNode)[name];
  return Array.isArray(child) ? child : [];
}
