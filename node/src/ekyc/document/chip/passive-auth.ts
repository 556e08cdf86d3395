/**
 * Passive authentication (ICAO 9303 part 11 §5.1): EF.SOD parses; the Document Signer's signature over
 * the LDSSecurityObject verifies; the DS certificate chains to a trusted CSCA, is within its validity
 * and not revoked; and every data group supplied hashes to its value in the SOD. A data group supplied
 * without a hash in the SOD is not trusted. Each step is reported as a check, never folded into one boolean.
 */
import { createHash } from "node:crypto";
import type * as pkijs from "pkijs";
import { summarise, type CertificateSummary } from "./certificates.ts";
import { checkSigner } from "./cms.ts";
import { isChipError, UnsupportedAlgorithmError } from "./errors.ts";
import { dataGroupNumberOf, type ChipFiles, type DataGroupNumber, type ElementaryFileId } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
import { OID } from "./oids.ts";
import { CheckLog, type Check } from "./report.ts";
import { publicKeyOfCertificate } from "./signatures.ts";
import { SodFile } from "./sod.ts";
import type { CscaTrustStore } from "./trust-store.ts";

export interface PassiveAuthOptions {
  /** The time certificates must be valid at (default: now). */
  now?: Date;
  limits?: ChipLimits;
}

export interface PassiveAuthResult {
  checks: CheckLog["checks"];
  sod: SodFile | null;
  /** SHA-256 of EF.SOD as supplied, hexadecimal (evidence for the record). */
  sodSha256: string | null;
  documentSigner: CertificateSummary | null;
  csca: CertificateSummary | null;
  signatureAlgorithm: string | null;
  /** Hash algorithm of the data groups (e.g. "sha256"). */
  dataGroupHashAlgorithm: string | null;
  /** Data groups supplied whose hash matches a trusted SOD (signature and DS chain passed): the only ones trusted. */
  verifiedDataGroups: DataGroupNumber[];
}

export function verifyPassive(
  files: ChipFiles,
  trust: CscaTrustStore,
  options: PassiveAuthOptions = {},
): PassiveAuthResult {
  const now = options.now ?? new Date();
  const log = new CheckLog();
  const result: PassiveAuthResult = {
    checks: log.checks,
    sod: null,
    sodSha256: null,
    documentSigner: null,
    csca: null,
    signatureAlgorithm: null,
    dataGroupHashAlgorithm: null,
    verifiedDataGroups: [],
  };
  const sodBytes = files.SOD;
  if (sodBytes === undefined) {
    log.fail("SOD_PRESENT", "SOD_MISSING", "EF.SOD was not supplied");
    return result;
  }
  result.sodSha256 = createHash("sha256").update(sodBytes).digest("hex");
  let sod: SodFile;
  try {
    sod = SodFile.parse(sodBytes, options.limits ?? DEFAULT_CHIP_LIMITS);
  } catch (error) {
    if (!isChipError(error)) throw error;
    log.fail("SOD_PARSE", "SOD_MALFORMED", error.message);
    return result;
  }
  result.sod = sod;
  log.pass(
    "SOD_PARSE",
    `LDSSecurityObject v${sod.securityObject.version}, ${sod.securityObject.dataGroupHashes.size} data-group hashes`,
  );
  const signer = sod.findSignerCertificate();
  if (signer === null)
    log.fail("DS_CERTIFICATE", "DS_CERTIFICATE_MISSING", "EF.SOD has no certificate matching its SignerInfo");
  else {
    result.documentSigner = summarise(signer);
    log.pass("DS_CERTIFICATE", `Document Signer ${result.documentSigner.subject}`);
    checkSignature(sod, signer, log, result);
    checkChain(signer, trust, now, log, result);
  }
  checkDataGroups(files, sod, log, result);
  // A hash that matches an SOD nobody trustworthy signed proves nothing: only a signed SOD from a
  // trusted, valid, unrevoked DS makes its data groups verified.
  const failed = new Set(log.checks.filter((c) => c.outcome === "failed").map((c) => c.check));
  const sodTrusted = ["DS_CERTIFICATE", "SOD_SIGNATURE", "DS_CHAIN", "DS_VALIDITY", "DS_REVOCATION"].every(
    (check) => !failed.has(check as Check["check"]),
  );
  if (!sodTrusted) result.verifiedDataGroups = [];
  return result;
}

function checkSignature(sod: SodFile, signer: pkijs.Certificate, log: CheckLog, result: PassiveAuthResult): void {
  try {
    const check = checkSigner(
      "EF.SOD",
      sod.signerInfo,
      publicKeyOfCertificate("DS certificate", signer),
      sod.content,
      OID.ldsSecurityObject,
    );
    result.signatureAlgorithm = check.scheme.name;
    if (!check.contentTypeMatches)
      log.fail("SOD_SIGNATURE", "SOD_SIGNATURE_INVALID", "signed content-type attribute is not LDSSecurityObject");
    else if (!check.digestMatches)
      log.fail("SOD_SIGNATURE", "SOD_SIGNATURE_INVALID", "signed message digest does not match the LDSSecurityObject");
    else if (!check.signatureValid)
      log.fail("SOD_SIGNATURE", "SOD_SIGNATURE_INVALID", `${check.scheme.name} signature does not verify`);
    else log.pass("SOD_SIGNATURE", `${check.scheme.name} signature verifies`);
  } catch (error) {
    if (!isChipError(error)) throw error;
    const code = error instanceof UnsupportedAlgorithmError ? "ALGORITHM_UNSUPPORTED" : "SOD_SIGNATURE_INVALID";
    log.fail("SOD_SIGNATURE", code, error.message);
  }
}

function checkChain(
  signer: pkijs.Certificate,
  trust: CscaTrustStore,
  now: Date,
  log: CheckLog,
  result: PassiveAuthResult,
): void {
  let issuers: pkijs.Certificate[];
  try {
    issuers = trust.issuersOf(signer);
  } catch (error) {
    if (!(error instanceof UnsupportedAlgorithmError)) throw error;
    log.fail("DS_CHAIN", "ALGORITHM_UNSUPPORTED", error.message);
    return;
  }
  const current = issuers.filter((ca) => within(ca, now));
  const csca = current[0];
  if (csca === undefined) {
    const why =
      issuers.length > 0 ? "its CSCA is outside its validity" : `no trusted CSCA (of ${trust.size}) issued it`;
    log.fail("DS_CHAIN", "DS_NOT_TRUSTED", `Document Signer certificate: ${why}`);
  } else {
    result.csca = summarise(csca);
    log.pass("DS_CHAIN", `issued by CSCA ${result.csca.subject}`);
  }
  if (within(signer, now)) log.pass("DS_VALIDITY", `valid at ${now.toISOString()}`);
  else
    log.fail(
      "DS_VALIDITY",
      "DS_CERTIFICATE_EXPIRED",
      `valid ${signer.notBefore.value.toISOString()} – ${signer.notAfter.value.toISOString()}`,
    );
  if (csca === undefined) return log.skip("DS_REVOCATION", "no trusted CSCA to check CRLs against");
  const revoked = trust.revocationOf(signer, csca);
  if (revoked !== null) log.fail("DS_REVOCATION", "DS_REVOKED", `listed on the CRL of ${revoked.crlThisUpdate}`);
  else log.pass("DS_REVOCATION", trust.crlCount === 0 ? "no CRL supplied" : "not on any CRL of its CSCA");
}

const within = (c: pkijs.Certificate, now: Date): boolean => c.notBefore.value <= now && now <= c.notAfter.value;

function checkDataGroups(files: ChipFiles, sod: SodFile, log: CheckLog, result: PassiveAuthResult): void {
  const { digest, hashAlgorithmOid, dataGroupHashes } = sod.securityObject;
  result.dataGroupHashAlgorithm = digest;
  const supplied = (Object.entries(files) as Array<[ElementaryFileId, Uint8Array]>)
    .map(([id, bytes]) => [dataGroupNumberOf(id), bytes] as const)
    .filter((e): e is readonly [DataGroupNumber, Uint8Array] => e[0] !== null)
    .sort(([a], [b]) => a - b);
  for (const [n, bytes] of supplied) {
    const expected = dataGroupHashes.get(n);
    if (expected === undefined) {
      log.fail("DG_HASH", "DG_HASH_MISSING", `DG${n} is present but EF.SOD has no hash for it`, n);
    } else if (digest === null) {
      log.fail("DG_HASH", "ALGORITHM_UNSUPPORTED", `data-group hash algorithm ${hashAlgorithmOid}`, n);
    } else if (!createHash(digest).update(bytes).digest().equals(expected)) {
      log.fail("DG_HASH", "DG_HASH_MISMATCH", `DG${n} does not hash (${digest}) to the value in EF.SOD`, n);
    } else {
      log.pass("DG_HASH", `DG${n} ${digest} matches`, n);
      result.verifiedDataGroups.push(n);
    }
  }
  for (const n of [...dataGroupHashes.keys()].sort((a, b) => a - b)) {
    if (files[`DG${n}`] === undefined) log.skip("DG_HASH", `DG${n} is listed in EF.SOD but was not supplied`, n);
  }
}
