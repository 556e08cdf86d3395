/**
 * Verifies one chip as read: parses every elementary file supplied (each by its own type), runs
 * passive authentication, and active authentication when DG15 and an answer are given. Returns every
 * check, the failures (status VALID only when there are none), and what the trusted files hold.
 */
import type { MrzData } from "../mrz/parse.ts";
import { verifyActiveAuthentication, type ActiveAuthResult } from "./active-auth.ts";
import type { CertificateSummary } from "./certificates.ts";
import { ComFile } from "./com.ts";
import { Dg1File } from "./dg1.ts";
import { Dg2File, type FacialRecordImage } from "./dg2.ts";
import { Dg13File, type VietnameseChipData } from "./dg13.ts";
import { Dg14File, type SecurityInfo } from "./dg14.ts";
import { Dg15File } from "./dg15.ts";
import { isChipError } from "./errors.ts";
import {
  dataGroupForTag,
  dataGroupNumberOf,
  type ChipFiles,
  type DataGroupNumber,
  type ElementaryFileId,
} from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
import { verifyPassive } from "./passive-auth.ts";
import { portraitInfo, type PortraitInfo } from "./portrait.ts";
import { CheckLog, failuresOf, type Check, type Failure } from "./report.ts";
import type { CscaTrustStore } from "./trust-store.ts";

export interface ChipVerificationOptions {
  trust: CscaTrustStore;
  /** The challenge the node issued (see ActiveAuthChallenges) and the chip's answer to it. */
  activeAuthentication?: { challenge: Uint8Array; response: Uint8Array };
  /** Fail with AA_NOT_PERFORMED when DG15 is present but no answer is given (the onboarding flow sets this). */
  requireActiveAuthentication?: boolean;
  now?: Date;
  limits?: ChipLimits;
}

export interface ChipMrz {
  format: MrzData["format"];
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  /** TD1 optional data of line 1: the 12-digit personal id number on a CCCD. */
  optionalData: string;
  surname: string;
  givenNames: string;
  /** The name fills its field and may be cut there (`MrzData.nameCut`). */
  nameCut: boolean;
  nationality: string;
  sex: MrzData["sex"];
  /** YYYY-MM-DD, null when not a date */
  dateOfBirth: string | null;
  /** YYYY-MM-DD, null when the document has no expiry or the field is not a date */
  expiryDate: string | null;
  checkDigitsValid: boolean;
  lines: readonly string[];
}

export interface ChipVerification {
  status: "VALID" | "INVALID";
  failures: Failure[];
  checks: Check[];
  /** Data groups supplied, and those whose hash matches the (signed) SOD. */
  dataGroupsPresent: DataGroupNumber[];
  dataGroupsVerified: DataGroupNumber[];
  mrz: ChipMrz | null;
  faceImage: PortraitInfo | null;
  /** The DG2 portrait as stored (decode with decodePortrait); null when DG2 is absent or malformed. */
  portrait: FacialRecordImage | null;
  vietnamese: VietnameseChipData | null;
  documentSigner: CertificateSummary | null;
  csca: CertificateSummary | null;
  activeAuthentication: (ActiveAuthResult & { performed: true }) | { performed: false; reason: string };
  /** DG14 evidence: the protocols the chip announces (Chip Authentication is run by the phone, not here). */
  chipAuthentication: { supported: boolean; securityInfos: readonly SecurityInfo[] } | null;
  /** What the attestation record keeps (salted, never on chain). */
  evidence: {
    sodSha256: string | null;
    documentSignerSha256: string | null;
    signatureAlgorithm: string | null;
    dataGroupHashAlgorithm: string | null;
    ldsVersion: string | null;
  };
}

export async function verifyChip(files: ChipFiles, options: ChipVerificationOptions): Promise<ChipVerification> {
  const limits = options.limits ?? DEFAULT_CHIP_LIMITS;
  const now = options.now ?? new Date();
  const passive = verifyPassive(files, options.trust, { now, limits });
  const log = new CheckLog();
  const parse = <T>(id: ElementaryFileId, run: (bytes: Uint8Array) => T, optionalLayout = false): T | null =>
    parseFile(files, id, run, log, optionalLayout);

  const dg1 = parse("DG1", (b) => Dg1File.parse(b, { limits, now }));
  const dg2 = parse("DG2", (b) => Dg2File.parse(b, limits));
  const dg13 = parse("DG13", (b) => Dg13File.parse(b, limits), true);
  const dg14 = parse("DG14", (b) => Dg14File.parse(b, limits), true);
  const dg15 = parse("DG15", (b) => Dg15File.parse(b, limits));
  const com = parse("COM", (b) => ComFile.parse(b, limits));
  for (const n of [1, 2] as const) {
    if (files[`DG${n}`] === undefined) log.fail("DG_PARSE", "DG_REQUIRED_MISSING", `DG${n} is required`, n);
  }
  let faceImage: PortraitInfo | null = null;
  if (dg2 !== null) {
    try {
      faceImage = await portraitInfo(dg2.portrait, limits);
    } catch (error) {
      if (!isChipError(error)) throw error;
      log.fail("DG_PARSE", "DG_MALFORMED", error.message, 2);
    }
  }
  const activeAuthentication = runActiveAuthentication(dg15, dg14, options, log);
  if (dg14 !== null) {
    const announced = dg14.securityInfos.map((s) => s.protocol).join(", ");
    log.skip(
      "CHIP_AUTHENTICATION",
      `DG14 announces ${announced || "nothing"}; recorded as evidence, run by the reader`,
      14,
    );
  }
  const checks = [...passive.checks, ...log.checks];
  const failures = failuresOf(checks);
  return {
    status: failures.length === 0 ? "VALID" : "INVALID",
    failures,
    checks,
    dataGroupsPresent: (Object.keys(files) as ElementaryFileId[])
      .map(dataGroupNumberOf)
      .filter((n): n is DataGroupNumber => n !== null)
      .sort((a, b) => a - b),
    dataGroupsVerified: [...passive.verifiedDataGroups].sort((a, b) => a - b),
    mrz: dg1 === null ? null : mrzOf(dg1),
    faceImage,
    portrait: dg2?.portrait ?? null,
    vietnamese: dg13?.data ?? null,
    documentSigner: passive.documentSigner,
    csca: passive.csca,
    activeAuthentication,
    chipAuthentication:
      dg14 === null ? null : { supported: dg14.supportsChipAuthentication, securityInfos: dg14.securityInfos },
    evidence: {
      sodSha256: passive.sodSha256,
      documentSignerSha256: passive.documentSigner?.sha256 ?? null,
      signatureAlgorithm: passive.signatureAlgorithm,
      dataGroupHashAlgorithm: passive.dataGroupHashAlgorithm,
      ldsVersion: passive.sod?.securityObject.ldsVersion ?? com?.ldsVersion ?? null,
    },
  };
}

/**
 * Parses one file if present; a parse failure is a DG_WRONG_FILE (another data group's tag) or DG_MALFORMED.
 * `optionalLayout`: DG13 is issuer-defined (the CCCD layout is one of many) and DG14 only evidence, so content
 * this verifier cannot read there is noted, not a failure; their hashes are checked all the same.
 */
function parseFile<T>(
  files: ChipFiles,
  id: ElementaryFileId,
  run: (bytes: Uint8Array) => T,
  log: CheckLog,
  optionalLayout = false,
): T | null {
  const bytes = files[id];
  if (bytes === undefined) return null;
  const n = dataGroupNumberOf(id);
  try {
    const parsed = run(bytes);
    if (n !== null) log.pass("DG_PARSE", `DG${n} parsed`, n);
    return parsed;
  } catch (error) {
    if (!isChipError(error)) throw error;
    if (n === null) {
      // EF.COM is not signed and only lists what is present: a broken one is noted, not a failure.
      log.skip("DG_PARSE", `${error.message} (EF.COM is unsigned and ignored)`);
      return null;
    }
    const other = dataGroupForTag(bytes[0] ?? 0);
    if (other !== null && other !== n) log.fail("DG_PARSE", "DG_WRONG_FILE", `the file for DG${n} holds DG${other}`, n);
    else if (optionalLayout && other === n)
      log.skip("DG_PARSE", `${error.message} (content not read; hash checked)`, n);
    else log.fail("DG_PARSE", "DG_MALFORMED", error.message, n);
    return null;
  }
}

function runActiveAuthentication(
  dg15: Dg15File | null,
  dg14: Dg14File | null,
  options: ChipVerificationOptions,
  log: CheckLog,
): ChipVerification["activeAuthentication"] {
  if (dg15 === null) {
    log.skip("ACTIVE_AUTHENTICATION", "no DG15: the chip does not support active authentication", 15);
    return { performed: false, reason: "no DG15" };
  }
  const answer = options.activeAuthentication;
  if (answer === undefined) {
    if (options.requireActiveAuthentication === true) {
      log.fail(
        "ACTIVE_AUTHENTICATION",
        "AA_NOT_PERFORMED",
        "DG15 is present but no answer to a challenge was given",
        15,
      );
    } else log.skip("ACTIVE_AUTHENTICATION", "DG15 is present but no answer to a challenge was given", 15);
    return { performed: false, reason: "no answer given" };
  }
  const result = verifyActiveAuthentication(dg15, answer.challenge, answer.response, dg14);
  if (result.valid) log.pass("ACTIVE_AUTHENTICATION", `${result.algorithm}: ${result.detail}`, 15);
  else log.fail("ACTIVE_AUTHENTICATION", "AA_FAILED", `${result.algorithm}: ${result.detail}`, 15);
  return { ...result, performed: true };
}

function mrzOf(dg1: Dg1File): ChipMrz {
  const m = dg1.mrz;
  return {
    format: m.format,
    documentCode: m.documentCode,
    issuingState: m.issuingState,
    documentNumber: m.documentNumber,
    optionalData: m.optionalData,
    surname: m.surname,
    givenNames: m.givenNames,
    nameCut: m.nameCut,
    nationality: m.nationality,
    sex: m.sex,
    dateOfBirth: m.dateOfBirth,
    // "" in the MRZ parser means "no expiry" (<<<<<<): null here, so every date is YYYY-MM-DD or null.
    expiryDate: m.expiryDate === "" ? null : m.expiryDate,
    checkDigitsValid: m.valid,
    lines: dg1.mrzLines,
  };
}
