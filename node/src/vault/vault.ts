/**
 * The vault: a bank's verified records, encrypted at rest under per-record data keys wrapped by
 * the HSM's KEK (custody/), with their salts, queued for anchoring in the same atomic write, every
 * access and change audited. Only non-personal metadata (ids, root, subject key address, status,
 * attestation references) is stored in the clear.
 *
 * Erasure (the key hierarchy is in key-periods.ts, the guarantees in README.md):
 * - shredding a record deletes its ciphertext and compacts the store, so the live vault files hold
 *   nothing of it and the live HSM can open nothing of it;
 * - copies of the vault files taken earlier still hold its ciphertext, sealed under its period key;
 *   the retention sweep destroys each period key in the HSM when its period is over, and from then
 *   on nothing sealed under it opens from any copy.
 */
import { randomBytes } from "node:crypto";
import { KycnetError, isKycnetError } from "@kycnet/sdk/errors";
import type { AttestationData, AttestationProof, FieldSalts, Hex, RecordFields } from "@kycnet/sdk/protocol";
import { attestationUid, commitRecord, type UidContext } from "@kycnet/sdk/protocol";
import type { KeyManager } from "../custody/key-manager.ts";
import type { AuditEvent, AuditLog } from "./audit-log.ts";
import {
  attestationFromJson,
  attestationToJson,
  proofFromJson,
  proofToJson,
  sealedFromJson,
  sealedToJson,
  type AttestationJson,
  type ProofJson,
  type SealedJson,
} from "./codec.ts";
import { evidenceEraseOps, evidenceResealOps, type SealedExtras } from "./evidence.ts";
import { indexEntryKey, indexEntryResealOps, sealIndexEntryOp } from "./index-entries.ts";
import { enqueueOps } from "./outbox-queue.ts";
import { keyFate, openKeyId, retentionKeyId } from "./key-periods.ts";
import { RetentionClass, retainUntil, retentionKey, type RetentionClassName } from "./retention.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

/** What the vault encrypts: the committed fields and salts plus whatever evidence the pipeline keeps. */

/**
 * The audit actions of the write that stores a record (active, or held for review). Readers that
 * follow new records through the audit log (the vault check, the duplicate index of another
 * instance) name them from here.
 */
export const RECORD_STORED_ACTIONS = ["record.stored", "record.held-for-review"] as const;
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
  readonly retention: {
    readonly class: RetentionClassName;
    readonly closedAt: string | null;
    readonly retainUntil: string | null;
  };
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

/** What `storeVerifiedRecord` takes. */
export interface StoreRecordInput {
  readonly record: VerifiedRecord;
  readonly attestation: AttestationData;
  readonly actor: string;
  readonly retentionClass?: RetentionClassName;
  /** Keep the record IN_REVIEW, not queued for anchoring, until `releaseForAnchoring`. */
  readonly hold?: boolean;
  /**
   * Writes another module keeps about this record (e.g. the re-onboarding index), in the same atomic
   * write. Called under the write lock, after `sealedExtras` was prepared.
   */
  readonly extraOps?: (stored: { readonly id: string; readonly uid: Hex }) => readonly WriteOp[];
  /**
   * Runs under the write lock before anything is written, reading the store: throws to write nothing
   * (e.g. the onboarding session has its record already, kept by another instance).
   */
  readonly check?: () => Promise<void>;
  /**
   * Writes sealed under the record's key (its case evidence: `EvidenceStore.sealOps`), prepared
   * once the key is known and written with their audit entries in the record's own write: the
   * record and they are kept together or not at all.
   */
  readonly sealedExtras?: (stored: { readonly id: string; readonly keyId: string }) => Promise<SealedExtras>;
  /** The record's duplicate-index entry, sealed under the record's key in the same write (index-entries.ts). */
  readonly indexEntry?: Uint8Array;
}

/** Where a batch anchored one record: its uid, the transaction (null if found already mined) and the proof. */
export interface RecordAnchor {
  readonly uid: Hex;
  readonly txHash: Hex | null;
  readonly proof: AttestationProof;
}

/**
 * A bank's records at rest. Every change is one atomic, audited write; every decryption is
 * audited. Failures are `KycnetError`s: RECORD_NOT_FOUND, RECORD_SHREDDED, RECORD_STATE_CONFLICT,
 * RECORD_INTEGRITY, or the custody/store error that stopped the write (nothing is then written).
 * Nothing returned except `openRecord` carries personal data.
 */
export interface Vault {
  /**
   * Encrypts and stores a verified record and queues its attestation for anchoring, atomically.
   * Throws RECORD_INTEGRITY when the attestation's root is not the record's commitment root or an
   * attestation with the same uid is already stored.
   */
  storeVerifiedRecord(input: StoreRecordInput): Promise<RecordMeta>;
  /**
   * Queues a record held for review for anchoring, with `also` (e.g. the review case's update) in
   * the same atomic write. Throws RECORD_NOT_FOUND, or RECORD_STATE_CONFLICT unless IN_REVIEW.
   */
  releaseForAnchoring(id: string, actor: string, also?: AlsoWrite): Promise<RecordMeta>;
  /** The record behind an attestation uid this bank issued, or null; never throws for an unknown uid. */
  findRecordByUid(uid: Hex): Promise<RecordMeta | null>;
  /** Null for an unknown or malformed id. */
  findRecordMeta(id: string): Promise<RecordMeta | null>;
  /** Throws RECORD_NOT_FOUND. */
  getRecordMeta(id: string): Promise<RecordMeta>;
  /**
   * Decrypts a record for `actor`, audited. Throws RECORD_NOT_FOUND, RECORD_SHREDDED, or
   * RECORD_INTEGRITY when the decrypted fields no longer match the stored root.
   */
  openRecord(id: string, actor: string, purpose: string): Promise<VerifiedRecord>;
  /**
   * The ops that mark a record anchored, for the outbox worker to write inside its audit commit
   * (under the write lock, so they reflect the record's latest state). Empty for an unknown id.
   */
  anchoredOps(id: string, anchor: RecordAnchor): Promise<WriteOp[]>;
  /** The record's inclusion proof, or null while it is not anchored. */
  proofOf(meta: RecordMeta): AttestationProof | null;
  /** Starts the retention clock. Throws RECORD_NOT_FOUND, RECORD_SHREDDED. */
  closeAccount(
    id: string,
    input: { closedAt: Date; retentionClass?: RetentionClassName; actor: string },
  ): Promise<RecordMeta>;
  /**
   * Deletes the record's ciphertext, with `also` in the same atomic write, then compacts the store so
   * no live file keeps it. Idempotent: an already shredded record is returned as it is. Throws
   * RECORD_NOT_FOUND. Older copies of the vault files open until its period key is destroyed.
   */
  shredRecord(id: string, input: { actor: string; reason: string }, also?: AlsoWrite): Promise<RecordMeta>;
  /**
   * Shreds every record whose retention ended at or before `now`, then retires the period keys
   * whose period is over (key-periods.ts): records of open accounts under a past year's key are
   * re-sealed under this year's, and the old keys are destroyed in the HSM. Compacts the store
   * when anything changed. Returns the ids of the shredded records.
   */
  sweepRetention(now?: Date, actor?: string): Promise<string[]>;
  /** Record metadata in id order, `limit` (default 100) after `after`. */
  listRecords(options?: { after?: string; limit?: number }): AsyncIterable<RecordMeta>;
}

export interface VaultDeps {
  readonly store: RecordStore;
  /** Where this bank anchors: the uid of each stored attestation is computed (and indexed) from it. */
  readonly attestationContext: UidContext & { readonly issuer: Hex };
  readonly keys: KeyManager;
  readonly audit: AuditLog;
  readonly clock?: () => Date;
  /** A stored record failed to open (after its FAILED audit entry): the node counts it for alerting. */
  readonly onOpenFailure?: (id: string, code: string) => void;
}

export function createVault(deps: VaultDeps): Vault {
  const clock = deps.clock ?? (() => new Date());
  const records = storedRecords(deps.store);
  const retention = retentionOperations(deps, records, clock);
  return { ...intakeOperations(deps, records, clock), ...readOperations(deps, records), ...retention };
}

/** Reading the stored form (envelope included) by id; the one place that decodes `record/<id>`. */
function storedRecords(store: RecordStore) {
  async function findStored(id: string): Promise<StoredRecord | null> {
    if (!ID_PATTERN.test(id)) return null;
    return ((await store.get(recordKey(id))) as unknown as StoredRecord | undefined) ?? null;
  }
  async function getStored(id: string): Promise<StoredRecord> {
    const record = await findStored(id);
    if (record === null) throw new RecordNotFoundError(id);
    return record;
  }
  return { findStored, getStored };
}
type StoredRecords = ReturnType<typeof storedRecords>;

const toMeta = ({ envelope: _envelope, ...meta }: StoredRecord): RecordMeta => meta;

/** Records coming in: stored (sealed, indexed by uid, queued unless held), released and anchored. */
function intakeOperations(
  { store, keys, audit, attestationContext }: VaultDeps,
  { findStored, getStored }: StoredRecords,
  clock: () => Date,
): Pick<Vault, "storeVerifiedRecord" | "releaseForAnchoring" | "anchoredOps"> {
  return {
    async storeVerifiedRecord(input) {
      const { record, attestation } = input;
      const uid = attestationUid(attestationContext, attestationContext.issuer, attestation);
      const root = commitRecord(record.fields, record.salts).root;
      if (root !== attestation.recordRoot)
        throw new RecordIntegrityError("(new)", "attestation root is not the record's commitment root");
      const id = `rec_${randomBytes(16).toString("hex")}`;
      const plaintext = new TextEncoder().encode(JSON.stringify(record));
      const keyId = openKeyId(clock());
      const envelope = await keys.sealRecord(id, plaintext, keyId);
      // Sealed before the write (HSM calls, outside the audit lock), written in it.
      const extras = (await input.sealedExtras?.({ id, keyId })) ?? { ops: [], events: [] };
      const indexOps =
        input.indexEntry === undefined ? [] : [await sealIndexEntryOp(keys, id, input.indexEntry, keyId)];
      const stored: StoredRecord = {
        id,
        uid,
        root,
        subject: attestation.subject,
        createdAt: clock().toISOString(),
        status: input.hold === true ? "IN_REVIEW" : "ACTIVE",
        attestation: attestationToJson(attestation),
        anchor: null,
        retention: { class: input.retentionClass ?? RetentionClass.STANDARD, closedAt: null, retainUntil: null },
        shreddedAt: null,
        envelope: sealedToJson(envelope),
      };
      await audit.commit(async () => {
        await input.check?.();
        if ((await store.get(uidKey(uid))) !== undefined)
          throw new RecordIntegrityError(id, "an attestation with this uid is already stored");
        return [
          { type: "put", key: recordKey(id), value: stored as unknown as StoredValue },
          { type: "put", key: uidKey(uid), value: id },
          ...(input.hold === true ? [] : enqueueOps(id, attestation, clock())),
          ...(input.extraOps?.({ id, uid }) ?? []),
          ...extras.ops,
          ...indexOps,
        ];
      }, [
        {
          actor: input.actor,
          action: input.hold === true ? RECORD_STORED_ACTIONS[1] : RECORD_STORED_ACTIONS[0],
          target: id,
          details: { uid, method: attestation.method },
        },
        ...extras.events,
      ]);
      return toMeta(stored);
    },

    async releaseForAnchoring(id, actor, also = NOTHING) {
      let released: StoredRecord | undefined;
      await audit.commit(async () => {
        const stored = await getStored(id);
        if (stored.status !== "IN_REVIEW") throw new RecordStateError(id, stored.status, "IN_REVIEW");
        released = { ...stored, status: "ACTIVE" };
        return [
          { type: "put", key: recordKey(id), value: released as unknown as StoredValue },
          ...enqueueOps(id, attestationFromJson(stored.attestation), clock()),
          ...(await also.ops()),
        ];
      }, [{ actor, action: "record.released-for-anchoring", target: id }, ...also.events]);
      return toMeta(released!);
    },

    async anchoredOps(id, anchor) {
      const stored = await findStored(id);
      if (stored === null) return [];
      const updated: StoredRecord = {
        ...stored,
        anchor: { uid: anchor.uid, txHash: anchor.txHash, proof: proofToJson(anchor.proof) },
      };
      return [{ type: "put", key: recordKey(id), value: updated as unknown as StoredValue }];
    },
  };
}

/** Looking records up, listing them and decrypting one (the only audited read of personal data). */
function readOperations(
  { store, keys, audit, onOpenFailure }: VaultDeps,
  { findStored, getStored }: StoredRecords,
): Pick<Vault, "findRecordByUid" | "findRecordMeta" | "getRecordMeta" | "openRecord" | "proofOf" | "listRecords"> {
  const findRecordMeta = async (id: string): Promise<RecordMeta | null> => {
    const r = await findStored(id);
    return r === null ? null : toMeta(r);
  };
  return {
    async findRecordByUid(uid) {
      const id = await store.get(uidKey(uid.toLowerCase() as Hex));
      return typeof id === "string" ? findRecordMeta(id) : null;
    },
    findRecordMeta,
    getRecordMeta: async (id) => toMeta(await getStored(id)),

    async openRecord(id, actor, purpose) {
      const stored = await getStored(id);
      if (stored.status === "SHREDDED" || stored.envelope === null) throw new RecordShreddedError(id);
      let record: VerifiedRecord;
      try {
        const plaintext = await keys.openRecord(id, sealedFromJson(stored.envelope));
        record = JSON.parse(new TextDecoder().decode(plaintext)) as VerifiedRecord;
        // The record must still be the one whose root went on chain.
        if (commitRecord(record.fields, record.salts).root !== stored.root)
          throw new RecordIntegrityError(id, "decrypted fields do not match the stored root");
      } catch (error) {
        // A stored record that does not open is damage or tampering, never routine: audited (the
        // audit write failing too must not hide the first error) and reported for an alert.
        const code = isKycnetError(error) ? error.code : "INTERNAL";
        await audit
          .append({ actor, action: "record.open-failed", target: id, outcome: "FAILED", details: { purpose, code } })
          .catch(() => undefined);
        onOpenFailure?.(id, code);
        throw error;
      }
      await audit.append({ actor, action: "record.opened", target: id, details: { purpose } });
      return record;
    },

    proofOf(meta) {
      return meta.anchor === null ? null : proofFromJson(meta.anchor.proof);
    },

    async *listRecords(options = {}) {
      for await (const [, value] of store.range({
        prefix: "record/",
        ...(options.after ? { after: recordKey(options.after) } : {}),
        limit: options.limit ?? 100,
      })) {
        yield toMeta(value as unknown as StoredRecord);
      }
    },
  };
}

/** The end of a record's life: account closure starts the retention clock, the sweep shreds. */
function retentionOperations(
  { store, audit, keys }: VaultDeps,
  { getStored }: StoredRecords,
  clock: () => Date,
): Pick<Vault, "closeAccount" | "shredRecord" | "sweepRetention"> {
  /** The record's envelope moved under `keyId`: opened and sealed again in the HSM, nothing else changes. */
  async function resealed(stored: StoredRecord, keyId: string): Promise<SealedJson | null> {
    if (stored.envelope === null || stored.envelope.keyId === keyId) return stored.envelope;
    const plaintext = await keys.openRecord(stored.id, sealedFromJson(stored.envelope));
    try {
      return sealedToJson(await keys.sealRecord(stored.id, plaintext, keyId));
    } finally {
      plaintext.fill(0);
    }
  }

  async function shredWithoutCompaction(
    id: string,
    input: { actor: string; reason: string },
    also: AlsoWrite,
  ): Promise<RecordMeta> {
    const current = await getStored(id);
    if (current.status === "SHREDDED") return toMeta(current);
    let shredded: StoredRecord | undefined;
    await audit.commit(async () => {
      const stored = await getStored(id);
      shredded = { ...stored, status: "SHREDDED", envelope: null, shreddedAt: clock().toISOString() };
      const ops: WriteOp[] = [
        { type: "put", key: recordKey(id), value: shredded as unknown as StoredValue },
        // The case evidence (evidence.ts) and the duplicate-index entry go in the same write as the record.
        ...(await evidenceEraseOps(store, id)),
        { type: "del", key: indexEntryKey(id) },
        ...(await also.ops()),
      ];
      if (stored.retention.retainUntil !== null)
        ops.push({ type: "del", key: retentionKey(new Date(stored.retention.retainUntil), id) });
      return ops;
    }, [
      { actor: input.actor, action: "record.shredded", target: id, details: { reason: input.reason } },
      ...also.events,
    ]);
    return toMeta(shredded!);
  }

  async function shredRecord(
    id: string,
    input: { actor: string; reason: string },
    also: AlsoWrite = NOTHING,
  ): Promise<RecordMeta> {
    const evidence = await evidenceEraseOps(store, id);
    const meta = await shredWithoutCompaction(id, input, also);
    await store.compact(recordKey(id));
    await store.compact(indexEntryKey(id));
    for (const op of evidence) await store.compact(op.key);
    return meta;
  }

  /** Moves every record still under `keyId` to `target`, one audited write each. Returns how many. */
  async function rotateRecords(keyId: string, target: string, actor: string): Promise<number> {
    const ids: string[] = [];
    for await (const [, value] of store.range({ prefix: "record/" })) {
      const stored = value as unknown as StoredRecord;
      if (stored.envelope?.keyId === keyId) ids.push(stored.id);
    }
    for (const id of ids) {
      await audit.commit(async () => {
        const stored = await getStored(id);
        const envelope = await resealed(stored, target);
        return [
          { type: "put", key: recordKey(id), value: { ...stored, envelope } as unknown as StoredValue },
          ...(await evidenceResealOps(store, keys, id, target)),
          ...(await indexEntryResealOps(store, keys, id, target)),
        ];
      }, [{ actor, action: "record.rekeyed", target: id, details: { from: keyId, to: target } }]);
    }
    return ids.length;
  }

  /** Retires the period keys that are over at `now`; true when any key was destroyed. */
  async function retireKeys(now: Date, actor: string): Promise<boolean> {
    let destroyed = false;
    for (const keyId of await keys.listRecordKeys()) {
      const fate = keyFate(keyId, now);
      if (fate === "keep") continue;
      const moved = fate === "rotate-then-destroy" ? await rotateRecords(keyId, openKeyId(now), actor) : 0;
      await keys.destroyRecordKey(keyId);
      await audit.append({ actor, action: "key.destroyed", target: keyId, details: { rotatedRecords: moved } });
      destroyed = true;
    }
    return destroyed;
  }

  return {
    async closeAccount(id, input) {
      let updated: StoredRecord | undefined;
      const retentionClassOf = (r: StoredRecord) => input.retentionClass ?? r.retention.class;
      const until = (r: StoredRecord) => retainUntil(input.closedAt, retentionClassOf(r));
      const current = await getStored(id);
      await audit.commit(async () => {
        const stored = await getStored(id);
        if (stored.status === "SHREDDED") throw new RecordShreddedError(id);
        updated = {
          ...stored,
          // From now on the record lives and dies with the key of its deadline's month.
          envelope: await resealed(stored, retentionKeyId(until(stored))),
          retention: {
            class: retentionClassOf(stored),
            closedAt: input.closedAt.toISOString(),
            retainUntil: until(stored).toISOString(),
          },
        };
        const ops: WriteOp[] = [
          { type: "put", key: recordKey(id), value: updated as unknown as StoredValue },
          { type: "put", key: retentionKey(until(stored), id), value: id },
          ...(await evidenceResealOps(store, keys, id, retentionKeyId(until(stored)))),
          ...(await indexEntryResealOps(store, keys, id, retentionKeyId(until(stored)))),
        ];
        if (stored.retention.retainUntil !== null)
          ops.push({ type: "del", key: retentionKey(new Date(stored.retention.retainUntil), id) });
        return ops;
      }, [
        {
          actor: input.actor,
          action: "record.account-closed",
          target: id,
          details: { retentionClass: retentionClassOf(current), retainUntil: until(current).toISOString() },
        },
      ]);
      return toMeta(updated!);
    },

    shredRecord,

    async sweepRetention(now = clock(), actor = "system:retention") {
      const due: string[] = [];
      for await (const [key, value] of store.range({ prefix: "retention/" })) {
        if (key.slice("retention/".length, key.lastIndexOf("/")) > now.toISOString()) break;
        // The index entry's value is the record id it points to (written by closeAccount as a string).
        due.push(typeof value === "string" ? value : JSON.stringify(value));
      }
      for (const id of due) await shredWithoutCompaction(id, { actor, reason: "retention-ended" }, NOTHING);
      const retired = await retireKeys(now, actor);
      if (due.length > 0 || retired) await store.compact();
      return due;
    },
  };
}
