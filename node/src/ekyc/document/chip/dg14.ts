/**
 * EF.DG14 (ICAO 9303 part 10 §4.7.14, part 11 §9.2): SecurityInfos, the protocols the chip supports
 * (Chip Authentication and its public key, PACE, Terminal Authentication, and ActiveAuthenticationInfo
 * naming the ECDSA active-authentication hash). Recorded as evidence; this node does not run Chip
 * Authentication itself (the phone does, with the chip).
 */
import * as asn1js from "asn1js";
import { createHash } from "node:crypto";
import { childrenOf, decodeDer, encodingOf, expectOuterTag } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DATA_GROUP_TAGS } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
import { OID, SECURITY_INFO_PREFIXES } from "./oids.ts";

const FILE = "EF.DG14";

export interface SecurityInfo {
  protocol: string;
  oid: string;
  /** The version INTEGER when the second element is one, else null. */
  version: number | null;
  /** For ChipAuthenticationPublicKeyInfo: SHA-256 of the encoded public key, hexadecimal. */
  publicKeySha256?: string;
  /** For ActiveAuthenticationInfo: the signature algorithm OID. */
  signatureAlgorithm?: string;
}

export class Dg14File {
  private constructor(readonly securityInfos: readonly SecurityInfo[]) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): Dg14File {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxFileBytes, maxDepth: limits.maxDepth }),
      DATA_GROUP_TAGS[14],
    );
    const [set] = childrenOf(outer);
    if (!(set instanceof asn1js.Set)) throw new ChipFileError(FILE, "expected a SET of SecurityInfo");
    return new Dg14File(childrenOf(set).map(securityInfoOf));
  }

  /** Whether the chip announces Chip Authentication (and so can prove it is not a clone by key agreement). */
  get supportsChipAuthentication(): boolean {
    return this.securityInfos.some(
      (s) => s.protocol === "ChipAuthentication" || s.protocol === "ChipAuthenticationPublicKey",
    );
  }

  /** The signature algorithm ActiveAuthenticationInfo names (ECDSA active authentication), or null. */
  get activeAuthenticationAlgorithm(): string | null {
    return this.securityInfos.find((s) => s.protocol === "ActiveAuthentication")?.signatureAlgorithm ?? null;
  }
}

function securityInfoOf(node: asn1js.AsnType): SecurityInfo {
  const [oidNode, required, optional] = childrenOf(node);
  if (!(node instanceof asn1js.Sequence) || !(oidNode instanceof asn1js.ObjectIdentifier) || required === undefined) {
    throw new ChipFileError(FILE, "malformed SecurityInfo");
  }
  const oid = oidNode.valueBlock.toString();
  const protocol = SECURITY_INFO_PREFIXES.find((p) => oid.startsWith(p.prefix))?.protocol ?? "unknown";
  const info: SecurityInfo = {
    protocol,
    oid,
    version: required instanceof asn1js.Integer ? required.valueBlock.valueDec : null,
  };
  if (protocol === "ChipAuthenticationPublicKey")
    info.publicKeySha256 = createHash("sha256").update(encodingOf(required)).digest("hex");
  if (oid === OID.activeAuthenticationInfo && optional instanceof asn1js.ObjectIdentifier)
    info.signatureAlgorithm = optional.valueBlock.toString();
  return info;
}
