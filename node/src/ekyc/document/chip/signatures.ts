/**
 * Signature verification for every algorithm a DS, CSCA or CRL may use (RSA PKCS#1 v1.5, RSASSA-PSS,
 * ECDSA with SHA-1/224/256/384/512), done by node:crypto (OpenSSL). Unknown algorithms throw
 * UnsupportedAlgorithmError: they are never treated as "valid".
 */
import { createPublicKey, constants, verify, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ChipFileError, UnsupportedAlgorithmError } from "./errors.ts";
import { DIGEST_BY_OID, OID, type DigestName } from "./oids.ts";

export interface SignatureScheme {
  kind: "rsa-pkcs1" | "rsa-pss" | "ecdsa";
  digest: DigestName;
  /** RSASSA-PSS salt length, bytes. */
  saltLength?: number;
  /** ECDSA signature as DER SEQUENCE { r, s } (X.509, CMS) or plain r ‖ s (TR-03111). */
  encoding?: "der" | "ieee-p1363";
  /** A name for reports, e.g. "ecdsa-with-SHA256". */
  name: string;
}

const RSA_PKCS1: Readonly<Record<string, DigestName>> = {
  [OID.sha1WithRsa]: "sha1",
  [OID.sha224WithRsa]: "sha224",
  [OID.sha256WithRsa]: "sha256",
  [OID.sha384WithRsa]: "sha384",
  [OID.sha512WithRsa]: "sha512",
};
export const ECDSA_DER: Readonly<Record<string, DigestName>> = {
  [OID.ecdsaWithSha1]: "sha1",
  [OID.ecdsaWithSha224]: "sha224",
  [OID.ecdsaWithSha256]: "sha256",
  [OID.ecdsaWithSha384]: "sha384",
  [OID.ecdsaWithSha512]: "sha512",
};
export const ECDSA_PLAIN: Readonly<Record<string, DigestName>> = {
  [OID.ecdsaPlainSha1]: "sha1",
  [OID.ecdsaPlainSha224]: "sha224",
  [OID.ecdsaPlainSha256]: "sha256",
  [OID.ecdsaPlainSha384]: "sha384",
  [OID.ecdsaPlainSha512]: "sha512",
};

const upper = (d: DigestName): string => d.toUpperCase().replace("SHA", "SHA-");

/**
 * The scheme of an AlgorithmIdentifier. `digestHint` is the CMS SignerInfo's digestAlgorithm, needed
 * when the signature algorithm names only the key type (rsaEncryption, ecPublicKey), as many SODs do.
 */
export function signatureSchemeOf(
  what: string,
  algorithm: pkijs.AlgorithmIdentifier,
  digestHint?: DigestName,
): SignatureScheme {
  const oid = algorithm.algorithmId;
  const pkcs1 = RSA_PKCS1[oid];
  if (pkcs1 !== undefined) return { kind: "rsa-pkcs1", digest: pkcs1, name: `${upper(pkcs1)}withRSA` };
  const ecdsa = ECDSA_DER[oid];
  if (ecdsa !== undefined) return { kind: "ecdsa", digest: ecdsa, encoding: "der", name: `ecdsa-with-${upper(ecdsa)}` };
  const plain = ECDSA_PLAIN[oid];
  if (plain !== undefined)
    return { kind: "ecdsa", digest: plain, encoding: "ieee-p1363", name: `ecdsa-plain-${upper(plain)}` };
  if (oid === OID.rsaEncryption && digestHint !== undefined) {
    return { kind: "rsa-pkcs1", digest: digestHint, name: `${upper(digestHint)}withRSA` };
  }
  if (oid === OID.ecPublicKey && digestHint !== undefined) {
    return { kind: "ecdsa", digest: digestHint, encoding: "der", name: `ecdsa-with-${upper(digestHint)}` };
  }
  if (oid === OID.rsaPss) return pssScheme(what, algorithm);
  throw new UnsupportedAlgorithmError(what, oid);
}

/** RSASSA-PSS parameters (RFC 4055): defaults SHA-1, MGF1-SHA-1, salt 20; MGF1 must use the same hash. */
function pssScheme(what: string, algorithm: pkijs.AlgorithmIdentifier): SignatureScheme {
  let params: pkijs.RSASSAPSSParams;
  try {
    params =
      algorithm.algorithmParams instanceof asn1js.Sequence
        ? new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams })
        : new pkijs.RSASSAPSSParams();
  } catch (cause) {
    throw new ChipFileError(what, "malformed RSASSA-PSS parameters", { cause });
  }
  const digest = DIGEST_BY_OID[params.hashAlgorithm.algorithmId];
  if (digest === undefined) throw new UnsupportedAlgorithmError(`${what} PSS hash`, params.hashAlgorithm.algorithmId);
  if (params.maskGenAlgorithm.algorithmId !== OID.mgf1) {
    throw new UnsupportedAlgorithmError(`${what} PSS mask generation`, params.maskGenAlgorithm.algorithmId);
  }
  const mgfParams = params.maskGenAlgorithm.algorithmParams as unknown;
  const mgfHash =
    mgfParams instanceof asn1js.Sequence ? new pkijs.AlgorithmIdentifier({ schema: mgfParams }).algorithmId : OID.sha1;
  if (mgfHash !== params.hashAlgorithm.algorithmId)
    throw new UnsupportedAlgorithmError(`${what} PSS MGF1 hash`, mgfHash);
  return { kind: "rsa-pss", digest, saltLength: params.saltLength, name: `RSASSA-PSS-${upper(digest)}` };
}

/** A public key from SubjectPublicKeyInfo DER; ChipFileError when OpenSSL cannot use it. */
export function publicKeyFromSpki(what: string, spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (cause) {
    throw new ChipFileError(what, "unusable public key", { cause });
  }
}

export function publicKeyOfCertificate(what: string, certificate: pkijs.Certificate): KeyObject {
  return publicKeyFromSpki(what, new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER()));
}

/** True when `signature` over `data` verifies under `key` with `scheme`; false on any mismatch. */
export function verifyWithScheme(
  scheme: SignatureScheme,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const keyType = key.asymmetricKeyType;
  const rsaKey = keyType === "rsa" || keyType === "rsa-pss";
  if (scheme.kind !== "ecdsa" && !rsaKey) return false;
  if (scheme.kind === "ecdsa" && keyType !== "ec") return false;
  try {
    if (scheme.kind === "rsa-pkcs1")
      return verify(scheme.digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    if (scheme.kind === "rsa-pss") {
      return verify(
        scheme.digest,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength ?? 20 },
        signature,
      );
    }
    return verify(scheme.digest, data, { key, dsaEncoding: scheme.encoding ?? "der" }, signature);
  } catch {
    // OpenSSL refuses some malformed signatures (wrong length, bad DER) by throwing: that is "does not verify".
    return false;
  }
}

/** Verifies an X.509 certificate's or CRL's own signature with the issuer's key. */
export function verifySignedObject(
  what: string,
  object: { tbsView: Uint8Array; signatureAlgorithm: pkijs.AlgorithmIdentifier; signatureValue: asn1js.BitString },
  issuerKey: KeyObject,
): boolean {
  const scheme = signatureSchemeOf(what, object.signatureAlgorithm);
  return verifyWithScheme(scheme, issuerKey, object.tbsView, object.signatureValue.valueBlock.valueHexView);
}
