/** EF.DG1 (ICAO 9303 part 10 §4.7.1): tag 0x61 around 0x5F1F, the MRZ as one string (TD1 90, TD3 88 chars). */
import { parseMrz, type MrzData } from "../mrz/parse.ts";
import { contentOf, decodeDer, expectOuterTag, getChild } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DATA_GROUP_TAGS } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";

const FILE = "EF.DG1";
const LINE_LENGTHS: Readonly<Record<number, number>> = { 90: 30, 88: 44 };

export class Dg1File {
  private constructor(
    readonly mrzLines: readonly string[],
    readonly mrz: MrzData,
  ) {}

  static parse(bytes: Uint8Array, options: { limits?: ChipLimits; now?: Date } = {}): Dg1File {
    const limits = options.limits ?? DEFAULT_CHIP_LIMITS;
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxFileBytes, maxDepth: limits.maxDepth }),
      DATA_GROUP_TAGS[1],
    );
    const text = Buffer.from(contentOf(FILE, getChild(FILE, outer, 0x5f1f))).toString("latin1");
    const lineLength = LINE_LENGTHS[text.length];
    if (lineLength === undefined)
      throw new ChipFileError(FILE, `MRZ of ${text.length} characters (TD1 has 90, TD3 88)`);
    const lines = text.match(new RegExp(`.{${lineLength}}`, "g")) ?? [];
    try {
      return new Dg1File(lines, parseMrz(lines, options.now));
    } catch (cause) {
      throw new ChipFileError(FILE, "MRZ not in the ICAO character set", { cause });
    }
  }
}
