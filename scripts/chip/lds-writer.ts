/**
 * Writes ICAO 9303 elementary files (part 10) for a test chip: EF.COM, DG1 (TD1 MRZ), DG2 (ISO/IEC
 * 19794-5 portrait in JPEG or JPEG 2000 inside the biometric templates), DG13 (Vietnamese fields in
 * the layout public CCCD readers describe), DG14 (SecurityInfos), DG15 (AA public key) and EF.SOD.
 * Written from the standard, independently of the parsers in node/src/ekyc/document/chip/.
 */
import type { KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, type DigestName } from "../../node/src/ekyc/document/chip/oids.ts";
import { applicationTagged, der, digestAlgorithm, hashOf } from "./asn1.ts";
import { contentInfo, signedData, type Signer } from "./pki.ts";

const TAGS: Record<number, number> = { 1: 0x61, 2: 0x75, 13: 0x6d, 14: 0x6e, 15: 0x6f };

export function comFile(dataGroups: readonly number[]): Uint8Array {
  return der(
    applicationTagged(0x60, [
      applicationTagged(0x5f01, new Uint8Array(Buffer.from("0107"))),
      applicationTagged(0x5f36, new Uint8Array(Buffer.from("040000"))),
      applicationTagged(0x5c, new Uint8Array(dataGroups.map((n) => TAGS[n] ?? 0))),
    ]),
  );
}

export function dg1File(mrzLines: readonly string[]): Uint8Array {
  return der(
    applicationTagged(0x61, [applicationTagged(0x5f1f, new Uint8Array(Buffer.from(mrzLines.join(""), "latin1")))]),
  );
}

export interface PortraitSpec {
  image: Uint8Array;
  format: "jpeg" | "jp2";
  width: number;
  height: number;
  sex: "M" | "F";
}

/** DG2: 0x75 { 0x7F61 { 0x02 count, 0x7F60 { 0xA1 header, 0x5F2E ISO/IEC 19794-5 record } } }. */
export function dg2File(portrait: PortraitSpec): Uint8Array {
  const header = new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [
      contextPrimitive(0, [0x01, 0x01]), // ICAO header version
      contextPrimitive(1, [0x02]), // biometric type: facial features
      contextPrimitive(7, [0x01, 0x01]), // format owner: ISO/IEC JTC 1/SC 37
      contextPrimitive(8, [0x00, 0x08]), // format type: face image (19794-5)
    ],
  });
  const template = applicationTagged(0x7f60, [header, applicationTagged(0x5f2e, facialRecord(portrait))]);
  return der(applicationTagged(0x75, [applicationTagged(0x7f61, [new asn1js.Integer({ value: 1 }), template])]));
}

const contextPrimitive = (tagNumber: number, bytes: number[]): asn1js.Primitive =>
  new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: new Uint8Array(bytes).buffer });

/** ISO/IEC 19794-5:2005: "FAC\0", "010\0", record length, one image with no feature points. */
export function facialRecord(p: PortraitSpec): Uint8Array {
  const block = 20 + 12 + p.image.length;
  const out = Buffer.alloc(14 + block);
  out.write("FAC\x00010\x00", 0, "latin1");
  out.writeUInt32BE(out.length, 8);
  out.writeUInt16BE(1, 12);
  out.writeUInt32BE(block, 14);
  out.writeUInt16BE(0, 18); // feature points
  out.writeUInt8(p.sex === "M" ? 1 : 2, 20); // gender
  // eye colour, hair colour, feature mask, expression, pose angles and uncertainties stay 0 (unspecified)
  const info = 14 + 20;
  out.writeUInt8(1, info); // face image type: full frontal
  out.writeUInt8(p.format === "jpeg" ? 0 : 1, info + 1);
  out.writeUInt16BE(p.width, info + 2);
  out.writeUInt16BE(p.height, info + 4);
  out.writeUInt8(1, info + 6); // colour space: 24-bit RGB
  out.writeUInt8(2, info + 7); // source type: digital still camera
  Buffer.from(p.image).copy(out, info + 12);
  return new Uint8Array(out);
}

/** DG13 as CCCD readers describe it: SEQUENCEs of { INTEGER field number, UTF8String value(s) }. */
export function dg13File(fields: ReadonlyArray<[number, string | readonly string[]]>): Uint8Array {
  const entry = ([n, value]: [number, string | readonly string[]]) =>
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: n }),
        ...(typeof value === "string"
          ? [new asn1js.Utf8String({ value })]
          : value.map((v) => new asn1js.Sequence({ value: [new asn1js.Utf8String({ value: v })] }))),
      ],
    });
  return der(applicationTagged(0x6d, [new asn1js.Sequence({ value: fields.map(entry) })]));
}

/** DG14: Chip Authentication (ECDH, AES-128) with its public key, and ActiveAuthenticationInfo for ECDSA AA. */
export function dg14File(chipAuthenticationKey: KeyObject, activeAuthenticationAlgorithm: string | null): Uint8Array {
  const infos: asn1js.AsnType[] = [
    new asn1js.Sequence({
      value: [new asn1js.ObjectIdentifier({ value: "0.4.0.127.0.7.2.2.3.2.2" }), new asn1js.Integer({ value: 1 })],
    }),
    new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: "0.4.0.127.0.7.2.2.1.2" }),
        asn1js.fromBER(chipAuthenticationKey.export({ type: "spki", format: "der" })).result,
      ],
    }),
  ];
  if (activeAuthenticationAlgorithm !== null) {
    infos.push(
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.activeAuthenticationInfo }),
          new asn1js.Integer({ value: 1 }),
          new asn1js.ObjectIdentifier({ value: activeAuthenticationAlgorithm }),
        ],
      }),
    );
  }
  return der(applicationTagged(0x6e, [new asn1js.Set({ value: infos })]));
}

export function dg15File(activeAuthenticationKey: KeyObject): Uint8Array {
  return der(
    applicationTagged(0x6f, [asn1js.fromBER(activeAuthenticationKey.export({ type: "spki", format: "der" })).result]),
  );
}

export interface SodSpec {
  signer: Signer;
  /** The data groups to hash, by number (a data group left out here is "not covered by the SOD"). */
  dataGroups: ReadonlyMap<number, Uint8Array>;
  digest?: DigestName;
  /** 0 (LDS 1.7, the default) or 1 (LDS 1.8 with ldsVersionInfo). */
  version?: 0 | 1;
  /** Names another algorithm than the one that hashed (tests of unknown algorithms). */
  hashAlgorithmOid?: string;
  /** Changes the SignedData before encoding (tampered variants). */
  tamper?: (data: pkijs.SignedData) => void;
}

/** EF.SOD: 0x77 { ContentInfo { SignedData { LDSSecurityObject } } }. */
export function sodFile(spec: SodSpec): Uint8Array {
  const digest = spec.digest ?? spec.signer.digest;
  const hashes = [...spec.dataGroups]
    .sort(([a], [b]) => a - b)
    .map(
      ([n, bytes]) =>
        new asn1js.Sequence({
          value: [new asn1js.Integer({ value: n }), new asn1js.OctetString({ valueHex: hashOf(digest, bytes) })],
        }),
    );
  const version = spec.version ?? 0;
  const lso = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: version }),
      (spec.hashAlgorithmOid === undefined
        ? digestAlgorithm(digest)
        : new pkijs.AlgorithmIdentifier({ algorithmId: spec.hashAlgorithmOid })
      ).toSchema(),
      new asn1js.Sequence({ value: hashes }),
      ...(version === 1
        ? [
            new asn1js.Sequence({
              value: [new asn1js.PrintableString({ value: "0108" }), new asn1js.PrintableString({ value: "040000" })],
            }),
          ]
        : []),
    ],
  });
  const data = signedData(spec.signer, OID.ldsSecurityObject, der(lso));
  spec.tamper?.(data);
  return der(applicationTagged(0x77, [contentInfo(data)]));
}
