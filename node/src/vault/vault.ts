/**
 * The vault: a bank's verified records, encrypted at rest under per-record data keys wrapped by
 * the HSM's KEK (custody/), with their salts, queued for anchoring in the same atomic write, every
 * access and change audited. Only non-personal metadata (ids, root, subject key address, status,
 * attestation references) is stored in the clear.
 *
 * Crypto-shredding deletes the record's wrapped data key and ciphertext: no copy of the key exists
 * anywhere else (the KEK never wraps it again), so the record is gone for good.
 */
import { randomBytes } from "node:crypto";
import { KycnetError } from "@kycnet/sdk/errors";
import type { AttestationData, AttestationProof, FieldSalts, Hex, RecordFields } from "@kycnet/sdk/protocol";
import { attestationUid, commitRecord, type UidContext } from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import type { AuditEvent, AuditLog } from "./audit-log.ts";
import { attestationFromJson, attestationToJson, proofFromJson, proofToJson, sealedFromJson, sealedToJson, type AttestationJson, type ProofJson, type SealedJson } from "./codec.ts";
import { enqueueOps } from "./outbox-queue.ts";
import { RetentionClass, retainUntil, retentionKey, type RetentionClassName } from "./retention.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

/** What the vault encrypts: the committed fields and salts plus whatever evidence the pipeline keeps. */
export interface VerifiedRecord {
  readonly fields: RecordFields;
  readonly salts: FieldSalts;
  /** Face template, evidence hashes, verification result: JSON, no raw images. */
  readonly evidence: Readonly<Record<string, StoredValue>>;
}

/** IN_REVIEW: stored while a reviewer decides, not queued for anchoring; ACTIVE: queued or anchored. */
export type RecordStatus = "IN_REVIEW" | "ACTIVE" | "SHREDDED";

export interface RecordMeta {
  readonly id: string;
  /** The attestation's content-derived uid, known before anchoring. */
  readonly uid: Hex;
  readonly root: Hex;
  readonly subject: Hex;
  readonly createdAt: string;
  readonly status: RecordStatus;
  readonly attestation: AttestationJson;
  /** Set once anchored. */
  /** Set once anchored; txHash is null when a batch sent before a crash was found already on chain. */
  readonly anchor: { readonly uid: Hex; readonly txHash: Hex | null; readonly proof: ProofJson } | null;
  readonly retention: { readonly class: RetentionClassName; readonly closedAt: string | null; readonly retainUntil: string | null };
  readonly shreddedAt: string | null;
}

interface StoredRecord extends RecordMeta {
  readonly envelope: SealedJson | null;
}

export class RecordNotFoundError extends KycnetError {
  constructor(id: string) {
    super("RECORD_NOT_FOUND", `no record ${id}`, { details: { id } });
  }
}

export class RecordShreddedError extends KycnetError {
  constructor(id: string) {
    super("RECORD_SHREDDED", `record ${id} was destroyed at the end of its retention`, { details: { id } });
  }
}

export class RecordStateError extends KycnetError {
  constructor(id: string, status: string, expected: string) {
    super("RECORD_STATE_CONFLICT", `record ${id} is ${status}, not ${expected}`, { details: { id, status, expected } });
  }
}

export class RecordIntegrityError extends KycnetError {
  constructor(id: string, reason: string) {
    super("RECORD_INTEGRITY", `record ${id} failed an integrity check: ${reason}`, { details: { id, reason } });
  }
}

/** Writes another module adds to one of the vault's atomic writes (built under the write lock). */
export interface AlsoWrite {
  readonly ops: () => Promise<readonly WriteOp[]>;
  readonly events: readonly AuditEvent[];
}
const NOTHING: AlsoWrite = { ops: async () => [], events: [] };

const recordKey = (id: string) => `record/${id}`;
const uidKey = (uid: Hex) => `attestation/${uid.toLowerCase()}`;
const ID_PATTERN = /^rec_[0-9a-f]{32}$/;

export interface VaultDeps {
  readonly store: RecordStore;
  /** Where this bank anchors: the uid of each stored attestation is computed (and indexed) from it. */
  readonly attestationContext: UidContext & { readonly issuer: Hex };
  readonly keys: KeyManager;
  readonly audit: AuditLog;
  readonly clock?: () => Date;
}

export function createVault({ store, keys, audit, attestationContext, clock = () => new Date() }: VaultDeps) {
  async function findStored(id: string): Promise<StoredRecord | null> {
    if (!ID_PATTERN.test(id)) return null;
    return ((await store.get(recordKey(id))) as unknown as StoredRecord | undefined) ?? null;
  }

  async function getStored(id: string): Promise<StoredRecord> {
    const record = await findStored(id);
    if (record === null) throw new RecordNotFoundError(id);
    return record;
  }

  const toMeta = ({ envelope: _envelope, ...meta }: StoredRecord): RecordMeta => meta;

  return {
    /**
     * Encrypts and stores a verified record and queues its attestation for anchoring, atomically.
     * The attestation's record root must be the record's own commitment root. With `hold`, the
     * record waits for a reviewer (IN_REVIEW) and is queued only by `releaseForAnchoring`.
     */
    async storeVerifiedRecord(input: {
      record: VerifiedRecord; attestation: AttestationData; actor: string; retentionClass?: RetentionClassName; hold?: boolean;
    }): Promise<RecordMeta> {
      const { record, attestation } = input;
      const uid = attestationUid(attestationContext, attestationContext.issuer, attestation);
      const root = commitRecord(record.fields, record.salts).root;
      if (root !== attestation.recordRoot) throw new RecordIntegrityError("(new)", "attestation root is not the record's commitment root");
      const id = `rec_${randomBytes(16).toString("hex")}`;
      const plaintext = new TextEncoder().encode(JSON.stringify(record));
      const envelope = await keys.sealRecord(id, plaintext);
      const stored: StoredRecord = {
        id, uid, root, subject: attestation.subject, createdAt: clock().toISOString(), status: input.hold === true ? "IN_REVIEW" : "ACTIVE",
        attestation: attestationToJson(attestation), anchor: null,
        retention: { class: input.retentionClass ?? RetentionClass.STANDARD, closedAt: null, retainUntil: null }, shreddedAt: null,
        envelope: sealedToJson(envelope),
      };
      await audit.commit(async () => {
        if ((await store.get(uidKey(uid))) !== undefined) throw new RecordIntegrityError(id, "an attestation with this uid is already stored");
        return [
          { type: "put", key: recordKey(id), value: stored as unknown as StoredValue },
          { type: "put", key: uidKey(uid), value: id },
          ...(input.hold === true ? [] : enqueueOps(id, attestation, clock())),
        ];
      }, [{ actor: input.actor, action: input.hold === true ? "record.held-for-review" : "record.stored", target: id, details: { uid, method: attestation.method } }]);
      return toMeta(stored);
    },

    /**
     * Queues a record held for review (approved by a reviewer) for anchoring. `also` is written in
     * the same atomic write (the review case's own update).
     */
    async releaseForAnchoring(id: string, actor: string, also: AlsoWrite = NOTHING): Promise<RecordMeta> {
      let released: StoredRecord | undefined;
      await audit.commit(async () => {
        const stored = await getStored(id);
        if (stored.status !== "IN_REVIEW") throw new RecordStateError(id, stored.status, "IN_REVIEW");
        released = { ...stored, status: "ACTIVE" };
        return [
          { type: "put", key: recordKey(id), value: released as unknown as StoredValue },
          ...enqueueOps(id, attestationFromJson(stored.attestation as unknown as StoredValue), clock()), ...(await also.ops()),
        ];
      }, [{ actor, action: "record.released-for-anchoring", target: id }, ...also.events]);
      return toMeta(released!);
    },

    /** The record behind an attestation uid this bank issued, or null. */
    async findRecordByUid(uid: Hex): Promise<RecordMeta | null> {
      const id = await store.get(uidKey(uid.toLowerCase() as Hex));
      return typeof id === "string" ? this.findRecordMeta(id) : null;
    },

    findRecordMeta: async (id: string): Promise<RecordMeta | null> => {
      const r = await findStored(id);
      return r === null ? null : toMeta(r);
    },
    getRecordMeta: async (id: string): Promise<RecordMeta> => toMeta(await getStored(id)),

    /** Decrypts a record for `actor` (audited: reading personal data is an access to log). */
    async openRecord(id: string, actor: string, purpose: string): Promise<VerifiedRecord> {
      const stored = await getStored(id);
      if (stored.status === "SHREDDED" || stored.envelope === null) throw new RecordShreddedError(id);
      const plaintext = await keys.openRecord(id, sealedFromJson(stored.envelope));
      const record = JSON.parse(new TextDecoder().decode(plaintext)) as VerifiedRecord;
      // The record must still be the one whose root went on chain.
      if (commitRecord(record.fields, record.salts).root !== stored.root) throw new RecordIntegrityError(id, "decrypted fields do not match the stored root");
      await audit.append({ actor, action: "record.opened", target: id, details: { purpose } });
      return record;
    },

    /**
     * The ops that mark a record anchored. The outbox worker calls this inside its audit commit
     * (under the write lock), so it reads the record's latest state.
     */
    async anchoredOps(id: string, anchor: { uid: Hex; txHash: Hex | null; proof: AttestationProof }): Promise<WriteOp[]> {
      const stored = await findStored(id);
      if (stored === null) return [];
      const updated: StoredRecord = { ...stored, anchor: { uid: anchor.uid, txHash: anchor.txHash, proof: proofToJson(anchor.proof) } };
      return [{ type: "put", key: recordKey(id), value: updated as unknown as StoredValue }];
    },

    proofOf(meta: RecordMeta): AttestationProof | null {
      return meta.anchor === null ? null : proofFromJson(meta.anchor.proof);
    },

    /** Starts the retention clock: the account was closed at `closedAt`. */
    async closeAccount(id: string, input: { closedAt: Date; retentionClass?: RetentionClassName; actor: string }): Promise<RecordMeta> {
      let updated: StoredRecord | undefined;
      const retentionClassOf = (r: StoredRecord) => input.retentionClass ?? r.retention.class;
      const until = (r: StoredRecord) => retainUntil(input.closedAt, retentionClassOf(r));
      const current = await getStored(id);
      await audit.commit(async () => {
        const stored = await getStored(id);
        if (stored.status === "SHREDDED") throw new RecordShreddedError(id);
        updated = { ...stored, retention: { class: retentionClassOf(stored), closedAt: input.closedAt.toISOString(), retainUntil: until(stored).toISOString() } };
        const ops: WriteOp[] = [{ type: "put", key: recordKey(id), value: updated as unknown as StoredValue }, { type: "put", key: retentionKey(until(stored), id), value: id }];
        if (stored.retention.retainUntil !== null) ops.push({ type: "del", key: retentionKey(new Date(stored.retention.retainUntil), id) });
        return ops;
      }, [{ actor: input.actor, action: "record.account-closed", target: id, details: { retentionClass: retentionClassOf(current), retainUntil: until(current).toISOString() } }]);
      return toMeta(updated!);
    },

    /** Destroys the record's data key and ciphertext. Idempotent. `also` is written atomically with it. */
    async shredRecord(id: string, input: { actor: string; reason: string }, also: AlsoWrite = NOTHING): Promise<RecordMeta> {
      const current = await getStored(id);
      if (current.status === "SHREDDED") return toMeta(current);
      let shredded: StoredRecord | undefined;
      await audit.commit(async () => {
        const stored = await getStored(id);
        shredded = { ...stored, status: "SHREDDED", envelope: null, shreddedAt: clock().toISOString() };
        const ops: WriteOp[] = [{ type: "put", key: recordKey(id), value: shredded as unknown as StoredValue }, ...(await also.ops())];
        if (stored.retention.retainUntil !== null) ops.push({ type: "del", key: retentionKey(new Date(stored.retention.retainUntil), id) });
        return ops;
      }, [{ actor: input.actor, action: "record.shredded", target: id, details: { reason: input.reason } }, ...also.events]);
      return toMeta(shredded!);
    },

    /** Shreds every record whose retention ended at or before `now`. Returns their ids. */
    async sweepRetention(now: Date = clock(), actor = "system:retention"): Promise<string[]> {
      const due: string[] = [];
      for await (const [key, value] of store.range({ prefix: "retention/" })) {
        if (key.slice("retention/".length, key.lastIndexOf("/")) > now.toISOString()) break;
        due.push(String(value));
      }
      for (const id of due) await this.shredRecord(id, { actor, reason: "retention-ended" });
      return due;
    },

    async *listRecords(options: { after?: string; limit?: number } = {}): AsyncIterable<RecordMeta> {
      for await (const [, value] of store.range({ prefix: "record/", ...(options.after ? { after: recordKey(options.after) } : {}), limit: options.limit ?? 100 })) {
        yield toMeta(value as unknown as StoredRecord);
      }
    },
  };
}

export type Vault = ReturnType<typeof createVault>;
