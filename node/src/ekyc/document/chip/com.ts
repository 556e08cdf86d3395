/** EF.COM (ICAO 9303 part 10 §4.6.1): LDS and Unicode versions and the list of data-group tags present. */
import { contentOf, decodeDer, expectOuterTag, findChild, getChild } from "./der.ts";
import { COM_TAG, dataGroupForTag, type DataGroupNumber } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";

const FILE = "EF.COM";

export class ComFile {
  private constructor(
    readonly ldsVersion: string | null,
    readonly unicodeVersion: string | null,
    /** Data groups the chip says it holds (unknown tags are ignored). */
    readonly dataGroups: readonly DataGroupNumber[],
  ) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): ComFile {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxFileBytes, maxDepth: limits.maxDepth }),
      COM_TAG,
    );
    const text = (tag: number): string | null => {
      const el = findChild(outer, tag);
      return el === null ? null : Buffer.from(contentOf(FILE, el)).toString("latin1");
    };
    const tags = contentOf(FILE, getChild(FILE, outer, 0x5c));
    const dataGroups = [...tags].map(dataGroupForTag).filter((n): n is DataGroupNumber => n !== null);
    return new ComFile(text(0x5f01), text(0x5f36), dataGroups);
  }
}
