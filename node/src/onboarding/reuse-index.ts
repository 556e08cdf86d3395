/**
 * The relying bank's own index from a source attestation to the REUSE attestations this bank built
 * on it (issue 21, revocation cascade). The chain does not have to link them (the link moves into
 * the salted record): this index, written in the same atomic write as the record, is what lets the
 * node find its own attestations when a source is revoked. Keys: `reuse-index/<source uid>/<own uid>`.
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { RecordStore, StoredValue, WriteOp } from "../vault/store/record-store.ts";

const PREFIX = "reuse-index/";
const keyOf = (sourceUid: Hex, ownUid: Hex) => `${PREFIX}${sourceUid.toLowerCase()}/${ownUid.toLowerCase()}`;

/** What the node did about one of its REUSE attestations after its source was revoked. */
export interface CascadeHandling {
  readonly action: "REVOKED" | "REVIEW_OPENED" | "ALERTED";
  /** The source's revocation reason (RevocationReason name). */
  readonly sourceReason: string;
  readonly at: string;
  readonly txHash?: string;
  /** REVIEW_OPENED: the SOURCE_REVOKED case a reviewer decides. */
  readonly caseId?: string;
}

export interface ReuseIndexEntry {
  readonly sourceUid: Hex;
  readonly ownUid: Hex;
  readonly recordId: string;
  readonly handled?: CascadeHandling;
}

/** The index entry, for `storeVerifiedRecord`'s `extraOps`: written with the record or not at all. */
export function reuseIndexOps(sourceUid: Hex): (stored: { id: string; uid: Hex }) => WriteOp[] {
  return ({ id, uid }) => [
    { type: "put", key: keyOf(sourceUid, uid), value: { recordId: id } satisfies Record<string, StoredValue> },
  ];
}

/** This bank's REUSE attestations built on `sourceUid`. */
export async function reusesOf(store: RecordStore, sourceUid: Hex): Promise<ReuseIndexEntry[]> {
  const prefix = `${PREFIX}${sourceUid.toLowerCase()}/`;
  const out: ReuseIndexEntry[] = [];
  for await (const [key, value] of store.range({ prefix })) {
    const v = value as { recordId?: unknown; handled?: CascadeHandling };
    if (typeof v.recordId !== "string") continue;
    out.push({
      sourceUid: sourceUid.toLowerCase() as Hex,
      ownUid: key.slice(prefix.length) as Hex,
      recordId: v.recordId,
      ...(v.handled === undefined ? {} : { handled: v.handled }),
    });
  }
  return out;
}

/** The write that marks an entry handled, so a replayed event (restart, reorg re-scan) does not act twice. */
export function handledOp(entry: ReuseIndexEntry, handled: CascadeHandling): WriteOp {
  return {
    type: "put",
    key: keyOf(entry.sourceUid, entry.ownUid),
    value: { recordId: entry.recordId, handled: { ...handled } } as unknown as StoredValue,
  };
}
