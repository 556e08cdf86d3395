/**
 * Standing customers screened again when the sanctions lists change (issue 21, "lists that stay
 * current"). Each run compares the lists with the entries screened so far (their fingerprints, kept
 * in the store), screens every ACTIVE record against the new and amended entries only, and opens a
 * RESCREEN review case for each hit. The fingerprints are written only after a complete run, so a
 * run cut short (node stopped, store down) is redone whole at the next refresh or start: a change is
 * never marked screened before every customer was screened against it. Cases are not opened twice
 * for one record and entry (an index in the store), so a redone run opens nothing new.
 *
 * Every record opened here is audited by the vault like any other decryption; the run itself is
 * audited with its counts (no personal data).
 */
import { createHash } from "node:crypto";
import type { SanctionsList, SanctionsSnapshot, ScreeningQuery } from "../ekyc/checks/sanctions/port.ts";
import { snapshotDelta, type EntryFingerprints } from "../ekyc/checks/sanctions/delta.ts";
import { screeningAssessment } from "../ekyc/decision/assessments.ts";
import { decideRescreening } from "../ekyc/decision/engine.ts";
import type { RuleSet } from "../ekyc/decision/rule-set.ts";
import type { AuditLog } from "../vault/audit-log.ts";
import type { RecordStore, WriteOp } from "../vault/store/record-store.ts";
import type { RecordMeta, Vault } from "../vault/vault.ts";
import type { ReviewQueueStore } from "./review/review-queue.ts";

const FINGERPRINT_PREFIX = "sanctions/screened/";
const CASE_INDEX_PREFIX = "sanctions/rescreen-case/";
/** Store writes of fingerprints go in batches of this many keys (one publication can change thousands). */
const WRITE_BATCH = 500;
const RECORD_PAGE = 200;
export const RESCREEN_ACTOR = "system:sanctions-rescreen";

export interface RescreenProgress {
  readonly screened: number;
  readonly hits: number;
}

export interface RescreenSummary {
  readonly listVersion: string;
  /** New or amended entries screened against; 0 means nothing to do (no record was opened). */
  readonly changedEntries: number;
  readonly removedEntries: number;
  /** ACTIVE records screened. */
  readonly screened: number;
  /** Records with at least one hit among the changed entries. */
  readonly hits: number;
  /** Review cases opened (a hit already under a case for the same entry opens none). */
  readonly casesOpened: number;
}

export interface RescreeningDeps {
  readonly store: RecordStore;
  readonly vault: Vault;
  readonly review: ReviewQueueStore;
  readonly audit: AuditLog;
  /** A list over just `snapshot`'s entries, screening as the node's own list does (same threshold). */
  readonly listOf: (snapshot: SanctionsSnapshot) => SanctionsList;
  readonly rules?: RuleSet;
  readonly clock?: () => Date;
  /** Called every `progressEvery` records and at the end (log it, export a metric). */
  readonly onProgress?: (progress: RescreenProgress) => void;
  readonly progressEvery?: number;
}

export interface Rescreening {
  /**
   * Screens the standing customers against what changed in `snapshot` since the last complete run.
   * Stops early, without marking anything screened, when `signal` aborts (it then rejects with the
   * signal's reason).
   */
  screenChanges(snapshot: SanctionsSnapshot, signal?: AbortSignal): Promise<RescreenSummary>;
}

export function createRescreening(deps: RescreeningDeps): Rescreening {
  const { store, vault, review, audit, clock = () => new Date(), progressEvery = 1_000 } = deps;

  async function screenedFingerprints(): Promise<EntryFingerprints> {
    const known = new Map<string, string>();
    for await (const [key, value] of store.range({ prefix: FINGERPRINT_PREFIX }))
      if (typeof value === "string") known.set(key.slice(FINGERPRINT_PREFIX.length), value);
    return known;
  }

  async function openCaseOnce(meta: RecordMeta, query: ScreeningQuery, list: SanctionsList): Promise<boolean> {
    const result = list.screen(query);
    const fresh = [];
    for (const hit of result.hits)
      if ((await store.get(caseIndexKey(meta.id, hit.entryId))) === undefined) fresh.push(hit);
    if (fresh.length === 0) return false;
    const level = Number(meta.attestation.assuranceLevel) === 2 ? 2 : 1;
    const decision = decideRescreening(
      screeningAssessment({ ...result, hits: fresh }),
      { asOf: clock().toISOString().slice(0, 10), assuranceLevel: level },
      deps.rules,
    );
    const opened = await review.open({
      kind: "RESCREEN",
      recordId: meta.id,
      sessionId: runIdOf(result.listVersion),
      decision,
      evidence: [{ kind: "SCREENING_RESULT", vaultRef: meta.id, sha256: sha256Hex(JSON.stringify(fresh)) }],
      actor: RESCREEN_ACTOR,
    });
    await store.write(fresh.map((h) => ({ type: "put", key: caseIndexKey(meta.id, h.entryId), value: opened.caseId })));
    return true;
  }

  return {
    async screenChanges(snapshot, signal) {
      const delta = snapshotDelta(await screenedFingerprints(), snapshot);
      let screened = 0;
      let hits = 0;
      let casesOpened = 0;
      if (delta.changed.length > 0) {
        const list = deps.listOf({ version: snapshot.version, entries: delta.changed });
        for await (const meta of recordsOf(vault)) {
          signal?.throwIfAborted();
          if (meta.status !== "ACTIVE") continue;
          const { fields } = await vault.openRecord(meta.id, RESCREEN_ACTOR, "sanctions-rescreen");
          const query = { fullName: fields.fullName, dateOfBirth: fields.dateOfBirth, nationality: fields.nationality };
          if (list.screen(query).hits.length > 0) {
            hits += 1;
            if (await openCaseOnce(meta, query, list)) casesOpened += 1;
          }
          screened += 1;
          if (screened % progressEvery === 0) deps.onProgress?.({ screened, hits });
        }
      }
      signal?.throwIfAborted();
      await writeFingerprints(
        store,
        delta.fingerprints,
        delta.changed.map((e) => e.id),
        delta.removed,
      );
      const summary: RescreenSummary = {
        listVersion: snapshot.version,
        changedEntries: delta.changed.length,
        removedEntries: delta.removed.length,
        screened,
        hits,
        casesOpened,
      };
      deps.onProgress?.({ screened, hits });
      if (delta.changed.length > 0 || delta.removed.length > 0)
        await audit.append({
          actor: RESCREEN_ACTOR,
          action: "sanctions.rescreened",
          target: runIdOf(snapshot.version),
          details: {
            listVersion: snapshot.version,
            changedEntries: summary.changedEntries,
            removedEntries: summary.removedEntries,
            screened,
            hits,
            casesOpened,
          },
        });
      return summary;
    },
  };
}

/** Every record, a page at a time, so no store iterator stays open for the whole run. */
async function* recordsOf(vault: Vault): AsyncIterable<RecordMeta> {
  let after: string | undefined;
  for (;;) {
    const page: RecordMeta[] = [];
    for await (const meta of vault.listRecords({ limit: RECORD_PAGE, ...(after === undefined ? {} : { after }) }))
      page.push(meta);
    yield* page;
    if (page.length < RECORD_PAGE) return;
    after = page.at(-1)!.id;
  }
}

async function writeFingerprints(
  store: RecordStore,
  fingerprints: EntryFingerprints,
  changed: readonly string[],
  removed: readonly string[],
): Promise<void> {
  const ops: WriteOp[] = [
    ...changed.map((id): WriteOp => ({ type: "put", key: FINGERPRINT_PREFIX + id, value: fingerprints.get(id)! })),
    ...removed.map((id): WriteOp => ({ type: "del", key: FINGERPRINT_PREFIX + id })),
  ];
  for (let i = 0; i < ops.length; i += WRITE_BATCH) await store.write(ops.slice(i, i + WRITE_BATCH));
}

const caseIndexKey = (recordId: string, entryId: string) => `${CASE_INDEX_PREFIX}${recordId}/${entryId}`;
const sha256Hex = (text: string) => `0x${createHash("sha256").update(text).digest("hex")}`;
/** A run's id, from the list version: the "session" a RESCREEN case came from (a ResourceId on the wire). */
const runIdOf = (listVersion: string) =>
  `rescreen_${createHash("sha256").update(listVersion).digest("hex").slice(0, 24)}`;
