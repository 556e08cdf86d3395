/**
 * The serving side of `/kycnet/record/1.0.0` (bank A, the issuer). For each request it checks ON
 * CHAIN, in this order, and answers with the first failing status:
 *
 *   requester's peer id → an active member (NOT_MEMBER) · request well formed (BAD_REQUEST) ·
 *   consent exists (CONSENT_NOT_FOUND) and is for this attestation (BAD_REQUEST) · consent ACTIVE
 *   now (CONSENT_NOT_ACTIVE) · consent's grantee is the requesting member, compared by member id so
 *   an account rotation keeps it usable (NOT_GRANTEE) · requested fields ⊆ granted mask
 *   (FIELDS_NOT_GRANTED) · this bank holds the record (RECORD_NOT_FOUND) · attestation VALID and
 *   issued by this bank (ATTESTATION_NOT_VALID)
 *
 * then seals ONLY the requested fields (value, salt, Merkle proof) and the face template when that
 * field is requested, to the requester's transport key as published on chain, with
 * aad = consentId || requestId; records the disclosure on chain; and only then answers OK.
 * Every path answers with a status; a stream is only reset when its peer floods it.
 */
import { createHash } from "node:crypto";
import type { Connection, Stream } from "@libp2p/interface";
import type { LengthPrefixedStream } from "@libp2p/utils";
import { isKycnetError } from "@kycnet/sdk/errors";
import {
  commitRecord, discloseFields, fieldsOfMask, maskCovers, type AttestationProof, type FieldSalts, type Hex, type RecordFields,
} from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import { ContractRevertError } from "../ledger/errors.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import { PeerNotMemberError, RecordNotDisclosableError } from "./errors.ts";
import type { ExchangeHost } from "./host.ts";
import type { MembershipCheck } from "./membership.ts";
import {
  MAX_REQUEST_BYTES, RECORD_PROTOCOL, decodeRequest, encodeMessage, payloadAad, salvageRequestId,
  type DisclosurePayload, type RecordRequest, type RecordResponse, type RecordStatus,
} from "./messages.ts";
import { FrameReadError, framed, readFrame } from "./record-protocol.ts";

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

/** One line per request for the audit/operations log: never fields, salts or keys. */
export interface ServedEvent {
  readonly status: RecordStatus;
  readonly requestId: Hex | null;
  readonly consentId: Hex | null;
  readonly remotePeer: string;
  readonly memberId: number | null;
  readonly fieldMask: number | null;
  readonly ms: number;
  readonly disclosureTx: Hex | null;
  readonly error?: unknown;
}

export interface RecordServerOptions {
  readonly host: ExchangeHost;
  readonly ledger: Pick<LedgerClient, "account" | "findMember" | "findConsent" | "consentStatus" | "attestationStatus" | "recordDisclosure" | "chainId" | "addresses">;
  readonly keys: Pick<KeyManager, "sealForPeer">;
  readonly membership: MembershipCheck;
  readonly source: RecordSource;
  /** Requests handled at once across all peers; more get BUSY at once. Default 8. */
  readonly maxConcurrent?: number;
  /** Concurrent record streams per connection (libp2p refuses more). Default 4. */
  readonly maxStreamsPerConnection?: number;
  /** How long a peer may take to send its request. Default 5,000 ms. */
  readonly requestTimeoutMs?: number;
  /** Deadline for the chain checks, sealing and the disclosure transaction. Default 30,000 ms. */
  readonly handlingTimeoutMs?: number;
  /** Deadline for writing the answer. Default 5,000 ms. */
  readonly writeTimeoutMs?: number;
  /** Request ids remembered to refuse replays. Default 10,000. */
  readonly replayWindow?: number;
  readonly onServed?: (event: ServedEvent) => void;
}

export interface RecordServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Requests being handled now. */
  activeRequests(): number;
}

const sha256Hex = (bytes: Uint8Array): string => "0x" + createHash("sha256").update(bytes).digest("hex");

class Refusal extends Error {
  constructor(readonly status: Exclude<RecordStatus, "OK">, readonly reason: string) {
    super(reason);
  }
}

const refuse = (status: Exclude<RecordStatus, "OK">, reason: string): never => {
  throw new Refusal(status, reason);
};

/** Maps a revert of the disclosure transaction (state changed after our reads) to a status. */
function statusOfRevert(error: unknown): Refusal | null {
  if (!(error instanceof ContractRevertError)) return null;
  switch (error.revert) {
    case "ConsentAlreadyRevoked": case "ConsentExpired": return new Refusal("CONSENT_NOT_ACTIVE", `consent became inactive (${error.revert})`);
    case "UnknownConsent": return new Refusal("CONSENT_NOT_FOUND", "consent not found on chain");
    case "AttestationRevoked": case "AttestationExpired": case "AttestationNotValid":
      return new Refusal("ATTESTATION_NOT_VALID", `attestation became unusable (${error.revert})`);
    case "GranteeNotActiveMember": return new Refusal("NOT_GRANTEE", "grantee is no longer an active member");
    case "FieldsNotGranted": return new Refusal("FIELDS_NOT_GRANTED", "fields not granted");
    default: return null;
  }
}

export function createRecordServer(options: RecordServerOptions): RecordServer {
  const { host, ledger, keys, membership, source } = options;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const handlingTimeoutMs = options.handlingTimeoutMs ?? 30_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 5_000;
  const replayWindow = options.replayWindow ?? 10_000;
  const seen = new Set<string>();
  let active = 0;
  let ownMemberId: number | null = null;

  const remember = (requestId: Hex): boolean => {
    if (seen.has(requestId)) return false;
    seen.add(requestId);
    if (seen.size > replayWindow) seen.delete(seen.values().next().value as string);
    return true;
  };

  async function checkAndDisclose(request: RecordRequest, requester: MemberInfo, signal: AbortSignal): Promise<{ sealed: Uint8Array; tx: Hex }> {
    const [consent, consentStatus, record] = await Promise.all([
      ledger.findConsent(request.consentId), ledger.consentStatus(request.consentId), source.findByAttestationUid(request.attestationUid),
    ]);
    if (consent === null) return refuse("CONSENT_NOT_FOUND", "no such consent on chain");
    if (consent.attestationUid.toLowerCase() !== request.attestationUid) return refuse("BAD_REQUEST", "consent is for another attestation");
    if (consentStatus !== "ACTIVE") return refuse("CONSENT_NOT_ACTIVE", `consent is ${consentStatus}`);
    const grantee = await ledger.findMember(consent.grantee);
    if (grantee === null || grantee.id !== requester.id) return refuse("NOT_GRANTEE", "consent names another member as grantee");
    // Read fresh from the chain (the gate's answer may be up to one TTL old): a removed member stops here.
    if (!grantee.active) return refuse("NOT_MEMBER", "the requesting member is no longer active");
    if (!maskCovers(consent.fieldMask, request.fields)) return refuse("FIELDS_NOT_GRANTED", "requested fields exceed the consent's field mask");
    if (record === null) return refuse("RECORD_NOT_FOUND", "this bank holds no record for the attestation");
    if (consent.issuerMemberId !== ownMemberId) return refuse("ATTESTATION_NOT_VALID", "attestation was not issued by this bank");
    const [issuer, status] = await Promise.all([ledger.findMember(record.attestation.issuer), ledger.attestationStatus(record.attestation)]);
    if (issuer === null || issuer.id !== ownMemberId) return refuse("ATTESTATION_NOT_VALID", "attestation was not issued by this bank");
    if (status !== "VALID") return refuse("ATTESTATION_NOT_VALID", `attestation is ${status}`);
    signal.throwIfAborted();

    const opened = await record.open();
    const commitment = commitRecord(opened.fields, opened.salts);
    if (commitment.root !== record.attestation.data.recordRoot.toLowerCase()) {
      throw new RecordNotDisclosableError(record.recordId, "stored record does not match its anchored root");
    }
    const names = fieldsOfMask(request.fields);
    const wantsTemplate = names.includes("faceTemplate");
    if (wantsTemplate && (opened.faceTemplate === null || sha256Hex(opened.faceTemplate) !== commitment.fields.faceTemplate)) {
      throw new RecordNotDisclosableError(record.recordId, "face template missing or not the committed one");
    }
    const payload: DisclosurePayload = {
      v: 1, consentId: request.consentId, attestationUid: request.attestationUid, requestId: request.requestId,
      fields: discloseFields(commitment, names),
      faceTemplate: wantsTemplate ? Buffer.from(opened.faceTemplate!).toString("base64") : null,
    };
    // Seal first (a sealing failure must not log a disclosure), then log on chain, then send.
    // The grantee's transport key as read from the chain just now (not the gate's cached copy), so
    // an endpoint update is honoured at once.
    const sealed = await keys.sealForPeer(grantee.transportKey, encodeMessage(payload), payloadAad(request.consentId, request.requestId));
    signal.throwIfAborted();
    try {
      const tx = await ledger.recordDisclosure(request.consentId, request.fields, request.requestId);
      return { sealed, tx: tx.txHash };
    } catch (error) {
      throw statusOfRevert(error) ?? error;
    }
  }

  async function serve(lp: LengthPrefixedStream<Stream>, connection: Connection, started: number): Promise<{ response: RecordResponse; event: ServedEvent }> {
    const remotePeer = connection.remotePeer.toString();
    let request: RecordRequest | null = null;
    let requester: MemberInfo | null = null;
    let salvaged: Hex | null = null;
    let tx: Hex | null = null;
    const answer = (status: RecordStatus, message: string, sealed?: Uint8Array, error?: unknown) => ({
      response: {
        v: 1 as const, requestId: request?.requestId ?? salvaged, status, message,
        ...(sealed === undefined ? {} : { sealed: Buffer.from(sealed).toString("base64") }),
      },
      event: {
        status, requestId: request?.requestId ?? salvaged, consentId: request?.consentId ?? null, remotePeer,
        memberId: requester?.id ?? null, fieldMask: request?.fields ?? null, ms: Date.now() - started, disclosureTx: tx,
        ...(error === undefined ? {} : { error }),
      },
    });

    let bytes: Uint8Array;
    try {
      bytes = await readFrame(lp, AbortSignal.timeout(requestTimeoutMs));
    } catch (error) {
      const failure = error instanceof FrameReadError ? error.failure : "CLOSED";
      const reason = failure === "TOO_LARGE" ? `request exceeds ${MAX_REQUEST_BYTES} bytes`
        : failure === "TIMEOUT" ? `no request within ${requestTimeoutMs} ms` : "request frame unreadable";
      return answer("BAD_REQUEST", reason, undefined, error);
    }

    requester = await membership.activeMemberOf(connection.remotePeer.toMultihash().bytes);
    if (requester === null) return answer("NOT_MEMBER", "peer id is not an active member's on chain");
    try {
      request = decodeRequest(bytes);
    } catch (error) {
      salvaged = salvageRequestId(bytes);
      return answer("BAD_REQUEST", isKycnetError(error) ? error.message.slice(0, 160) : "malformed request", undefined, error);
    }
    if (!remember(request.requestId)) return answer("BAD_REQUEST", "requestId was already used");

    const deadline = AbortSignal.timeout(handlingTimeoutMs);
    try {
      const timeout = new Promise<never>((_, reject) =>
        deadline.addEventListener("abort", () => reject(new Refusal("INTERNAL", "request handling timed out")), { once: true }));
      const result = await Promise.race([checkAndDisclose(request, requester, deadline), timeout]);
      tx = result.tx;
      return answer("OK", "disclosed", result.sealed);
    } catch (error) {
      if (error instanceof Refusal) return answer(error.status, error.reason);
      // Internal details (chain errors, HSM errors) stay in the log, never on the wire.
      return answer("INTERNAL", "the issuing bank could not serve the request", undefined, error);
    }
  }

  async function onStream(stream: Stream, connection: Connection): Promise<void> {
    const started = Date.now();
    const lp = framed(stream, MAX_REQUEST_BYTES);
    let outcome: { response: RecordResponse; event: ServedEvent };
    if (active >= maxConcurrent) {
      outcome = {
        response: { v: 1, requestId: null, status: "BUSY", message: "too many requests in progress, retry later" },
        event: {
          status: "BUSY", requestId: null, consentId: null, remotePeer: connection.remotePeer.toString(), memberId: null,
          fieldMask: null, ms: 0, disclosureTx: null,
        },
      };
    } else {
      active++;
      try {
        outcome = await serve(lp, connection, started);
      } finally {
        active--;
      }
    }
    try {
      const signal = AbortSignal.timeout(writeTimeoutMs);
      await lp.write(encodeMessage(outcome.response), { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error("write failed"));
    }
    options.onServed?.(outcome.event);
  }

  return {
    async start() {
      const own = await ledger.findMember(await ledger.account());
      if (own === null) throw new PeerNotMemberError("this node's account");
      ownMemberId = own.id;
      await host.handle(RECORD_PROTOCOL, (stream, connection) => onStream(stream, connection), {
        maxInboundStreams: options.maxStreamsPerConnection ?? 4,
      });
    },
    async stop() {
      await host.unhandle(RECORD_PROTOCOL);
    },
    activeRequests: () => active,
  };
}
