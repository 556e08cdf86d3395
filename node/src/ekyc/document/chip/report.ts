/** The vocabulary of chip verification reports: each check, its outcome, and the stable failure codes. */
import type { DataGroupNumber } from "./lds.ts";

export const FAILURE_CODES = [
  "SOD_MISSING", // no EF.SOD: nothing on the chip can be trusted
  "SOD_MALFORMED", // EF.SOD is not a CMS SignedData over an LDSSecurityObject (or exceeds the limits)
  "SOD_SIGNATURE_INVALID", // the Document Signer's signature (or the signed content digest) does not verify
  "ALGORITHM_UNSUPPORTED", // a digest or signature algorithm we do not implement: never assumed valid
  "DS_CERTIFICATE_MISSING", // EF.SOD carries no certificate for its signer
  "DS_NOT_TRUSTED", // the Document Signer certificate does not chain to a trusted, valid CSCA
  "DS_CERTIFICATE_EXPIRED", // the Document Signer certificate is outside its validity at the time of the check
  "DS_REVOKED", // a CRL signed by the CSCA lists the Document Signer certificate
  "DG_HASH_MISMATCH", // a data group's bytes do not hash to the value in the SOD
  "DG_HASH_MISSING", // a data group is present but the SOD has no hash for it: not trusted
  "DG_REQUIRED_MISSING", // DG1 (MRZ) or DG2 (portrait) was not supplied
  "DG_MALFORMED", // a data group's content cannot be parsed (or exceeds the limits)
  "DG_WRONG_FILE", // a file holds another data group (its outer tag names a different one)
  "AA_FAILED", // active authentication: the chip's answer does not verify under the DG15 key (a clone)
  "AA_NOT_PERFORMED", // DG15 is present but no answer was given, and the caller requires one
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export type CheckName =
  | "SOD_PRESENT"
  | "SOD_PARSE"
  | "SOD_SIGNATURE"
  | "DS_CERTIFICATE"
  | "DS_CHAIN"
  | "DS_VALIDITY"
  | "DS_REVOCATION"
  | "DG_HASH"
  | "DG_PARSE"
  | "ACTIVE_AUTHENTICATION"
  | "CHIP_AUTHENTICATION";

export interface Check {
  check: CheckName;
  outcome: "passed" | "failed" | "skipped";
  dataGroup: DataGroupNumber | null;
  /** Set when the outcome is "failed". */
  code?: FailureCode;
  detail: string;
}

export interface Failure {
  code: FailureCode;
  dataGroup: DataGroupNumber | null;
  detail: string;
}

export const failuresOf = (checks: readonly Check[]): Failure[] =>
  checks
    .filter((c) => c.outcome === "failed" && c.code !== undefined)
    .map((c) => ({ code: c.code!, dataGroup: c.dataGroup, detail: c.detail }));

/** Collects checks in the order they run. */
export class CheckLog {
  readonly checks: Check[] = [];

  pass(check: CheckName, detail: string, dataGroup: DataGroupNumber | null = null): void {
    this.checks.push({ check, outcome: "passed", dataGroup, detail });
  }

  fail(check: CheckName, code: FailureCode, detail: string, dataGroup: DataGroupNumber | null = null): void {
    this.checks.push({ check, outcome: "failed", dataGroup, code, detail });
  }

  skip(check: CheckName, detail: string, dataGroup: DataGroupNumber | null = null): void {
    this.checks.push({ check, outcome: "skipped", dataGroup, detail });
  }
}
