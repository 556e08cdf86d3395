/** EF.DG15 (ICAO 9303 part 10 §4.7.15): tag 0x6F around the active-authentication SubjectPublicKeyInfo. */
import type { KeyObject } from "node:crypto";
import { childrenOf, decodeDer, encodingOf, expectOuterTag } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DATA_GROUP_TAGS } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
import { publicKeyFromSpki } from "./signatures.ts";

const FILE = "EF.DG15";

export class Dg15File {
  private constructor(
    readonly publicKey: KeyObject,
    readonly spki: Uint8Array,
  ) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): Dg15File {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxFileBytes, maxDepth: limits.maxDepth }),
      DATA_GROUP_TAGS[15],
    );
    const [spkiNode, ...rest] = childrenOf(outer);
    if (spkiNode === undefined || rest.length > 0) throw new ChipFileError(FILE, "expected one SubjectPublicKeyInfo");
    const spki = encodingOf(spkiNode);
    const publicKey = publicKeyFromSpki(FILE, spki);
    if (publicKey.asymmetricKeyType !== "rsa" && publicKey.asymmetricKeyType !== "ec") {
      throw new ChipFileError(FILE, `active-authentication key of type ${publicKey.asymmetricKeyType ?? "unknown"}`);
    }
    return new Dg15File(publicKey, spki);
  }
}
