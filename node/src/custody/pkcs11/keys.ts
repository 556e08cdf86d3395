/**
 * The bank's keys on the token (signing and transport key pairs, one AES record key per retention
 * period): how they are generated (templates: sensitive, never extractable, only the usages each needs) and how the adapter finds and checks them by label before
 * using them. A key under the right label but of the wrong type, curve or size, or one that could
 * be extracted, is refused rather than used.
 */
import pkcs11js from "pkcs11js";
import { HsmKeyNotFoundError, HsmWrongKeyTypeError, type KeyRole } from "../errors.ts";
import { rvOf, toHsmError } from "./rv.ts";

/** DER-encoded named-curve OIDs (CKA_EC_PARAMS). */
export const SECP256K1_PARAMS = Buffer.from("06052b8104000a", "hex"); // 1.3.132.0.10
export const P256_PARAMS = Buffer.from("06082a8648ce3d030107", "hex"); // 1.2.840.10045.3.1.7

const A = pkcs11js;

export interface EcKeyHandles {
  readonly privateKey: Buffer;
  /** Uncompressed SEC1 point (65 bytes) read from the public object's CKA_EC_POINT. */
  readonly publicPoint: Uint8Array;
}

/** Templates for a token-resident EC key pair on `curve`, private half usable only for `usage`. */
export function ecKeyPairTemplates(
  label: string,
  curve: Buffer,
  usage: "sign" | "derive",
): { publicKey: pkcs11js.Template; privateKey: pkcs11js.Template } {
  const id = Buffer.from(label, "utf8");
  return {
    publicKey: [
      { type: A.CKA_CLASS, value: A.CKO_PUBLIC_KEY },
      { type: A.CKA_KEY_TYPE, value: A.CKK_EC },
      { type: A.CKA_TOKEN, value: true },
      { type: A.CKA_PRIVATE, value: false },
      { type: A.CKA_MODIFIABLE, value: false },
      { type: A.CKA_LABEL, value: label },
      { type: A.CKA_ID, value: id },
      { type: A.CKA_EC_PARAMS, value: curve },
      { type: A.CKA_VERIFY, value: usage === "sign" },
      { type: A.CKA_DERIVE, value: false },
    ],
    privateKey: [
      { type: A.CKA_CLASS, value: A.CKO_PRIVATE_KEY },
      { type: A.CKA_KEY_TYPE, value: A.CKK_EC },
      { type: A.CKA_TOKEN, value: true },
      { type: A.CKA_PRIVATE, value: true },
      { type: A.CKA_MODIFIABLE, value: false },
      { type: A.CKA_SENSITIVE, value: true },
      { type: A.CKA_EXTRACTABLE, value: false },
      { type: A.CKA_LABEL, value: label },
      { type: A.CKA_ID, value: id },
      { type: A.CKA_SIGN, value: usage === "sign" },
      { type: A.CKA_DERIVE, value: usage === "derive" },
      { type: A.CKA_DECRYPT, value: false },
      { type: A.CKA_UNWRAP, value: false },
    ],
  };
}

/**
 * Template of a token-resident AES-256 record key (one per retention period, see key-manager.ts):
 * AES-GCM encrypt and decrypt inside the token, nothing else. It has no CKA_WRAP/CKA_UNWRAP on
 * purpose: pkcs11js cannot set CKA_UNWRAP_TEMPLATE, and without one anybody holding the PIN could
 * unwrap a data key as extractable and read it. With no data keys to unwrap, no key ever leaves.
 */
export function recordKeyTemplate(label: string): pkcs11js.Template {
  return [
    { type: A.CKA_CLASS, value: A.CKO_SECRET_KEY },
    { type: A.CKA_KEY_TYPE, value: A.CKK_AES },
    { type: A.CKA_VALUE_LEN, value: 32 },
    { type: A.CKA_TOKEN, value: true },
    { type: A.CKA_PRIVATE, value: true },
    { type: A.CKA_MODIFIABLE, value: false },
    { type: A.CKA_SENSITIVE, value: true },
    { type: A.CKA_EXTRACTABLE, value: false },
    { type: A.CKA_LABEL, value: label },
    { type: A.CKA_ID, value: Buffer.from(label, "utf8") },
    { type: A.CKA_ENCRYPT, value: true },
    { type: A.CKA_DECRYPT, value: true },
    { type: A.CKA_WRAP, value: false },
    { type: A.CKA_UNWRAP, value: false },
    { type: A.CKA_SIGN, value: false },
    { type: A.CKA_DERIVE, value: false },
  ];
}

/** Label of the record key `keyId` under the configured prefix (`kycnet/kek` by default). */
export const recordKeyLabel = (prefix: string, keyId: string): string => `${prefix}/${keyId}`;

/**
 * Up to `max` token objects of `objectClass` labelled `label` (every label when omitted). Session
 * objects are left out: the message keys of transport operations on other sessions are created
 * and destroyed while a search runs, and none of them is a key looked up by label.
 */
export function findObjects(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  objectClass: number,
  label?: string,
  max = 4,
): Buffer[] {
  try {
    pkcs11.C_FindObjectsInit(session, [
      { type: A.CKA_CLASS, value: objectClass },
      { type: A.CKA_TOKEN, value: true },
      ...(label === undefined ? [] : [{ type: A.CKA_LABEL, value: label }]),
    ]);
    try {
      return pkcs11.C_FindObjects(session, max);
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
  } catch (error) {
    throw toHsmError("C_FindObjects", error);
  }
}

/** The one object of `objectClass` labelled `label`: HSM_KEY_NOT_FOUND if none, refused if several. */
function findOne(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  objectClass: number,
  role: KeyRole,
  label: string,
  what: string,
): Buffer {
  const found = findObjects(pkcs11, session, objectClass, label);
  if (found.length === 0) throw new HsmKeyNotFoundError(role, what === "" ? label : `${label} (${what})`);
  if (found.length > 1)
    throw new HsmWrongKeyTypeError(role, label, `more than one ${what || "key"} object carries this label`);
  return found[0]!;
}

function attributes(pkcs11: pkcs11js.PKCS11, session: Buffer, handle: Buffer, types: number[]): Buffer[] {
  try {
    return pkcs11
      .C_GetAttributeValue(
        session,
        handle,
        types.map((type) => ({ type })),
      )
      .map((a) => a.value);
  } catch (error) {
    throw toHsmError("C_GetAttributeValue", error);
  }
}

const isTrue = (b: Buffer) => b.length > 0 && b[0] !== 0;
const ulong = (b: Buffer) => (b.length >= 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0));

/** Finds the EC key pair labelled `label`, checks its curve, usage and non-extractability, reads its point. */
export function getEcKeyPair(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  role: KeyRole,
  label: string,
  curve: Buffer,
  usage: "sign" | "derive",
): EcKeyHandles {
  const privateKey = findOne(pkcs11, session, A.CKO_PRIVATE_KEY, role, label, "private");
  const [keyType, params, allowed, sensitive, extractable] = attributes(pkcs11, session, privateKey, [
    A.CKA_KEY_TYPE,
    A.CKA_EC_PARAMS,
    usage === "sign" ? A.CKA_SIGN : A.CKA_DERIVE,
    A.CKA_SENSITIVE,
    A.CKA_EXTRACTABLE,
  ]) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (ulong(keyType) !== A.CKK_EC) throw new HsmWrongKeyTypeError(role, label, "not an EC key");
  if (!params.equals(curve))
    throw new HsmWrongKeyTypeError(role, label, curve === SECP256K1_PARAMS ? "not on secp256k1" : "not on P-256");
  if (!isTrue(allowed)) throw new HsmWrongKeyTypeError(role, label, `CKA_${usage.toUpperCase()} is not set`);
  if (!isTrue(sensitive) || isTrue(extractable))
    throw new HsmWrongKeyTypeError(role, label, "private key is extractable or not sensitive");
  const publicKey = findOne(pkcs11, session, A.CKO_PUBLIC_KEY, role, label, "public");
  const [point] = attributes(pkcs11, session, publicKey, [A.CKA_EC_POINT]) as [Buffer];
  return { privateKey, publicPoint: decodeEcPoint(point, role, label) };
}

/**
 * The AES-256 record key labelled `label`, or null when the token has none (never created, or
 * destroyed at the end of its period). Refused unless it encrypts, decrypts and cannot leave the
 * token, and unless it cannot wrap or unwrap (a key that can is the old KEK design, see above).
 */
export function findRecordKey(pkcs11: pkcs11js.PKCS11, session: Buffer, label: string): Buffer | null {
  const found = findObjects(pkcs11, session, A.CKO_SECRET_KEY, label);
  if (found.length === 0) return null;
  if (found.length > 1) throw new HsmWrongKeyTypeError("kek", label, "more than one key object carries this label");
  const key = found[0]!;
  const [keyType, length, encrypt, decrypt, wrap, unwrap, sensitive, extractable] = attributes(pkcs11, session, key, [
    A.CKA_KEY_TYPE,
    A.CKA_VALUE_LEN,
    A.CKA_ENCRYPT,
    A.CKA_DECRYPT,
    A.CKA_WRAP,
    A.CKA_UNWRAP,
    A.CKA_SENSITIVE,
    A.CKA_EXTRACTABLE,
  ]) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  if (ulong(keyType) !== A.CKK_AES) throw new HsmWrongKeyTypeError("kek", label, "not an AES key");
  if (ulong(length) !== 32) throw new HsmWrongKeyTypeError("kek", label, "not 256 bits");
  if (!isTrue(encrypt) || !isTrue(decrypt))
    throw new HsmWrongKeyTypeError("kek", label, "CKA_ENCRYPT/CKA_DECRYPT not set");
  if (isTrue(wrap) || isTrue(unwrap))
    throw new HsmWrongKeyTypeError("kek", label, "CKA_WRAP/CKA_UNWRAP set (keys could be unwrapped as extractable)");
  if (!isTrue(sensitive) || isTrue(extractable))
    throw new HsmWrongKeyTypeError("kek", label, "key is extractable or not sensitive");
  return key;
}

/** The labels of every secret key object on the token that start with `prefix`. */
export function listSecretKeyLabels(pkcs11: pkcs11js.PKCS11, session: Buffer, prefix: string): string[] {
  const labels: string[] = [];
  for (const handle of findObjects(pkcs11, session, A.CKO_SECRET_KEY, undefined, 100_000)) {
    let label: Buffer;
    try {
      [label] = pkcs11.C_GetAttributeValue(session, handle, [{ type: A.CKA_LABEL }]).map((a) => a.value) as [Buffer];
    } catch (error) {
      // Destroyed since the search, by another process on the token: no longer a key to list.
      if (rvOf(error) === "CKR_OBJECT_HANDLE_INVALID") continue;
      throw toHsmError("C_GetAttributeValue", error);
    }
    const text = label.toString("utf8");
    if (text.startsWith(prefix)) labels.push(text);
  }
  return labels.sort();
}

/**
 * CKA_EC_POINT per PKCS#11 is a DER OCTET STRING wrapping the point (SoftHSM2 does this); some
 * modules return the raw point. Accepts both, returns the 65-byte uncompressed point.
 */
export function decodeEcPoint(value: Buffer, role: KeyRole, label: string): Uint8Array {
  if (value.length === 67 && value[0] === 0x04 && value[1] === 0x41 && value[2] === 0x04)
    return new Uint8Array(value.subarray(2));
  if (value.length === 65 && value[0] === 0x04) return new Uint8Array(value);
  throw new HsmWrongKeyTypeError(role, label, "CKA_EC_POINT is not an uncompressed 256-bit point");
}
