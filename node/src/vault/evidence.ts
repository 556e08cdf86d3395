/**
 * Case evidence at rest: what a decision saw (card images, selfie frames, chip portrait, and a JSON
 * summary of readings, scores, signals, sanctions hit and registry answer), kept for review and audit.
 *
 * Each part is sealed on its own (a part is at most one upload, so it fits the custody's record size
 * limit, and the console opens one image without decrypting the others) under the SAME period key
 * as its record, at `evidence/<recordId>/<part>`, with `<recordId>/<part>` bound as associated data.
 * A decision's evidence is sealed in its record's own write (`sealOps`, the vault's `sealedExtras`),
 * so a crash never leaves a record without its evidence or evidence without its record.
 * It lives and dies with its record: the vault re-seals it with the record (account closure, key
 * rotation: `evidenceResealOps`) and deletes it in the record's shredding write (`evidenceEraseOps`),
 * so retention and erasure cover it without a second policy. Every opening is audited.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import type { KeyManager } from "../custody/key-manager.ts";
import type { AuditEvent, AuditLog } from "./audit-log.ts";
import { sealedFromJson, sealedToJson, type SealedJson } from "./codec.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

/** `summary` (JSON), `front`, `back`, `chip-portrait`, `frame-0` … `frame-11`. */
const PART = /^(summary|front|back|chip-portrait|frame-(?:[0-9]|1[01]))$/;
const RECORD_ID = /^rec_[0-9a-f]{32}$/;
const prefixOf = (recordId: string) => `evidence/${recordId}/`;

export class EvidenceNotFoundError extends KycnetError {
  constructor(recordId: string, part: string) {
    super("EVIDENCE_NOT_FOUND", `no evidence ${part} for record ${recordId}`, { details: { recordId, part } });
  }
}

/** Sealed writes and their audit entries, for the vault's `StoreRecordInput.sealedExtras`. */
export interface SealedExtras {
  readonly ops: readonly WriteOp[];
  readonly events: readonly AuditEvent[];
}

export interface EvidenceStore {
  /**
   * Seals the parts under the record's current key, in one audited write (`evidence.sealed`).
   * Throws INVALID_ARGUMENT for an unknown part name, RECORD_NOT_FOUND for a record not stored (or shredded).
   */
  seal(recordId: string, parts: ReadonlyMap<string, Uint8Array>, actor: string): Promise<void>;
  /**
   * The same parts sealed under `keyId` for a record being stored, as writes and their audit entry
   * for the record's own write (`StoreRecordInput.sealedExtras`): evidence and record together or
   * neither. Throws INVALID_ARGUMENT for an unknown part name.
   */
  sealOps(
    recordId: string,
    keyId: string,
    parts: ReadonlyMap<string, Uint8Array>,
    actor: string,
  ): Promise<SealedExtras>;
  /** Opens one part for `actor`, audited (`evidence.opened`). Throws EVIDENCE_NOT_FOUND (also after erasure). */
  open(recordId: string, part: string, actor: string): Promise<Uint8Array>;
  /** The names of the parts kept for a record (nothing decrypted, not audited). */
  listParts(recordId: string): Promise<string[]>;
}

interface RecordEnvelopeView {
  readonly envelope: SealedJson | null;
}

export function createEvidenceStore(deps: { store: RecordStore; keys: KeyManager; audit: AuditLog }): EvidenceStore {
  const { store, keys, audit } = deps;
  async function sealOps(
    recordId: string,
    keyId: string,
    parts: ReadonlyMap<string, Uint8Array>,
    actor: string,
  ): Promise<SealedExtras> {
    const ops: WriteOp[] = [];
    for (const [part, bytes] of parts) {
      if (!PART.test(part)) throw new KycnetError("INVALID_ARGUMENT", `evidence part ${part} is not one we keep`);
      const sealed = await keys.sealRecord(`${recordId}/${part}`, bytes, keyId);
      ops.push({ type: "put", key: prefixOf(recordId) + part, value: sealedToJson(sealed) as unknown as StoredValue });
    }
    const events = [
      { actor, action: "evidence.sealed", target: recordId, details: { parts: [...parts.keys()].join(",") } },
    ];
    return { ops, events };
  }
  return {
    async seal(recordId, parts, actor) {
      const record = RECORD_ID.test(recordId)
        ? ((await store.get(`record/${recordId}`)) as unknown as RecordEnvelopeView | undefined)
        : undefined;
      if (record?.envelope == null) throw new KycnetError("RECORD_NOT_FOUND", `no record ${recordId}`);
      const { ops, events } = await sealOps(recordId, record.envelope.keyId, parts, actor);
      await audit.commit(ops, events);
    },

    sealOps,

    async open(recordId, part, actor) {
      const stored =
        RECORD_ID.test(recordId) && PART.test(part) ? await store.get(prefixOf(recordId) + part) : undefined;
      if (stored === undefined) throw new EvidenceNotFoundError(recordId, part);
      const plaintext = await keys.openRecord(`${recordId}/${part}`, sealedFromJson(stored as unknown as SealedJson));
      await audit.append({ actor, action: "evidence.opened", target: recordId, details: { part } });
      return plaintext;
    },

    async listParts(recordId) {
      if (!RECORD_ID.test(recordId)) return [];
      const names: string[] = [];
      for await (const [key] of store.range({ prefix: prefixOf(recordId) }))
        names.push(key.slice(prefixOf(recordId).length));
      return names;
    },
  };
}

/** The deletions of every evidence part of a record: the vault adds them to the record's shredding write. */
export async function evidenceEraseOps(store: RecordStore, recordId: string): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  for await (const [key] of store.range({ prefix: prefixOf(recordId) })) ops.push({ type: "del", key });
  return ops;
}

/** Every evidence part of a record re-sealed under `keyId`, for the write that moves the record there. */
export async function evidenceResealOps(
  store: RecordStore,
  keys: KeyManager,
  recordId: string,
  keyId: string,
): Promise<WriteOp[]> {
  const ops: WriteOp[] = [];
  for await (const [key, value] of store.range({ prefix: prefixOf(recordId) })) {
    const sealed = value as unknown as SealedJson;
    if (sealed.keyId === keyId) continue;
    const aad = key.slice("evidence/".length);
    const plaintext = await keys.openRecord(aad, sealedFromJson(sealed));
    try {
      const resealed = sealedToJson(await keys.sealRecord(aad, plaintext, keyId));
      ops.push({ type: "put", key, value: resealed as unknown as StoredValue });
    } finally {
      plaintext.fill(0);
    }
  }
  return ops;
}
