/**
 * The requesting side of `/kycnet/record/1.0.0` (bank B, the grantee). Before dialling it checks on
 * chain that the attestation proof is VALID and finds the issuer member's published peer id, so it
 * only talks to the bank that anchored the attestation (Noise authenticates that peer id). After
 * the answer it opens the sealed payload with its own transport key and verifies EVERY disclosed
 * field against the attestation's record root, and the face template against the disclosed
 * `faceTemplate` hash, before returning anything. Any mismatch is a typed error; nothing partial
 * is returned.
 */
import { createHash, randomBytes } from "node:crypto";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Multiaddr } from "@multiformats/multiaddr";
import { encodeBase58 } from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import {
  assertFieldMask,
  attestationUid,
  fieldMaskOf,
  fieldsOfMask,
  verifyFieldDisclosure,
  type AttestationProof,
  type FieldDisclosure,
  type Hex,
  type RecordField,
} from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import {
  AttestationNotUsableError,
  DisclosureVerificationError,
  ExchangeProtocolError,
  ExchangeTimeoutError,
  PeerNotMemberError,
  RecordRequestRefusedError,
} from "./errors.ts";
import { withPeerId, type ExchangeHost } from "./host.ts";
import {
  MAX_RESPONSE_BYTES,
  RECORD_PROTOCOL,
  decodePayload,
  decodeResponse,
  encodeMessage,
  payloadAad,
  type DisclosurePayload,
  type RecordRequest,
} from "./messages.ts";
import { FrameReadError, framed, readFrame } from "./record-protocol.ts";

export interface FetchRecordInput {
  /** Where the issuer listens, e.g. /ip4/10.0.0.5/tcp/4001 (a /p2p/ suffix must name the issuer's on-chain peer id). */
  readonly address: string | Multiaddr;
  readonly consentId: Hex;
  /** The customer's attestation reference: checked VALID on chain, its recordRoot anchors every field. */
  readonly attestation: AttestationProof;
  /** The fields wanted, as names or a mask; must be within the consent's mask. */
  readonly fields: number | readonly RecordField[];
  readonly signal?: AbortSignal;
}

export interface FetchedRecord {
  readonly requestId: Hex;
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  readonly fieldMask: number;
  /** Verified values of exactly the requested fields. */
  readonly fields: Readonly<Partial<Record<RecordField, string>>>;
  /** The verified disclosures (value, salt, proof), to keep as evidence of what was received. */
  readonly disclosures: readonly FieldDisclosure[];
  /** Canonical face template bytes (decode with biometrics/template.ts decodeTemplate); null unless faceTemplate was requested. */
  readonly faceTemplate: Uint8Array | null;
  /** The issuing member as the chain names it. */
  readonly issuer: MemberInfo;
}

export interface RecordClientOptions {
  readonly host: ExchangeHost;
  readonly ledger: Pick<LedgerClient, "findMember" | "attestationStatus" | "chainId" | "addresses">;
  readonly keys: Pick<KeyManager, "openFromPeer">;
  /** Whole-exchange deadline when the caller gives no signal of its own (or a longer one). Default 10,000 ms. */
  readonly timeoutMs?: number;
  /**
   * Record streams open at once to one issuer; further fetches wait their turn (under their
   * deadline). Keep it at or below the server's per-connection stream cap (4), which resets extra streams.
   */
  readonly maxStreamsPerPeer?: number;
}

export interface RecordClient {
  fetchRecord(input: FetchRecordInput): Promise<FetchedRecord>;
}

/** The peer id the chain publishes for a member, as a libp2p PeerId. */
export function peerIdOfMember(member: MemberInfo) {
  try {
    return peerIdFromString(encodeBase58(member.peerId));
  } catch (cause) {
    throw new ExchangeProtocolError(`member ${member.id} publishes an unparsable peer id`, { cause });
  }
}

export function createRecordClient(options: RecordClientOptions): RecordClient {
  const { host, ledger, keys } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const slots = createStreamSlots(options.maxStreamsPerPeer ?? 4);

  async function exchange(address: Multiaddr, request: RecordRequest, signal: AbortSignal): Promise<Uint8Array> {
    const release = await slots.acquire(address.getComponents().find((c) => c.name === "p2p")?.value ?? "", signal);
    try {
      return await exchangeOnStream(host, address, request, signal);
    } finally {
      release();
    }
  }

  return {
    async fetchRecord(input) {
      const fieldMask = typeof input.fields === "number" ? input.fields : fieldMaskOf(input.fields);
      assertFieldMask(fieldMask, "fields");
      if (!/^0x[0-9a-fA-F]{64}$/.test(input.consentId))
        throw new InvalidArgumentError("consentId", "must be 32 bytes as 0x-prefixed hex");
      const consentId = input.consentId.toLowerCase() as Hex;
      const signal =
        input.signal === undefined
          ? AbortSignal.timeout(timeoutMs)
          : AbortSignal.any([input.signal, AbortSignal.timeout(timeoutMs)]);

      const proof = input.attestation;
      const { uid, issuer } = await usableAttestation(ledger, proof);
      const address = withPeerId(input.address, peerIdOfMember(issuer));

      const requestId = ("0x" + randomBytes(32).toString("hex")) as Hex;
      const request: RecordRequest = { v: 1, consentId, attestationUid: uid, fields: fieldMask, requestId };
      let response;
      try {
        response = decodeResponse(await exchange(address, request, signal));
      } catch (error) {
        if (signal.aborted && !(error instanceof ExchangeTimeoutError))
          throw new ExchangeTimeoutError("exchanging the record", { cause: error });
        throw error;
      }
      if (response.requestId !== null && response.requestId !== requestId)
        throw new ExchangeProtocolError("response names another request");
      if (response.status !== "OK") throw new RecordRequestRefusedError(response.status, response.message, requestId);

      const sealed = new Uint8Array(Buffer.from(response.sealed!, "base64"));
      const plaintext = await keys.openFromPeer(sealed, payloadAad(consentId, requestId));
      const payload = decodePayload(plaintext);
      const { fields, faceTemplate } = verifyPayload(payload, request, proof.data.recordRoot);
      return Object.freeze({
        requestId,
        consentId,
        attestationUid: uid,
        fieldMask,
        fields: Object.freeze(fields),
        disclosures: payload.fields,
        faceTemplate,
        issuer,
      });
    },
  };
}

/**
 * Chain first: the attestation must be VALID and its issuer an active member; that member's
 * published peer id is the only peer we accept the record from.
 */
async function usableAttestation(
  ledger: RecordClientOptions["ledger"],
  proof: AttestationProof,
): Promise<{ uid: Hex; issuer: MemberInfo }> {
  const [status, issuer, chainId] = await Promise.all([
    ledger.attestationStatus(proof),
    ledger.findMember(proof.issuer),
    ledger.chainId(),
  ]);
  const uid = attestationUid(
    { chainId, registry: ledger.addresses.attestations },
    proof.issuer,
    proof.data,
  ).toLowerCase() as Hex;
  if (status !== "VALID") throw new AttestationNotUsableError(uid, status);
  if (issuer === null || !issuer.active) throw new PeerNotMemberError(`issuer ${proof.issuer}`);
  return { uid, issuer };
}

/**
 * Checks the opened payload is bound to this request and discloses exactly the requested fields,
 * each verified against the anchored record root (and the template against its committed hash).
 */
function verifyPayload(
  payload: DisclosurePayload,
  request: RecordRequest,
  root: Hex,
): { fields: Partial<Record<RecordField, string>>; faceTemplate: Uint8Array | null } {
  const bound =
    payload.consentId === request.consentId &&
    payload.requestId === request.requestId &&
    payload.attestationUid === request.attestationUid;
  if (!bound) {
    throw new ExchangeProtocolError("payload is bound to another consent, request or attestation");
  }
  const wanted = fieldsOfMask(request.fields);
  const names = payload.fields.map((d) => d.name);
  if (names.length !== wanted.length || !wanted.every((name) => names.includes(name))) {
    throw new ExchangeProtocolError("payload does not disclose exactly the requested fields");
  }
  const fields: Partial<Record<RecordField, string>> = {};
  for (const disclosure of payload.fields) {
    let ok: boolean;
    try {
      ok = verifyFieldDisclosure(root, disclosure);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new DisclosureVerificationError(
        disclosure.name,
        "value, salt or proof does not match the anchored record root",
      );
    fields[disclosure.name] = disclosure.value;
  }
  let faceTemplate: Uint8Array | null = null;
  if (wanted.includes("faceTemplate")) {
    if (payload.faceTemplate === null)
      throw new DisclosureVerificationError("faceTemplate", "template bytes are missing");
    faceTemplate = new Uint8Array(Buffer.from(payload.faceTemplate, "base64"));
    const hash = "0x" + createHash("sha256").update(faceTemplate).digest("hex");
    if (hash !== fields.faceTemplate)
      throw new DisclosureVerificationError("faceTemplate", "template bytes do not hash to the committed value");
  } else if (payload.faceTemplate !== null) {
    throw new ExchangeProtocolError("payload carries a face template that was not requested");
  }
  return { fields, faceTemplate };
}

/** Record streams open at once per issuer; further fetches wait for a slot under their own deadline. */
function createStreamSlots(maxStreamsPerPeer: number) {
  const slots = new Map<string, { active: number; waiting: Array<() => void> }>();
  return {
    /** Waits for a stream slot to `peer`; resolves to its release function. */
    async acquire(peer: string, signal: AbortSignal): Promise<() => void> {
      let slot = slots.get(peer);
      if (slot === undefined) slots.set(peer, (slot = { active: 0, waiting: [] }));
      const s = slot;
      while (s.active >= maxStreamsPerPeer) {
        if (signal.aborted) throw new ExchangeTimeoutError("waiting for a free stream to the issuer");
        await new Promise<void>((resolve, reject) => {
          const wake = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          const onAbort = () => {
            s.waiting.splice(s.waiting.indexOf(wake), 1);
            reject(new ExchangeTimeoutError("waiting for a free stream to the issuer"));
          };
          s.waiting.push(wake);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      }
      s.active++;
      return () => {
        s.active--;
        s.waiting.shift()?.();
        if (s.active === 0 && s.waiting.length === 0) slots.delete(peer);
      };
    },
  };
}

/** One request and its answer on a fresh stream; every failure is a typed exchange error. */
async function exchangeOnStream(
  host: ExchangeHost,
  address: Multiaddr,
  request: RecordRequest,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const stream = await host.openStream(address, RECORD_PROTOCOL, signal);
  const lp = framed(stream, MAX_RESPONSE_BYTES);
  try {
    await lp.write(encodeMessage(request), { signal });
    const bytes = await readFrame(lp, signal);
    await stream.close({ signal }).catch(() => stream.abort(new Error("close failed")));
    return bytes;
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error("exchange failed"));
    if (error instanceof FrameReadError) {
      if (error.failure === "TIMEOUT") throw new ExchangeTimeoutError("waiting for the answer", { cause: error });
      if (error.failure === "TOO_LARGE")
        throw new ExchangeProtocolError(`response exceeds ${MAX_RESPONSE_BYTES} bytes`, { cause: error });
      throw new ExchangeProtocolError("stream closed without an answer", { cause: error });
    }
    if (signal.aborted) throw new ExchangeTimeoutError("sending the request", { cause: error });
    throw new ExchangeProtocolError("stream failed while sending the request", { cause: error });
  }
}
