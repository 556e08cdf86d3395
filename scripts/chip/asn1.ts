/** Small asn1js/pkijs builders shared by the test PKI and the chip-file writer. */
import { createHash, sign, constants, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { DIGEST_OID, OID, type DigestName } from "../../node/src/ekyc/document/chip/oids.ts";

export type SignatureKind = "rsa-pkcs1" | "rsa-pss" | "ecdsa";

/** An application-class element as on the wire: 0x61 → [APPLICATION 1] constructed, 0x5F1F → [APPLICATION 31]. */
export function applicationTagged(wireTag: number, value: asn1js.AsnType[] | Uint8Array): asn1js.AsnType {
  const first = wireTag > 0xff ? wireTag >> 8 : wireTag;
  const tagNumber = wireTag > 0xff ? wireTag & 0x7f : first & 0x1f;
  const tagClass = (first >> 6) + 1;
  if (value instanceof Uint8Array) {
    return new asn1js.Primitive({ idBlock: { tagClass, tagNumber }, valueHex: value.slice().buffer });
  }
  return new asn1js.Constructed({ idBlock: { tagClass, tagNumber }, value });
}

export const der = (node: { toBER(): ArrayBuffer }): Uint8Array => new Uint8Array(node.toBER());

export const digestAlgorithm = (digest: DigestName): pkijs.AlgorithmIdentifier =>
  new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OID[digest] });

const RSA_SIG: Record<DigestName, string> = {
  sha1: OID.sha1WithRsa,
  sha224: OID.sha224WithRsa,
  sha256: OID.sha256WithRsa,
  sha384: OID.sha384WithRsa,
  sha512: OID.sha512WithRsa,
};
const ECDSA_SIG: Record<DigestName, string> = {
  sha1: OID.ecdsaWithSha1,
  sha224: OID.ecdsaWithSha224,
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};
const HASH_BYTES: Record<DigestName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/** The AlgorithmIdentifier for a signature (PSS with MGF1 of the same hash and a salt of the hash's length). */
export function signatureAlgorithm(kind: SignatureKind, digest: DigestName): pkijs.AlgorithmIdentifier {
  if (kind === "ecdsa") return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_SIG[digest] });
  if (kind === "rsa-pkcs1")
    return new pkijs.AlgorithmIdentifier({ algorithmId: RSA_SIG[digest], algorithmParams: new asn1js.Null() });
  const hash = new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OID[digest], algorithmParams: new asn1js.Null() });
  const params = new pkijs.RSASSAPSSParams({
    hashAlgorithm: hash,
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: hash.toSchema() }),
    saltLength: HASH_BYTES[digest],
  });
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaPss, algorithmParams: params.toSchema() });
}

export function signBytes(kind: SignatureKind, digest: DigestName, key: KeyObject, data: Uint8Array): Uint8Array {
  if (kind === "ecdsa") return new Uint8Array(sign(digest, data, { key, dsaEncoding: "der" }));
  if (kind === "rsa-pkcs1") return new Uint8Array(sign(digest, data, { key, padding: constants.RSA_PKCS1_PADDING }));
  return new Uint8Array(
    sign(digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[digest] }),
  );
}

export const hashOf = (digest: DigestName, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(digest).update(data).digest());
