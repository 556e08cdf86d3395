/** X.509 helpers shared by the SOD, the trust store and reports: parse bounded DER, names, summaries. */
import { createHash } from "node:crypto";
import * as pkijs from "pkijs";
import { decodeDer } from "./der.ts";
import { ChipFileError } from "./errors.ts";

const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  "2.5.4.6": "C",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.5": "serialNumber",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** RFC 4514-like string of a distinguished name, most significant first as in the certificate ("C=VN, O=…"). */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const label = NAME_ATTRIBUTES[tv.type] ?? tv.type;
      const raw = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      return `${label}=${typeof raw === "string" ? raw : "#"}`;
    })
    .join(", ");
}

/** Parses one DER certificate within the bounds; ChipFileError on any broken encoding. */
export function parseCertificate(what: string, der: Uint8Array, maxBytes = 16 * 1024): pkijs.Certificate {
  const node = decodeDer(what, der, { maxBytes, maxDepth: 24 });
  try {
    return new pkijs.Certificate({ schema: node });
  } catch (cause) {
    throw new ChipFileError(what, "not an X.509 certificate", { cause });
  }
}

export const certificateDer = (c: pkijs.Certificate): Uint8Array => new Uint8Array(c.toSchema().toBER());

export const nameDer = (n: pkijs.RelativeDistinguishedNames): string =>
  Buffer.from(n.toSchema().toBER()).toString("hex");

export const serialHex = (c: pkijs.Certificate): string =>
  Buffer.from(c.serialNumber.valueBlock.valueHexView).toString("hex").toUpperCase();

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Hexadecimal, upper case, as encoded. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER certificate, hexadecimal: what the attestation record keeps. */
  sha256: string;
}

export function summarise(c: pkijs.Certificate): CertificateSummary {
  return {
    subject: formatName(c.subject),
    issuer: formatName(c.issuer),
    serialNumber: serialHex(c),
    notBefore: c.notBefore.value.toISOString(),
    notAfter: c.notAfter.value.toISOString(),
    sha256: createHash("sha256").update(certificateDer(c)).digest("hex"),
  };
}

/** The subject key identifier extension's value, hexadecimal, or null. */
export function subjectKeyId(c: pkijs.Certificate): string | null {
  const ext = c.extensions?.find((e) => e.extnID === "2.5.29.14");
  const parsed = ext?.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  const view = parsed?.valueBlock?.valueHexView;
  return view === undefined ? null : Buffer.from(view).toString("hex");
}

/** The authority key identifier's keyIdentifier, hexadecimal, or null. */
export function authorityKeyId(c: pkijs.Certificate): string | null {
  const ext = c.extensions?.find((e) => e.extnID === "2.5.29.35");
  const parsed = ext?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined;
  const view = parsed?.keyIdentifier?.valueBlock.valueHexView;
  return view === undefined ? null : Buffer.from(view).toString("hex");
}
