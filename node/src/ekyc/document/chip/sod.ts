/**
 * EF.SOD (ICAO 9303 part 10 §4.6.2, part 11 §5): tag 0x77 around a CMS ContentInfo whose SignedData
 * carries an LDSSecurityObject (the hash of every data group) signed by the Document Signer.
 * `SodFile` only parses and exposes; passive-auth.ts decides what is valid.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { subjectKeyId } from "./certificates.ts";
import { childrenOf, decodeDer, expectOuterTag } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";
import { SOD_TAG, isDataGroupNumber, type DataGroupNumber } from "./lds.ts";
import { DIGEST_BY_OID, OID, type DigestName } from "./oids.ts";

const FILE = "EF.SOD";

export interface LdsSecurityObject {
  /** 0 (LDS 1.7) or 1 (LDS 1.8, with ldsVersionInfo). */
  version: number;
  /** OID of the data-group hash algorithm; `digest` is null when we do not implement it. */
  hashAlgorithmOid: string;
  digest: DigestName | null;
  dataGroupHashes: ReadonlyMap<DataGroupNumber, Uint8Array>;
  ldsVersion: string | null;
  unicodeVersion: string | null;
}

export interface SignedAttributes {
  contentType: string | null;
  messageDigest: Uint8Array | null;
  signingTime: Date | null;
  /** The DER of the attributes as a SET: what the signature covers. */
  der: Uint8Array;
}

export class SodFile {
  private constructor(
    readonly encoded: Uint8Array,
    readonly signedData: pkijs.SignedData,
    readonly securityObject: LdsSecurityObject,
    /** The encapsulated LDSSecurityObject bytes, as signed. */
    readonly content: Uint8Array,
    readonly signerInfo: pkijs.SignerInfo,
    readonly signedAttributes: SignedAttributes | null,
    readonly certificates: readonly pkijs.Certificate[],
  ) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): SodFile {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxSodBytes, maxDepth: limits.maxDepth }),
      SOD_TAG,
    );
    const [contentInfoNode, ...rest] = childrenOf(outer);
    if (contentInfoNode === undefined || rest.length > 0)
      throw new ChipFileError(FILE, "expected exactly one ContentInfo");
    const signedData = parseSignedData(contentInfoNode);
    const eContentType = signedData.encapContentInfo.eContentType;
    if (eContentType !== OID.ldsSecurityObject)
      throw new ChipFileError(FILE, `content type ${eContentType}, expected an LDSSecurityObject`);
    const eContent = signedData.encapContentInfo.eContent;
    if (eContent === undefined) throw new ChipFileError(FILE, "no encapsulated LDSSecurityObject (detached content)");
    const content = new Uint8Array(eContent.getValue());
    const securityObject = parseSecurityObject(content, limits);
    const signerInfo = signedData.signerInfos[0];
    if (signerInfo === undefined) throw new ChipFileError(FILE, "no SignerInfo");
    if (signedData.signerInfos.length > 1)
      throw new ChipFileError(FILE, `${signedData.signerInfos.length} SignerInfos, ICAO allows one`);
    const certificates = (signedData.certificates ?? []).filter(
      (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
    );
    return new SodFile(
      bytes,
      signedData,
      securityObject,
      content,
      signerInfo,
      signedAttributesOf(signerInfo),
      certificates,
    );
  }

  /** The certificate the SignerInfo names (issuer and serial, or subject key identifier), or null. */
  findSignerCertificate(): pkijs.Certificate | null {
    const sid = this.signerInfo.sid as unknown;
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      return (
        this.certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) ?? null
      );
    }
    if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
      const keyId = Buffer.from((sid as asn1js.Primitive).valueBlock.valueHexView ?? new Uint8Array()).toString("hex");
      return this.certificates.find((c) => subjectKeyId(c) === keyId) ?? null;
    }
    return null;
  }
}

function parseSignedData(node: asn1js.AsnType): pkijs.SignedData {
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: node });
  } catch (cause) {
    throw new ChipFileError(FILE, "not a CMS ContentInfo", { cause });
  }
  if (contentInfo.contentType !== OID.signedData)
    throw new ChipFileError(FILE, `CMS content ${contentInfo.contentType}, expected SignedData`);
  try {
    return new pkijs.SignedData({ schema: contentInfo.content });
  } catch (cause) {
    throw new ChipFileError(FILE, "malformed CMS SignedData (or a certificate in it)", { cause });
  }
}

/** LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo OPTIONAL }. */
function parseSecurityObject(content: Uint8Array, limits: ChipLimits): LdsSecurityObject {
  const what = `${FILE} LDSSecurityObject`;
  const node = decodeDer(what, content, { maxBytes: limits.maxSodBytes, maxDepth: limits.maxDepth });
  const [versionNode, algorithmNode, hashesNode, versionInfoNode] = childrenOf(node);
  if (
    !(node instanceof asn1js.Sequence) ||
    !(versionNode instanceof asn1js.Integer) ||
    !(hashesNode instanceof asn1js.Sequence)
  ) {
    throw new ChipFileError(what, "not an LDSSecurityObject");
  }
  const version = versionNode.valueBlock.valueDec;
  if (version !== 0 && version !== 1) throw new ChipFileError(what, `version ${version}, expected 0 or 1`);
  let hashAlgorithm: pkijs.AlgorithmIdentifier;
  try {
    hashAlgorithm = new pkijs.AlgorithmIdentifier({ schema: algorithmNode });
  } catch (cause) {
    throw new ChipFileError(what, "malformed hash AlgorithmIdentifier", { cause });
  }
  const dataGroupHashes = new Map<DataGroupNumber, Uint8Array>();
  for (const entry of childrenOf(hashesNode)) {
    const [numberNode, valueNode] = childrenOf(entry);
    if (!(numberNode instanceof asn1js.Integer) || !(valueNode instanceof asn1js.OctetString)) {
      throw new ChipFileError(what, "malformed DataGroupHash");
    }
    const n = numberNode.valueBlock.valueDec;
    if (!isDataGroupNumber(n)) throw new ChipFileError(what, `data group number ${n} outside 1–16`);
    if (dataGroupHashes.has(n)) throw new ChipFileError(what, `data group ${n} hashed twice`);
    dataGroupHashes.set(n, new Uint8Array(valueNode.valueBlock.valueHexView));
  }
  let ldsVersion: string | null = null,
    unicodeVersion: string | null = null;
  if (versionInfoNode !== undefined) {
    const [lds, unicode] = childrenOf(versionInfoNode).map((s) => (s as asn1js.PrintableString).valueBlock.value);
    ldsVersion = typeof lds === "string" ? lds : null;
    unicodeVersion = typeof unicode === "string" ? unicode : null;
  }
  return {
    version,
    hashAlgorithmOid: hashAlgorithm.algorithmId,
    digest: DIGEST_BY_OID[hashAlgorithm.algorithmId] ?? null,
    dataGroupHashes,
    ldsVersion,
    unicodeVersion,
  };
}

function signedAttributesOf(signerInfo: pkijs.SignerInfo): SignedAttributes | null {
  const attrs = signerInfo.signedAttrs;
  if (attrs === undefined) return null;
  const find = (oid: string): asn1js.AsnType | undefined =>
    attrs.attributes.find((a) => a.type === oid)?.values[0] as asn1js.AsnType | undefined;
  const contentType = find(OID.contentType);
  const digest = find(OID.messageDigest);
  const time = find(OID.signingTime);
  return {
    contentType: contentType instanceof asn1js.ObjectIdentifier ? contentType.valueBlock.toString() : null,
    messageDigest: digest instanceof asn1js.OctetString ? new Uint8Array(digest.valueBlock.valueHexView) : null,
    signingTime: time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime ? time.toDate() : null,
    // pkijs keeps the attributes' encoding as read, retagged from [0] IMPLICIT to SET (RFC 5652 §5.4).
    der: new Uint8Array(attrs.encodedValue),
  };
}
