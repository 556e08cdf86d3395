/**
 * Raw list bytes → text, refusing what is not UTF-8 rather than guessing (a mis-decoded list
 * would screen the wrong names without anyone noticing). Bounded by a size limit.
 */
import { SanctionsListEncodingError, SanctionsListTooLargeError } from "../errors.ts";

/** Default bound on a list file; the published OFAC sdn.xml is a few tens of MB. */
export const DEFAULT_MAX_LIST_BYTES = 128 * 1024 * 1024;

export function decodeListBytes(bytes: Uint8Array, maxBytes = DEFAULT_MAX_LIST_BYTES): string {
  if (!(bytes instanceof Uint8Array)) throw new SanctionsListEncodingError("input is not bytes");
  if (bytes.byteLength > maxBytes) throw new SanctionsListTooLargeError("file size in bytes", maxBytes);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new SanctionsListEncodingError("UTF-16 byte order mark");
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start));
  } catch (cause) {
    throw new SanctionsListEncodingError("invalid UTF-8 byte sequence", { cause });
  }
}
