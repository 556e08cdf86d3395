/**
 * The serving side's decision on one well-formed request from an active member: the chain checks
 * in the order the file header of record-server.ts lists, then the sealed disclosure and its
 * on-chain log. A refusal is a `Refusal` carrying the wire status; anything else is INTERNAL.
 */
import { createHash } from "node:crypto";
import {
  commitRecord,
  discloseFields,
  fieldsOfMask,
  maskCovers,
  type AttestationProof,
  type FieldSalts,
  type Hex,
  type RecordFields,
} from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import { ContractRevertError } from "../ledger/errors.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import { RecordNotDisclosableError } from "./errors.ts";
import { encodeMessage, payloadAad, type DisclosurePayload, type RecordRequest } from "./messages.ts";
import type { RecordStatus } from "./record-status.ts";

/** A record as the issuing bank's vault opens it for disclosure. */
export interface OpenedRecord {
  readonly fields: RecordFields;
  readonly salts: FieldSalts;
  /** Canonical bytes of the face template (biometrics/template.ts encodeTemplate), whose SHA-256 is the `faceTemplate` field. */
  readonly faceTemplate: Uint8Array | null;
}

export interface SourceRecord {
  readonly recordId: string;
  /** The anchored attestation (vault: RecordMeta.anchor.proof); the server checks its status on chain. */
  readonly attestation: AttestationProof;
  /** Decrypts the record; called only after every chain check passed. */
  open(): Promise<OpenedRecord>;
}

/** Port to the issuing bank's records (the vault in the node; an in-memory map in tests). */
export interface RecordSource {
  findByAttestationUid(uid: Hex): Promise<SourceRecord | null>;
}

export interface DisclosureDeps {
  readonly ledger: Pick<
    LedgerClient,
    "findMember" | "findConsent" | "consentStatus" | "attestationStatus" | "recordDisclosure"
  >;
  readonly keys: Pick<KeyManager, "sealForPeer">;
  readonly source: RecordSource;
}

const sha256Hex = (bytes: Uint8Array): string => "0x" + createHash("sha256").update(bytes).digest("hex");

/** A request the serving bank refuses, with the status it answers. */
export class Refusal extends Error {
  constructor(
    readonly status: Exclude<RecordStatus, "OK">,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const refuse = (status: Exclude<RecordStatus, "OK">, reason: string): never => {
  throw new Refusal(status, reason);
};

/** Maps a revert of the disclosure transaction (state changed after our reads) to a status. */
function statusOfRevert(error: unknown): Refusal | null {
  if (!(error instanceof ContractRevertError)) return null;
  switch (error.revert) {
    case "ConsentAlreadyRevoked":
    case "ConsentExpired":
      return new Refusal("CONSENT_NOT_ACTIVE", `consent became inactive (${error.revert})`);
    case "UnknownConsent":
      return new Refusal("CONSENT_NOT_FOUND", "consent not found on chain");
    case "AttestationRevoked":
    case "AttestationExpired":
    case "AttestationNotValid":
      return new Refusal("ATTESTATION_NOT_VALID", `attestation became unusable (${error.revert})`);
    case "GranteeNotActiveMember":
      return new Refusal("NOT_GRANTEE", "grantee is no longer an active member");
    case "FieldsNotGranted":
      return new Refusal("FIELDS_NOT_GRANTED", "fields not granted");
    default:
      return null;
  }
}

/**
 * Checks the request on chain, seals the requested fields to the grantee and logs the disclosure.
 * `ownMemberId` is this bank's member id. Throws `Refusal`, or an internal error.
 */
export async function checkAndDisclose(
  deps: DisclosureDeps,
  ownMemberId: number | null,
  request: RecordRequest,
  requester: MemberInfo,
  signal: AbortSignal,
): Promise<{ sealed: Uint8Array; tx: Hex }> {
  const { grantee, record } = await checkRequest(deps, ownMemberId, request, requester);
  signal.throwIfAborted();
  const sealed = await sealDisclosure(deps.keys, request, record, grantee);
  signal.throwIfAborted();
  try {
    const tx = await deps.ledger.recordDisclosure(request.consentId, request.fields, request.requestId);
    return { sealed, tx: tx.txHash };
  } catch (error) {
    throw statusOfRevert(error) ?? error;
  }
}

/**
 * The chain checks, in order; the grantee as read from the chain just now, and the record to disclose.
 * Every read is started at once (each as soon as what it needs is known) and the checks then run
 * on the answers in the order of the file header: three chains of dependent reads take two round
 * trips, not five one after the other. A refused request costs the reads it would have skipped.
 */
async function checkRequest(
  { ledger, source }: DisclosureDeps,
  ownMemberId: number | null,
  request: RecordRequest,
  requester: MemberInfo,
): Promise<{ grantee: MemberInfo; record: SourceRecord }> {
  const consentRead = ledger.findConsent(request.consentId);
  const recordRead = source.findByAttestationUid(request.attestationUid);
  const [consent, consentStatus, record, grantee, issuer, status] = await Promise.all([
    consentRead,
    ledger.consentStatus(request.consentId),
    recordRead,
    consentRead.then((c) => (c === null ? null : ledger.findMember(c.grantee))),
    recordRead.then((r) => (r === null ? null : ledger.findMember(r.attestation.issuer))),
    recordRead.then((r) => (r === null ? null : ledger.attestationStatus(r.attestation))),
  ]);
  if (consent === null) return refuse("CONSENT_NOT_FOUND", "no such consent on chain");
  if (consent.attestationUid.toLowerCase() !== request.attestationUid)
    return refuse("BAD_REQUEST", "consent is for another attestation");
  if (consentStatus !== "ACTIVE") return refuse("CONSENT_NOT_ACTIVE", `consent is ${consentStatus}`);
  if (grantee === null || grantee.id !== requester.id)
    return refuse("NOT_GRANTEE", "consent names another member as grantee");
  // Read fresh from the chain (the gate's answer may be up to one TTL old): a removed member stops here.
  if (!grantee.active) return refuse("NOT_MEMBER", "the requesting member is no longer active");
  if (!maskCovers(consent.fieldMask, request.fields))
    return refuse("FIELDS_NOT_GRANTED", "requested fields exceed the consent's field mask");
  if (record === null) return refuse("RECORD_NOT_FOUND", "this bank holds no record for the attestation");
  if (consent.issuerMemberId !== ownMemberId)
    return refuse("ATTESTATION_NOT_VALID", "attestation was not issued by this bank");
  if (issuer === null || issuer.id !== ownMemberId)
    return refuse("ATTESTATION_NOT_VALID", "attestation was not issued by this bank");
  if (status !== "VALID") return refuse("ATTESTATION_NOT_VALID", `attestation is ${status}`);
  return { grantee, record };
}

/**
 * Opens the record, checks it is still the anchored one, and seals only the requested fields (and
 * the face template when asked) to the grantee. Sealing comes before the on-chain log: a sealing
 * failure must not log a disclosure.
 */
async function sealDisclosure(
  keys: DisclosureDeps["keys"],
  request: RecordRequest,
  record: SourceRecord,
  grantee: MemberInfo,
): Promise<Uint8Array> {
  const opened = await record.open();
  const commitment = commitRecord(opened.fields, opened.salts);
  if (commitment.root !== record.attestation.data.recordRoot.toLowerCase()) {
    throw new RecordNotDisclosableError(record.recordId, "stored record does not match its anchored root");
  }
  const names = fieldsOfMask(request.fields);
  const wantsTemplate = names.includes("faceTemplate");
  if (
    wantsTemplate &&
    (opened.faceTemplate === null || sha256Hex(opened.faceTemplate) !== commitment.fields.faceTemplate)
  ) {
    throw new RecordNotDisclosableError(record.recordId, "face template missing or not the committed one");
  }
  const payload: DisclosurePayload = {
    v: 1,
    consentId: request.consentId,
    attestationUid: request.attestationUid,
    requestId: request.requestId,
    fields: discloseFields(commitment, names),
    faceTemplate: wantsTemplate ? Buffer.from(opened.faceTemplate!).toString("base64") : null,
  };
  // The grantee's transport key as read from the chain just now (not the gate's cached copy), so
  // an endpoint update is honoured at once.
  const aad = payloadAad(request.consentId, request.requestId);
  return keys.sealForPeer(grantee.transportKey, encodeMessage(payload), aad);
}
