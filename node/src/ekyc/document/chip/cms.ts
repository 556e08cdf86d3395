/**
 * The CMS (RFC 5652 §5.4–5.6) signer check shared by EF.SOD and ICAO master lists: the signed
 * attributes must name the content type and carry the content's digest, and the signature covers the
 * DER of those attributes (or the content itself when there are none).
 */
import { createHash, type KeyObject } from "node:crypto";
import type * as pkijs from "pkijs";
import { UnsupportedAlgorithmError } from "./errors.ts";
import { DIGEST_BY_OID, OID, type DigestName } from "./oids.ts";
import { signatureSchemeOf, verifyWithScheme, type SignatureScheme } from "./signatures.ts";

export interface SignerCheck {
  /** The signed messageDigest attribute equals the digest of the content (true when there are no signed attributes). */
  digestMatches: boolean;
  /** The signed contentType attribute names the expected content (true when there are no signed attributes). */
  contentTypeMatches: boolean;
  signatureValid: boolean;
  scheme: SignatureScheme;
}

export function checkSigner(
  what: string,
  signerInfo: pkijs.SignerInfo,
  signerKey: KeyObject,
  content: Uint8Array,
  expectedContentType: string,
): SignerCheck {
  const digestOid = signerInfo.digestAlgorithm.algorithmId;
  const digest: DigestName | undefined = DIGEST_BY_OID[digestOid];
  if (digest === undefined) throw new UnsupportedAlgorithmError(`${what} digest`, digestOid);
  const scheme = signatureSchemeOf(`${what} signature`, signerInfo.signatureAlgorithm, digest);
  const signature = signerInfo.signature.valueBlock.valueHexView;
  const attrs = signerInfo.signedAttrs;
  if (attrs === undefined) {
    return {
      digestMatches: true,
      contentTypeMatches: true,
      scheme,
      signatureValid: verifyWithScheme(scheme, signerKey, content, signature),
    };
  }
  const attribute = (oid: string) =>
    attrs.attributes.find((a) => a.type === oid)?.values[0] as
      { valueBlock?: { valueHexView?: Uint8Array; toString?: () => string } } | undefined;
  const signedDigest = attribute(OID.messageDigest)?.valueBlock?.valueHexView;
  const contentDigest = createHash(digest).update(content).digest();
  const contentType = attribute(OID.contentType)?.valueBlock?.toString?.();
  return {
    digestMatches: signedDigest !== undefined && contentDigest.equals(signedDigest),
    contentTypeMatches: contentType === expectedContentType,
    scheme,
    signatureValid: verifyWithScheme(scheme, signerKey, new Uint8Array(attrs.encodedValue), signature),
  };
}
