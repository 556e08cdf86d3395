/**
 * The CSCA trust list: Country Signing CA certificates (trust anchors) and the CRLs they signed. Built
 * from PEM text, DER certificates or CRLs, or an ICAO CSCA master list (a CMS SignedData whose signer
 * must chain to a CSCA in the list itself or already trusted). Pure: it takes bytes; trust-files.ts
 * reads them from disk.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { authorityKeyId, certificateDer, parseCertificate, subjectKeyId } from "./certificates.ts";
import { checkSigner } from "./cms.ts";
import { childrenOf, decodeDer } from "./der.ts";
import { TrustListError, isChipError } from "./errors.ts";
import { DEFAULT_CHIP_LIMITS } from "./limits.ts";
import { OID } from "./oids.ts";
import { publicKeyOfCertificate, verifySignedObject } from "./signatures.ts";

const PEM_BLOCK = /-----BEGIN (CERTIFICATE|X509 CRL)-----([A-Za-z0-9+/=\s]+?)-----END \1-----/g;

export class CscaTrustStore {
  private readonly anchors: pkijs.Certificate[] = [];
  private readonly crls: pkijs.CertificateRevocationList[] = [];
  private readonly seen = new Set<string>();

  get size(): number {
    return this.anchors.length;
  }

  get crlCount(): number {
    return this.crls.length;
  }

  addCertificate(certificate: pkijs.Certificate): void {
    const key = Buffer.from(certificateDer(certificate)).toString("base64");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.anchors.push(certificate);
  }

  /** Adds every CERTIFICATE and X509 CRL block of a PEM text; TrustListError if it has none or a broken one. */
  addPem(text: string, source: string): void {
    if (text.length > DEFAULT_CHIP_LIMITS.maxTrustListBytes) throw new TrustListError(source, "too large");
    let found = 0;
    for (const [, kind, body] of text.matchAll(PEM_BLOCK)) {
      const der = new Uint8Array(Buffer.from(body!.replace(/\s+/g, ""), "base64"));
      if (kind === "CERTIFICATE") this.addCertificate(wrap(source, () => parseCertificate(source, der)));
      else this.addCrl(der, source);
      found += 1;
    }
    if (found === 0) throw new TrustListError(source, "no PEM certificate or CRL");
  }

  /** Adds a DER file: a certificate, a CRL or an ICAO CSCA master list (whichever it parses as). */
  addDer(der: Uint8Array, source: string): void {
    if (der.length > DEFAULT_CHIP_LIMITS.maxTrustListBytes) throw new TrustListError(source, "too large");
    const node = wrap(source, () =>
      decodeDer(source, der, { maxBytes: DEFAULT_CHIP_LIMITS.maxTrustListBytes, maxDepth: 32 }),
    );
    const first = childrenOf(node)[0];
    if (first instanceof asn1js.ObjectIdentifier) return this.addMasterList(node, source);
    try {
      this.addCertificate(new pkijs.Certificate({ schema: node }));
      return;
    } catch {
      // not a certificate: a CRL is the one other single-object DER input
    }
    this.addCrl(der, source);
  }

  addCrl(der: Uint8Array, source: string): void {
    const node = wrap(source, () =>
      decodeDer(source, der, { maxBytes: DEFAULT_CHIP_LIMITS.maxTrustListBytes, maxDepth: 32 }),
    );
    try {
      this.crls.push(new pkijs.CertificateRevocationList({ schema: node }));
    } catch (cause) {
      throw new TrustListError(source, "not an X.509 CRL", { cause });
    }
  }

  /**
   * Adds the CSCA certificates of an ICAO master list (9303 part 12 §9): ContentInfo → SignedData with
   * content type id-icao-cscaMasterList, content SEQUENCE { version, SET OF Certificate }. The list's
   * signature must verify and its signer must be issued by a CSCA in the list or already in this store.
   */
  private addMasterList(node: asn1js.AsnType, source: string): void {
    const signedData = wrap(source, () => {
      const info = new pkijs.ContentInfo({ schema: node });
      if (info.contentType !== OID.signedData) throw new TrustListError(source, "not a CMS SignedData");
      return new pkijs.SignedData({ schema: info.content });
    });
    if (signedData.encapContentInfo.eContentType !== OID.cscaMasterList)
      throw new TrustListError(source, "not a CSCA master list");
    const content = signedData.encapContentInfo.eContent;
    if (content === undefined) throw new TrustListError(source, "master list without content");
    const bytes = new Uint8Array(content.getValue());
    const list = wrap(source, () =>
      decodeDer(source, bytes, { maxBytes: DEFAULT_CHIP_LIMITS.maxTrustListBytes, maxDepth: 32 }),
    );
    const [, certSet] = childrenOf(list);
    if (!(certSet instanceof asn1js.Set)) throw new TrustListError(source, "master list without a certificate set");
    const listed = childrenOf(certSet).map((c) => wrap(source, () => new pkijs.Certificate({ schema: c })));
    const signerInfo = signedData.signerInfos[0];
    const signer = (signedData.certificates ?? []).find((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
    if (signerInfo === undefined || signer === undefined)
      throw new TrustListError(source, "master list without signer or signer certificate");
    const check = wrap(source, () =>
      checkSigner(source, signerInfo, publicKeyOfCertificate(source, signer), bytes, OID.cscaMasterList),
    );
    if (!check.signatureValid || !check.digestMatches || !check.contentTypeMatches)
      throw new TrustListError(source, "master list signature does not verify");
    const issuer = [...listed, ...this.anchors].find((ca) => issues(ca, signer));
    if (issuer === undefined)
      throw new TrustListError(source, "master list signer is not issued by a CSCA in the list or the store");
    for (const certificate of listed) this.addCertificate(certificate);
  }

  /** Trusted CSCAs whose key verifies `certificate`'s signature (candidates by name, then by key id). */
  issuersOf(certificate: pkijs.Certificate): pkijs.Certificate[] {
    return this.anchors.filter((ca) => issues(ca, certificate));
  }

  /** A CRL signed by `issuer` that lists `certificate`'s serial; null when none does. */
  revocationOf(certificate: pkijs.Certificate, issuer: pkijs.Certificate): { crlThisUpdate: string } | null {
    for (const crl of this.crls) {
      if (!crl.issuer.isEqual(issuer.subject)) continue;
      let signed = false;
      try {
        signed = verifySignedObject("CRL", crl, publicKeyOfCertificate("CSCA", issuer));
      } catch (error) {
        if (!isChipError(error)) throw error;
      }
      if (!signed) continue;
      if (crl.revokedCertificates?.some((r) => r.userCertificate.isEqual(certificate.serialNumber)) === true) {
        return { crlThisUpdate: crl.thisUpdate.value.toISOString() };
      }
    }
    return null;
  }
}

/** `ca` names and signs `certificate`. */
function issues(ca: pkijs.Certificate, certificate: pkijs.Certificate): boolean {
  const aki = authorityKeyId(certificate),
    ski = subjectKeyId(ca);
  const named = ca.subject.isEqual(certificate.issuer) || (aki !== null && aki === ski);
  if (!named) return false;
  try {
    return verifySignedObject("certificate", certificate, publicKeyOfCertificate("CSCA", ca));
  } catch (error) {
    if (isChipError(error)) return false;
    throw error;
  }
}

function wrap<T>(source: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (cause instanceof TrustListError) throw cause;
    throw new TrustListError(source, cause instanceof Error ? cause.message : "unreadable", { cause });
  }
}
