/**
 * The liveness check's memory of earlier sessions' frames (FRAMES_SEEN_BEFORE), shared by every
 * instance of the bank's node through the vault's store (the `FrameRecall` port of
 * ekyc/biometrics/liveness/frame-memory.ts): a recording replayed at instance 2 after instance 1 saw
 * it is refused.
 *
 * - A log in the store: `liveness-frames/log/<seq>` per checked challenge, `{ owner, at, sealed }`:
 *   the owner is the challenge's nonce (random), `at` the check's time; the frame descriptors (the
 *   low frequencies of each aligned face, liveness/frame-descriptor.ts: biometric data), as
 *   little-endian float32 in base64, and the check's answer are sealed (custody AES-GCM in the HSM,
 *   the storage key bound as associated data) under a key per UTC day, `liveness-frames/<yyyy-mm-dd>`.
 *   Nothing of a face is in the store in clear.
 * - Entries of the earlier form (`hashes`: difference hashes, which the descriptor replaced) are read
 *   as sessions without frames: they keep their place in the log (capacity, expiry, a retried
 *   challenge's answer) and match nothing. They are forgotten as they expire (30 days at most);
 *   until then a replay of a session checked before the change is not caught by this check.
 * - Each instance keeps the descriptors it has read in memory (a `FrameMemory`, the in-process cache) and
 *   reads only the entries written since (keyset paging by sequence number), so a check costs one
 *   locked write and the opening of what other instances logged meanwhile.
 * - `recall` runs under the store's lock `liveness-frames` (across instances): catch up, compare,
 *   log. Two instances checking the same replayed recording at once: one logs first, the other sees it.
 * - Bounded: at most `capacity` entries (the oldest deleted in the write that logs a new one), and
 *   none older than `ttlMs` (deleted on the way, never compared); `sweepKeys` destroys the day keys
 *   whose entries have all expired, so a copy of the store taken before opens none of them.
 */
import { sealedFromJson, sealedToJson, type SealedJson } from "../../vault/codec.ts";
import type { KeyManager } from "../../custody/key-manager.ts";
import { FrameMemory, type FrameRecall } from "../../ekyc/biometrics/index.ts";
import type { RecordStore, StoredValue, WriteOp } from "../../vault/store/record-store.ts";

export interface StoredFrameMemoryOptions {
  readonly store: RecordStore;
  readonly keys: Pick<KeyManager, "sealRecord" | "openRecord" | "listRecordKeys" | "destroyRecordKey">;
  /** Most sessions remembered (default 5,000, the committed thresholds' `liveness.memory.sessions`). */
  readonly capacity: number;
  /** How long a session's frames are remembered (default 30 days). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

/** What `recall` adds: the memory's upkeep, run by the leader's sweep. */
export interface StoredFrameMemory extends FrameRecall {
  /** Destroys the day keys of entries that have all expired; returns how many keys went. */
  sweepKeys(): Promise<number>;
}

const LOCK = "liveness-frames";
const LOG = "liveness-frames/log/";
const KEY_ID = /^liveness-frames\/(\d{4}-\d{2}-\d{2})$/;
const DAY_MS = 86_400_000;
const SEQ_DIGITS = 16;

interface LogEntry {
  readonly owner: string;
  readonly at: number;
  readonly sealed: SealedJson;
}
interface Sealed {
  readonly descriptors: readonly string[];
  readonly seen: readonly number[];
}
/** The form logged before the descriptor: its difference hashes are not comparable with descriptors. */
interface SealedBefore {
  readonly hashes: readonly string[];
  readonly seen: readonly number[];
}

const toBase64 = (d: Float32Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64");
/** Float32 little-endian (the platforms Node runs on; a descriptor is never sent to another kind). */
function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  const out = new Float32Array(bytes.length >> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}

const logKey = (seq: number) => LOG + String(seq).padStart(SEQ_DIGITS, "0");
const seqOf = (key: string) => Number(key.slice(LOG.length));
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function createStoredFrameMemory(options: StoredFrameMemoryOptions): StoredFrameMemory {
  const { store, keys } = options;
  const capacity = Math.max(1, options.capacity);
  const ttlMs = options.ttlMs ?? 30 * DAY_MS;
  const clock = options.clock ?? Date.now;
  /** The descriptors read so far, and when each session was logged (oldest first), for expiry. */
  const cache = new FrameMemory(capacity);
  const loggedAt: number[] = [];
  /** The answer given to each owner (challenge) in the cache: asked again, it answers the same. */
  const answers = new Map<string, readonly number[]>();
  const owners: string[] = [];
  /** The last log entry read into the cache. */
  let cursor = 0;
  /** Entries this instance logged itself: already in the cache, not opened again when read back. */
  const ownEntries = new Map<number, string>();

  const remember = (owner: string, at: number, descriptors: readonly Float32Array[], seen: readonly number[]) => {
    cache.remember(descriptors);
    loggedAt.push(at);
    answers.set(owner, seen);
    owners.push(owner);
    while (loggedAt.length > capacity) {
      loggedAt.shift();
      answers.delete(owners.shift()!);
    }
  };

  /** Forgets what expired in the cache, oldest first. */
  const expire = (now: number) => {
    while (loggedAt.length > 0 && loggedAt[0]! <= now - ttlMs) {
      cache.forgetOldest();
      loggedAt.shift();
      answers.delete(owners.shift()!);
    }
  };

  /** Reads what was logged since `cursor` (by any instance) into the cache; returns the expired entries' keys. */
  async function catchUp(now: number): Promise<string[]> {
    const expired: string[] = [];
    for await (const [key, value] of store.range({ prefix: LOG, after: logKey(cursor) })) {
      const seq = seqOf(key);
      const entry = value as unknown as LogEntry;
      cursor = seq;
      if (ownEntries.get(seq) === entry.owner) {
        ownEntries.delete(seq);
        continue;
      }
      if (entry.at <= now - ttlMs) {
        expired.push(key);
        continue;
      }
      const opened = JSON.parse(new TextDecoder().decode(await keys.openRecord(key, sealedFromJson(entry.sealed)))) as
        Sealed | SealedBefore;
      const descriptors = "descriptors" in opened ? opened.descriptors.map(fromBase64) : [];
      remember(entry.owner, entry.at, descriptors, opened.seen);
    }
    expire(now);
    return expired;
  }

  /** The oldest entries to delete with a new one: past the capacity, or expired. */
  async function trimmed(newSeq: number, now: number): Promise<WriteOp[]> {
    const ops: WriteOp[] = [];
    for await (const [key, value] of store.range({ prefix: LOG, limit: 8 })) {
      const old = seqOf(key) <= newSeq - capacity || (value as unknown as LogEntry).at <= now - ttlMs;
      if (!old) break;
      ops.push({ type: "del", key });
    }
    return ops;
  }

  return {
    recall: (owner, descriptors, maxDistance) =>
      store.writeExclusive(LOCK, async () => {
        const now = clock();
        const expired = await catchUp(now);
        const earlier = answers.get(owner);
        if (earlier !== undefined) return { ops: expired.map((key) => ({ type: "del", key })), result: [...earlier] };
        const seen = cache.seenBefore(descriptors, maxDistance);
        const seq = cursor + 1;
        const key = logKey(seq);
        const sealed: Sealed = { descriptors: descriptors.map(toBase64), seen };
        const plaintext = new TextEncoder().encode(JSON.stringify(sealed));
        const entry: LogEntry = {
          owner,
          at: now,
          sealed: sealedToJson(await keys.sealRecord(key, plaintext, `liveness-frames/${dayOf(now)}`)),
        };
        remember(owner, now, descriptors, seen);
        ownEntries.set(seq, owner);
        const ops: WriteOp[] = [
          ...expired.map((k): WriteOp => ({ type: "del", key: k })),
          ...(await trimmed(seq, now)),
          { type: "put", key, value: entry as unknown as StoredValue },
        ];
        return { ops, result: seen };
      }),

    async sweepKeys(): Promise<number> {
      // An entry logged on the day before the oldest one still remembered has expired with its day.
      const oldestLiveDay = dayOf(clock() - ttlMs);
      let destroyed = 0;
      for (const keyId of await keys.listRecordKeys()) {
        const day = KEY_ID.exec(keyId)?.[1];
        if (day !== undefined && day < oldestLiveDay) {
          await keys.destroyRecordKey(keyId);
          destroyed += 1;
        }
      }
      return destroyed;
    },
  };
}
