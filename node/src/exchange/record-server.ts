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
import type { Connection, Stream } from "@libp2p/interface";
import type { LengthPrefixedStream } from "@libp2p/utils";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import { PeerNotMemberError } from "./errors.ts";
import type { ExchangeHost } from "./host.ts";
import type { MembershipCheck } from "./membership.ts";
import {
  MAX_REQUEST_BYTES,
  RECORD_PROTOCOL,
  decodeRequest,
  encodeMessage,
  salvageRequestId,
  type RecordRequest,
  type RecordResponse,
} from "./messages.ts";
import { checkAndDisclose, Refusal, type RecordSource } from "./record-disclosure.ts";
import { FrameReadError, framed, readFrame } from "./record-protocol.ts";
import type { RecordStatus } from "./record-status.ts";

export type { OpenedRecord, RecordSource, SourceRecord } from "./record-disclosure.ts";

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
  readonly ledger: Pick<
    LedgerClient,
    | "account"
    | "findMember"
    | "findConsent"
    | "consentStatus"
    | "attestationStatus"
    | "recordDisclosure"
    | "chainId"
    | "addresses"
  >;
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

export function createRecordServer(options: RecordServerOptions): RecordServer {
  const { host, ledger, keys, membership, source } = options;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const handlingTimeoutMs = options.handlingTimeoutMs ?? 30_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 5_000;
  const replayWindow = options.replayWindow ?? 10_000;
  const remember = replayGuard(replayWindow);
  let active = 0;
  let ownMemberId: number | null = null;

  async function serve(lp: LengthPrefixedStream<Stream>, connection: Connection, started: number): Promise<Outcome> {
    const x = freshState(connection, started);
    const frame = await readRequestFrame(lp, requestTimeoutMs);
    if ("reason" in frame) return answer(x, "BAD_REQUEST", frame.reason, undefined, frame.error);
    const bytes = frame.bytes;

    const requester = await membership.activeMemberOf(connection.remotePeer.toMultihash().bytes);
    x.requester = requester;
    if (requester === null) return answer(x, "NOT_MEMBER", "peer id is not an active member's on chain");
    let request: RecordRequest;
    try {
      request = decodeRequest(bytes);
    } catch (error) {
      x.salvaged = salvageRequestId(bytes);
      const reason = isKycnetError(error) ? error.message.slice(0, 160) : "malformed request";
      return answer(x, "BAD_REQUEST", reason, undefined, error);
    }
    x.request = request;
    if (!remember(request.requestId)) return answer(x, "BAD_REQUEST", "requestId was already used");
    return disclose(x, request, requester);
  }

  /** Runs the checks and the disclosure under the handling deadline; turns every failure into a status. */
  async function disclose(x: ExchangeState, request: RecordRequest, requester: MemberInfo): Promise<Outcome> {
    const deadline = AbortSignal.timeout(handlingTimeoutMs);
    try {
      const timeout = new Promise<never>((_, reject) =>
        deadline.addEventListener("abort", () => reject(new Refusal("INTERNAL", "request handling timed out")), {
          once: true,
        }),
      );
      const disclosed = checkAndDisclose({ ledger, keys, source }, ownMemberId, request, requester, deadline);
      const result = await Promise.race([disclosed, timeout]);
      x.tx = result.tx;
      return answer(x, "OK", "disclosed", result.sealed);
    } catch (error) {
      if (error instanceof Refusal) return answer(x, error.status, error.reason);
      // Internal details (chain errors, HSM errors) stay in the log, never on the wire.
      return answer(x, "INTERNAL", "the issuing bank could not serve the request", undefined, error);
    }
  }

  async function onStream(stream: Stream, connection: Connection): Promise<void> {
    const started = Date.now();
    const lp = framed(stream, MAX_REQUEST_BYTES);
    let outcome: Outcome;
    if (active >= maxConcurrent) {
      outcome = answer(freshState(connection, started), "BUSY", "too many requests in progress, retry later");
    } else {
      active++;
      try {
        outcome = await serve(lp, connection, started);
      } finally {
        active--;
      }
    }
    await writeAnswer(stream, lp, outcome.response, writeTimeoutMs);
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

type Outcome = { response: RecordResponse; event: ServedEvent };

/** What is known of one request so far: its answer and its log line say as much as that. */
interface ExchangeState {
  readonly remotePeer: string;
  readonly started: number;
  request: RecordRequest | null;
  requester: MemberInfo | null;
  /** The request id read from a request that did not decode, when it could be read. */
  salvaged: Hex | null;
  tx: Hex | null;
}

const freshState = (connection: Connection, started: number): ExchangeState => ({
  remotePeer: connection.remotePeer.toString(),
  started,
  request: null,
  requester: null,
  salvaged: null,
  tx: null,
});

function answer(
  x: ExchangeState,
  status: RecordStatus,
  message: string,
  sealed?: Uint8Array,
  error?: unknown,
): Outcome {
  const requestId = x.request?.requestId ?? x.salvaged;
  return {
    response: {
      v: 1 as const,
      requestId,
      status,
      message,
      ...(sealed === undefined ? {} : { sealed: Buffer.from(sealed).toString("base64") }),
    },
    event: {
      status,
      requestId,
      consentId: x.request?.consentId ?? null,
      remotePeer: x.remotePeer,
      memberId: x.requester?.id ?? null,
      fieldMask: x.request?.fields ?? null,
      ms: Date.now() - x.started,
      disclosureTx: x.tx,
      ...(error === undefined ? {} : { error }),
    },
  };
}

/** Remembers the last `window` request ids; false for one already seen (a replay). */
function replayGuard(window: number): (requestId: Hex) => boolean {
  const seen = new Set<string>();
  return (requestId) => {
    if (seen.has(requestId)) return false;
    seen.add(requestId);
    if (seen.size > window) seen.delete(seen.values().next().value as string);
    return true;
  };
}

/** The request's bytes, or why there are none (too large, too slow, unreadable). */
async function readRequestFrame(
  lp: LengthPrefixedStream<Stream>,
  timeoutMs: number,
): Promise<{ bytes: Uint8Array } | { reason: string; error: unknown }> {
  try {
    return { bytes: await readFrame(lp, AbortSignal.timeout(timeoutMs)) };
  } catch (error) {
    const failure = error instanceof FrameReadError ? error.failure : "CLOSED";
    const reason =
      failure === "TOO_LARGE"
        ? `request exceeds ${MAX_REQUEST_BYTES} bytes`
        : failure === "TIMEOUT"
          ? `no request within ${timeoutMs} ms`
          : "request frame unreadable";
    return { reason, error };
  }
}

/** Writes the answer and closes the stream; a peer that does not read it in time gets its stream reset. */
async function writeAnswer(
  stream: Stream,
  lp: LengthPrefixedStream<Stream>,
  response: RecordResponse,
  timeoutMs: number,
): Promise<void> {
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    await lp.write(encodeMessage(response), { signal });
    await stream.close({ signal });
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error("write failed"));
  }
}
