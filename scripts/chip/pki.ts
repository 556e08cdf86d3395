/**
 * A test PKI for chips: a Country Signing CA (self-signed), Document Signers it issues, CRLs and an
 * ICAO CSCA master list, in RSA (PKCS#1 v1.5 or PSS) or ECDSA. Made with pkijs structures and signed
 * with node:crypto. Keys are random (WebCrypto/OpenSSL cannot be seeded); everything else is fixed.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, type DigestName } from "../../node/src/ekyc/document/chip/oids.ts";
import { der, digestAlgorithm, signatureAlgorithm, signBytes, type SignatureKind } from "./asn1.ts";

export type KeyKind = "rsa" | "ecdsa";

export interface Signer {
  certificate: pkijs.Certificate;
  der: Uint8Array;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** How this signer signs (its key type, PKCS#1 or PSS for RSA) and with which hash. */
  kind: SignatureKind;
  digest: DigestName;
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateKeys(kind: KeyKind, size: number | string): KeyPair {
  if (kind === "rsa") return generateKeyPairSync("rsa", { modulusLength: Number(size) });
  return generateKeyPairSync("ec", { namedCurve: String(size) });
}

function name(attributes: ReadonlyArray<[string, string]>): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: attributes.map(
      ([type, value]) =>
        new pkijs.AttributeTypeAndValue({
          type,
          value: type === "2.5.4.6" ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
        }),
    ),
  });
}

const keyId = (publicKey: KeyObject): Uint8Array =>
  new Uint8Array(
    createHash("sha1")
      .update(publicKey.export({ type: "spki", format: "der" }))
      .digest(),
  );

interface CertificateSpec {
  subject: ReadonlyArray<[string, string]>;
  keys: KeyPair;
  serial: number;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** The issuer; absent for a self-signed CSCA. */
  issuer?: Signer;
  kind: SignatureKind;
  digest: DigestName;
}

export function issueCertificate(spec: CertificateSpec): Signer {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: spec.serial });
  cert.subject = name(spec.subject);
  cert.issuer = spec.issuer?.certificate.subject ?? cert.subject;
  cert.notBefore.value = spec.notBefore;
  cert.notAfter.value = spec.notAfter;
  const spki = new Uint8Array(spec.keys.publicKey.export({ type: "spki", format: "der" }));
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
  const issuerKey = spec.issuer?.publicKey ?? spec.keys.publicKey;
  cert.extensions = [
    new pkijs.Extension({
      extnID: "2.5.29.14",
      extnValue: new asn1js.OctetString({ valueHex: keyId(spec.keys.publicKey) }).toBER(),
    }),
    new pkijs.Extension({
      extnID: "2.5.29.35",
      extnValue: new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: keyId(issuerKey) }),
      })
        .toSchema()
        .toBER(),
    }),
    new pkijs.Extension({ extnID: "2.5.29.15", critical: true, extnValue: keyUsage(spec.ca).toBER() }),
  ];
  if (spec.ca) {
    cert.extensions.push(
      new pkijs.Extension({
        extnID: "2.5.29.19",
        critical: true,
        extnValue: new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 }).toSchema().toBER(),
      }),
    );
  }
  const signer = spec.issuer ?? { privateKey: spec.keys.privateKey, kind: spec.kind, digest: spec.digest };
  cert.signature = signatureAlgorithm(signer.kind, signer.digest);
  cert.signatureAlgorithm = signatureAlgorithm(signer.kind, signer.digest);
  cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
  cert.signatureValue = new asn1js.BitString({
    valueHex: signBytes(signer.kind, signer.digest, signer.privateKey, cert.tbsView),
  });
  return { certificate: cert, der: der(cert.toSchema()), ...spec.keys, kind: spec.kind, digest: spec.digest };
}

/** keyCertSign + cRLSign for a CA, digitalSignature for a Document Signer (RFC 5280 bit order). */
function keyUsage(ca: boolean): asn1js.BitString {
  return ca
    ? new asn1js.BitString({ valueHex: new Uint8Array([0x06]), unusedBits: 1 })
    : new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 });
}

export interface PkiOptions {
  key: KeyKind;
  /** RSA Document Signers sign with PKCS#1 v1.5 by default, or PSS. */
  rsaPadding?: "pkcs1" | "pss";
  digest?: DigestName;
  country?: string;
  /** Validity window start (default 2024-01-01) */
  notBefore?: Date;
}

/** A self-signed CSCA. */
export function createCsca(options: PkiOptions, label = "CSCA"): Signer {
  const keys = options.key === "rsa" ? generateKeys("rsa", 3072) : generateKeys("ecdsa", "P-384");
  const kind: SignatureKind =
    options.key === "ecdsa" ? "ecdsa" : options.rsaPadding === "pss" ? "rsa-pss" : "rsa-pkcs1";
  const notBefore = options.notBefore ?? new Date("2024-01-01T00:00:00Z");
  return issueCertificate({
    subject: [
      ["2.5.4.6", options.country ?? "VN"],
      ["2.5.4.10", "Kycnet Test Ministry of Public Security"],
      ["2.5.4.3", `${label} Test`],
    ],
    keys,
    serial: 1,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 15 * 365 * 86_400_000),
    ca: true,
    kind,
    digest: options.key === "ecdsa" ? "sha384" : "sha256",
  });
}

/** A Document Signer issued by `csca`. */
export function createDocumentSigner(
  csca: Signer,
  options: PkiOptions,
  serial = 2,
  validity?: { notBefore: Date; notAfter: Date },
): Signer {
  const keys = options.key === "rsa" ? generateKeys("rsa", 2048) : generateKeys("ecdsa", "P-256");
  const kind: SignatureKind =
    options.key === "ecdsa" ? "ecdsa" : options.rsaPadding === "pss" ? "rsa-pss" : "rsa-pkcs1";
  const notBefore = validity?.notBefore ?? options.notBefore ?? new Date("2024-01-01T00:00:00Z");
  return issueCertificate({
    subject: [
      ["2.5.4.6", options.country ?? "VN"],
      ["2.5.4.10", "Kycnet Test Ministry of Public Security"],
      ["2.5.4.3", `Document Signer ${serial}`],
    ],
    keys,
    serial,
    notBefore,
    notAfter: validity?.notAfter ?? new Date(notBefore.getTime() + 11 * 365 * 86_400_000),
    ca: false,
    issuer: csca,
    kind,
    digest: options.digest ?? "sha256",
  });
}

/** A CRL signed by `csca` revoking the given serial numbers. */
export function createCrl(
  csca: Signer,
  revokedSerials: readonly number[],
  thisUpdate = new Date("2025-01-01T00:00:00Z"),
): Uint8Array {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = csca.certificate.subject;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: thisUpdate });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: new Date(thisUpdate.getTime() + 365 * 86_400_000) });
  crl.revokedCertificates = revokedSerials.map(
    (serial) =>
      new pkijs.RevokedCertificate({
        userCertificate: new asn1js.Integer({ value: serial }),
        revocationDate: new pkijs.Time({ type: 0, value: thisUpdate }),
      }),
  );
  crl.signature = signatureAlgorithm(csca.kind, csca.digest);
  crl.signatureAlgorithm = signatureAlgorithm(csca.kind, csca.digest);
  // encodeTBS is protected in the typings; the TBS is the first element of the unsigned CRL schema.
  crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  crl.signatureValue = new asn1js.BitString({
    valueHex: signBytes(csca.kind, csca.digest, csca.privateKey, crl.tbsView),
  });
  return der(crl.toSchema() as asn1js.Sequence);
}

/** CMS SignedData over `content` with signed attributes (content type, digest, signing time), DER. */
export function signedData(
  signer: Signer,
  contentType: string,
  content: Uint8Array,
  signingTime = new Date("2025-01-01T00:00:00Z"),
): pkijs.SignedData {
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: contentType })] }),
    new pkijs.Attribute({
      type: OID.messageDigest,
      values: [new asn1js.OctetString({ valueHex: hash(signer.digest, content) })],
    }),
    new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: signingTime })] }),
  ];
  // DER orders a SET OF by the encodings of its elements.
  attributes.sort((a, b) => Buffer.compare(Buffer.from(a.toSchema().toBER()), Buffer.from(b.toSchema().toBER())));
  const toBeSigned = der(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }));
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: signer.certificate.issuer,
      serialNumber: signer.certificate.serialNumber,
    }),
    digestAlgorithm: digestAlgorithm(signer.digest),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: signatureAlgorithm(signer.kind, signer.digest),
    signature: new asn1js.OctetString({
      valueHex: signBytes(signer.kind, signer.digest, signer.privateKey, toBeSigned),
    }),
  });
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: contentType });
  // Set after construction: pkijs's constructor would re-encode the content as a constructed (BER) OCTET STRING.
  encap.eContent = new asn1js.OctetString({ valueHex: content });
  return new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [digestAlgorithm(signer.digest)],
    encapContentInfo: encap,
    certificates: [signer.certificate],
    signerInfos: [signerInfo],
  });
}

export function contentInfo(data: pkijs.SignedData): asn1js.AsnType {
  return new pkijs.ContentInfo({ contentType: OID.signedData, content: data.toSchema(true) }).toSchema();
}

const hash = (digest: DigestName, data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash(digest).update(data).digest());

/** An ICAO CSCA master list signed by `signer` (a master-list signer issued by one of the CSCAs listed). */
export function createMasterList(signer: Signer, cscas: readonly Signer[]): Uint8Array {
  const list = new asn1js.Sequence({
    value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: cscas.map((c) => c.certificate.toSchema()) })],
  });
  return der(contentInfo(signedData(signer, OID.cscaMasterList, der(list))));
}

/** PEM text of a DER object. */
export function pem(label: "CERTIFICATE" | "X509 CRL", bytes: Uint8Array): string {
  const body = Buffer.from(bytes)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
