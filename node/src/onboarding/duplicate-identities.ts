/**
 * Duplicate identities within the bank, wired into onboarding (issue 21 item 3): the in-memory
 * `DuplicateIndex` fed from the vault's sealed index entries (vault/index-entries.ts) at start, asked
 * before every decision, and told about every record the vault stores.
 *
 * - What an entry holds: the record's ID number (or old number) and its face template, sealed under
 *   the record's key and written in the record's own atomic write; the vault deletes it in the
 *   record's shredding write (erasure, review rejection, retention sweep).
 * - The in-memory lookup by number is keyed by HMAC under a key drawn at random when the process
 *   starts and never stored: the entries are sealed, so the key need not outlive the process, and no
 *   clear number is kept in memory.
 * - An erased record leaves memory lazily: a finding is checked against the vault before it counts,
 *   and a record that is gone (shredded, unknown) is removed then. Findings are rare, so this costs a
 *   store read only when something is found, and it also covers records erased by another instance.
 * - Templates of another face model (another embedding space) are not comparable: they are skipped.
 *
 * - Several instances of one bank (PostgreSQL): each follows the audit log, which every record write
 *   appends to in the same atomic write and which is one linear chain across instances. Before each
 *   check the index reads the entries written since it last looked and learns the records another
 *   instance stored (one range read of the log; a store read and an unseal per new record).
 *
 * Not covered: two onboardings of one duplicate pair decided at the same moment do not see each
 * other (the index learns a record after its write) (docs/duplicate-identities.md §2).
 */
import { randomBytes } from "node:crypto";
import { decodeTemplate, encodeTemplate, type FaceTemplate } from "../ekyc/biometrics/template.ts";
import type { DuplicatePolicy } from "../ekyc/decision/rule-set.ts";
import type { DuplicateFinding } from "../ekyc/decision/types.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import type { AuditLog } from "../vault/audit-log.ts";
import { unsealedIndexEntries, unsealedIndexEntry, type UnsealedIndexEntry } from "../vault/index-entries.ts";
import type { RecordStore } from "../vault/store/record-store.ts";
import { RECORD_STORED_ACTIONS, type Vault } from "../vault/vault.ts";
import { DuplicateIndex } from "./duplicate-index.ts";

/** Who is onboarding: the number the card gave and the live face template. */
export interface IdentityCandidate {
  readonly idNumber: string;
  readonly oldIdNumber: string;
  readonly template: FaceTemplate;
}

/** A finding with the other record's vault id (kept for the case's evidence, never shown to the customer). */
export interface DuplicateMatch extends DuplicateFinding {
  readonly recordId: string;
}

export interface IndexLoad {
  readonly entries: number;
  /** Entries that did not open (damage, destroyed key) or hold another model's template. */
  readonly skipped: number;
  readonly ms: number;
}

export interface DuplicateIdentities {
  /** Reads every sealed entry into memory (the node's start). */
  load(): Promise<IndexLoad>;
  /**
   * What this candidate collides with among the bank's records, after learning those other instances
   * stored since the last look (records gone since are dropped).
   */
  check(candidate: IdentityCandidate): Promise<DuplicateMatch[]>;
  /** The plaintext of the candidate's entry, for the vault to seal in the record's write. */
  entryOf(candidate: IdentityCandidate): Uint8Array;
  /** The record was stored: the in-memory index learns it. */
  indexed(recordId: string, candidate: IdentityCandidate): void;
  /** Identities in memory. */
  readonly size: number;
}

export interface DuplicateIdentitiesDeps {
  readonly store: RecordStore;
  readonly keys: KeyManager;
  /** Followed for the records other instances store (every record write appends to it). */
  readonly audit: Pick<AuditLog, "head" | "list">;
  readonly vault: Pick<Vault, "findRecordMeta">;
  readonly policy: DuplicatePolicy;
  /** An entry that did not open: reported (log), never fatal. */
  readonly onSkipped?: (recordId: string, why: string) => void;
}

interface EntryJson {
  readonly idNumber: string;
  readonly oldIdNumber: string;
  /** encodeTemplate bytes, base64. */
  readonly template: string;
}

/** Audit entries read per page while catching up. */
const CATCH_UP_PAGE = 500;
const STORED: ReadonlySet<string> = new Set(RECORD_STORED_ACTIONS);

export function createDuplicateIdentities(deps: DuplicateIdentitiesDeps): DuplicateIdentities {
  const idKey = randomBytes(32);
  let index: DuplicateIndex | undefined;
  let modelId: string | undefined;
  /** The audit log has been followed up to this entry (set by load; 0 before it). */
  let followedSeq = 0;
  let catchingUp: Promise<void> | undefined;

  /** The index for this template's model: created by the first template seen; another model gets none. */
  function indexFor(template: FaceTemplate): DuplicateIndex | undefined {
    if (index === undefined) {
      modelId = template.modelId;
      index = new DuplicateIndex({
        idKey,
        dimensions: template.embedding.length,
        sameFaceAtLeast: deps.policy.sameFaceAtLeast,
        otherFaceBelow: deps.policy.otherFaceBelow,
      });
    }
    return template.modelId === modelId && template.embedding.length === index.dimensions ? index : undefined;
  }

  /** A card with no number read must not collide with every other such card: it gets a number of its own. */
  const numberOf = (c: Pick<IdentityCandidate, "idNumber" | "oldIdNumber">, unique: string) =>
    c.idNumber !== "" ? c.idNumber : c.oldIdNumber !== "" ? `old:${c.oldIdNumber}` : `none:${unique}`;

  function add(recordId: string, candidate: IdentityCandidate): boolean {
    const target = indexFor(candidate.template);
    if (target === undefined) return false;
    target.add({ recordId, idNumber: numberOf(candidate, recordId), embedding: candidate.template.embedding });
    return true;
  }

  /** Adds an unsealed entry (zeroing it); false when it is skipped (reported through onSkipped). */
  function learn(entry: UnsealedIndexEntry): boolean {
    if ("error" in entry) {
      deps.onSkipped?.(entry.recordId, entry.error instanceof Error ? entry.error.message : String(entry.error));
      return false;
    }
    try {
      const json = JSON.parse(new TextDecoder().decode(entry.plaintext)) as EntryJson;
      const template = decodeTemplate(Buffer.from(json.template, "base64"));
      if (add(entry.recordId, { idNumber: json.idNumber, oldIdNumber: json.oldIdNumber, template })) return true;
      deps.onSkipped?.(entry.recordId, `template of another face model (${template.modelId})`);
      return false;
    } catch (error) {
      deps.onSkipped?.(entry.recordId, error instanceof Error ? error.message : String(error));
      return false;
    } finally {
      entry.plaintext.fill(0);
    }
  }

  /** Learns the records stored (by any instance) since the audit entry last followed. */
  async function followAudit(): Promise<void> {
    for (;;) {
      const page = await deps.audit.list({ afterSeq: followedSeq, limit: CATCH_UP_PAGE });
      for (const entry of page) {
        if (STORED.has(entry.action) && index?.has(entry.target) !== true) {
          // No entry: a record without a face template (reuse), or shredded since.
          const sealed = await unsealedIndexEntry(deps.store, deps.keys, entry.target);
          if (sealed !== undefined) learn(sealed);
        }
        followedSeq = entry.seq;
      }
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  /** One catch-up at a time; concurrent checks wait for the one running. */
  function catchUp(): Promise<void> {
    catchingUp ??= followAudit().finally(() => {
      catchingUp = undefined;
    });
    return catchingUp;
  }

  return {
    get size() {
      return index?.size ?? 0;
    },

    async load() {
      const started = performance.now();
      // The head first: a record written while the entries are read is then also found by the catch-up.
      const head = await deps.audit.head();
      let entries = 0;
      let skipped = 0;
      for await (const entry of unsealedIndexEntries(deps.store, deps.keys)) {
        if (learn(entry)) entries++;
        else skipped++;
      }
      followedSeq = head.seq;
      return { entries, skipped, ms: performance.now() - started };
    },

    async check(candidate) {
      await catchUp();
      const target = index === undefined ? undefined : indexFor(candidate.template);
      if (target === undefined) return [];
      const found = target.check({
        idNumber: numberOf(candidate, "(candidate)"),
        embedding: candidate.template.embedding,
      });
      const matches: DuplicateMatch[] = [];
      for (const f of found) {
        const meta = await deps.vault.findRecordMeta(f.recordId);
        if (meta === null || meta.status === "SHREDDED") {
          target.remove(f.recordId);
          continue;
        }
        matches.push({ kind: f.kind, otherUid: meta.uid, similarity: f.similarity, recordId: f.recordId });
      }
      return matches;
    },

    entryOf(candidate) {
      const json: EntryJson = {
        idNumber: candidate.idNumber,
        oldIdNumber: candidate.oldIdNumber,
        template: Buffer.from(encodeTemplate(candidate.template)).toString("base64"),
      };
      return new TextEncoder().encode(JSON.stringify(json));
    },

    indexed(recordId, candidate) {
      add(recordId, candidate);
    },
  };
}
