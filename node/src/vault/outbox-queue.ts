/**
 * The outbox's stored layout: where queued, in-flight and parked attestations live and what each
 * entry holds. Its own module because two writers share it: the vault queues an attestation in the
 * same atomic write as its record (vault.ts), and the anchoring worker drains the queue (outbox.ts).
 */
import type { AttestationData } from "@kycnet/sdk/protocol";
import { attestationToJson, type AttestationJson } from "./codec.ts";
import type { StoredValue, WriteOp } from "./store/record-store.ts";

export const PENDING = "outbox/pending/";
export const INFLIGHT = "outbox/inflight/";
export const FAILED = "outbox/failed/";

export interface PendingEntry {
  recordId: string;
  attestation: AttestationJson;
  queuedAt: string;
}
export interface InflightBatch {
  batchId: string;
  createdAt: string;
  entries: PendingEntry[];
  /** The audit head when the batch was claimed, sent with it (absent in batches claimed before audit heads). */
  auditHead?: { count: number; hash: string } | null;
}

/** The ops that queue a record's attestation; vault.ts writes them with the record itself. */
export function enqueueOps(recordId: string, attestation: AttestationData, now: Date): WriteOp[] {
  const entry: PendingEntry = { recordId, attestation: attestationToJson(attestation), queuedAt: now.toISOString() };
  return [{ type: "put", key: `${PENDING}${now.toISOString()}/${recordId}`, value: entry as unknown as StoredValue }];
}
