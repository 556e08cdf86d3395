/**
 * A record's entry in the duplicate-identity index (onboarding/duplicate-identities.ts): its face
 * template and ID number are biometric and identifying data, so the entry is sealed like the record,
 * under the SAME period key, at `face-index/<recordId>` with `<recordId>/face-index` bound as associated
 * data. It is written in the record's own atomic write, re-sealed with it (account closure, key
 * rotation) and deleted in its shredding write, so erasure and retention cover it without a policy of
 * its own. The entries live under their own prefix so a start-up reads them without touching the
 * records' envelopes or the evidence images.
 */
import type { KeyManager } from "../custody/key-manager.ts";
import { sealedFromJson, sealedToJson, type SealedJson } from "./codec.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

const PREFIX = "face-index/";
export const indexEntryKey = (recordId: string) => `${PREFIX}${recordId}`;
const aadOf = (recordId: string) => `${recordId}/face-index`;

/** The put of a sealed entry, for the record's write (`keyId`: the key the record is sealed under). */
export async function sealIndexEntryOp(
  keys: KeyManager,
  recordId: string,
  plaintext: Uint8Array,
  keyId: string,
): Promise<WriteOp> {
  const sealed = await keys.sealRecord(aadOf(recordId), plaintext, keyId);
  return { type: "put", key: indexEntryKey(recordId), value: sealedToJson(sealed) as unknown as StoredValue };
}

/** The entry re-sealed under `keyId`, for the write that moves its record there (none when absent or already there). */
export async function indexEntryResealOps(
  store: RecordStore,
  keys: KeyManager,
  recordId: string,
  keyId: string,
): Promise<WriteOp[]> {
  const stored = (await store.get(indexEntryKey(recordId))) as unknown as SealedJson | undefined;
  if (stored === undefined || stored.keyId === keyId) return [];
  const plaintext = await keys.openRecord(aadOf(recordId), sealedFromJson(stored));
  try {
    return [await sealIndexEntryOp(keys, recordId, plaintext, keyId)];
  } finally {
    plaintext.fill(0);
  }
}

/** Entries unsealed at once: the PKCS#11 adapter spreads them over its sessions (4 by default). */
const UNSEAL_BATCH = 64;

export type UnsealedIndexEntry = { recordId: string; plaintext: Uint8Array } | { recordId: string; error: unknown };

async function unseal(keys: KeyManager, recordId: string, value: StoredValue): Promise<UnsealedIndexEntry> {
  try {
    return {
      recordId,
      plaintext: await keys.openRecord(aadOf(recordId), sealedFromJson(value as unknown as SealedJson)),
    };
  } catch (error) {
    return { recordId, error };
  }
}

/** One record's entry unsealed, or undefined when it has none (never indexed, or shredded since). */
export async function unsealedIndexEntry(
  store: RecordStore,
  keys: KeyManager,
  recordId: string,
): Promise<UnsealedIndexEntry | undefined> {
  const value = await store.get(indexEntryKey(recordId));
  return value === undefined ? undefined : unseal(keys, recordId, value);
}

/**
 * Every stored entry, unsealed a batch at a time (an entry that does not open is reported, not fatal).
 * The caller should zero each plaintext once read.
 */
export async function* unsealedIndexEntries(store: RecordStore, keys: KeyManager): AsyncIterable<UnsealedIndexEntry> {
  const open = ([key, value]: readonly [string, StoredValue]) => unseal(keys, key.slice(PREFIX.length), value);
  let batch: Array<readonly [string, StoredValue]> = [];
  for await (const entry of store.range({ prefix: PREFIX })) {
    batch.push(entry);
    if (batch.length === UNSEAL_BATCH) {
      yield* await Promise.all(batch.map(open));
      batch = [];
    }
  }
  yield* await Promise.all(batch.map(open));
}
