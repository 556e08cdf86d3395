/** Object identifiers used by ICAO 9303 documents, RFC 5652 CMS and the algorithms we verify. */
export const OID = {
  // ICAO 9303 part 10/11/12
  ldsSecurityObject: "2.23.136.1.1.1",
  cscaMasterList: "2.23.136.1.1.2",
  activeAuthenticationInfo: "2.23.136.1.1.5",
  // CMS
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  // digests
  sha1: "1.3.14.3.2.26",
  sha224: "2.16.840.1.101.3.4.2.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // signatures
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  sha1WithRsa: "1.2.840.113549.1.1.5",
  sha224WithRsa: "1.2.840.113549.1.1.14",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  sha384WithRsa: "1.2.840.113549.1.1.12",
  sha512WithRsa: "1.2.840.113549.1.1.13",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha1: "1.2.840.10045.4.1",
  ecdsaWithSha224: "1.2.840.10045.4.3.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  // BSI TR-03111 plain ECDSA (r ‖ s), used by ECDSA active authentication (ActiveAuthenticationInfo)
  ecdsaPlainSha1: "0.4.0.127.0.7.1.1.4.1.1",
  ecdsaPlainSha224: "0.4.0.127.0.7.1.1.4.1.2",
  ecdsaPlainSha256: "0.4.0.127.0.7.1.1.4.1.3",
  ecdsaPlainSha384: "0.4.0.127.0.7.1.1.4.1.4",
  ecdsaPlainSha512: "0.4.0.127.0.7.1.1.4.1.5",
} as const;

/** Prefixes of the BSI TR-03110 protocol OIDs found in DG14 (SecurityInfos). */
export const SECURITY_INFO_PREFIXES: ReadonlyArray<{ prefix: string; protocol: string }> = [
  { prefix: "0.4.0.127.0.7.2.2.1.", protocol: "ChipAuthenticationPublicKey" },
  { prefix: "0.4.0.127.0.7.2.2.3.", protocol: "ChipAuthentication" },
  { prefix: "0.4.0.127.0.7.2.2.4.", protocol: "PACE" },
  { prefix: "0.4.0.127.0.7.2.2.2", protocol: "TerminalAuthentication" },
  { prefix: "0.4.0.127.0.7.2.2.6", protocol: "CardInfo" },
  { prefix: OID.activeAuthenticationInfo, protocol: "ActiveAuthentication" },
];

export type DigestName = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

export const DIGEST_BY_OID: Readonly<Record<string, DigestName>> = {
  [OID.sha1]: "sha1",
  [OID.sha224]: "sha224",
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};
export const DIGEST_OID: Readonly<Record<DigestName, string>> = {
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};
