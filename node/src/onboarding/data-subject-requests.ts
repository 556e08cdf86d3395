/**
 * Data-subject requests under Decree 13/2023/ND-CP, made by the customer through the bank's app and
 * answered by the node, each recorded (`dsr/request/<id>`) and audited with its deadline (72 hours
 * from receipt, the decree's time for access, correction and deletion answers) so the operator sees
 * what is due:
 *
 * - ACCESS is answered at once: what the bank holds about the customer (the record's status, the
 *   names of the fields kept, retention, the consent to the collection) and every access to it from the audit log: reads by the
 *   bank's own staff and systems, and disclosures to other member banks under the customer's consent.
 * - DELETION uses the vault's erasure (`shredRecord`) when no law requires keeping the record: a
 *   record still in review (the customer never became a customer), or one whose retention has ended.
 *   Otherwise it is refused with the legal reason: the Law on Anti-Money Laundering 2022 (art. 9)
 *   requires customer identification data to be kept for 5 years after the relationship ends.
 * - CORRECTION is recorded OPEN for the operator: a verified identity is corrected by verifying it
 *   again (a new onboarding and attestation), not by editing a committed record.
 */
import { randomBytes } from "node:crypto";
import { RECORD_FIELDS, type Hex } from "@kycnet/sdk/protocol";
import type { AuditLog } from "../vault/audit-log.ts";
import type { RecordStore, StoredValue } from "../vault/store/record-store.ts";
import { RecordNotFoundError, type RecordMeta, type Vault } from "../vault/vault.ts";
import type { CollectionConsentView, DataSubjectRequestView, DsrKind, DsrStatus } from "./ports.ts";
import { collectionConsentOf } from "./collection-consent.ts";

export const DSR_DEADLINE_MS = 72 * 3_600_000;
const REQUEST = "dsr/request/";
const AML_RETENTION =
  "Law on Anti-Money Laundering 2022 (No. 14/2022/QH15), art. 9: customer identification records are kept for 5 years after the business relationship ends";

/** Every committed field of a record (docs/protocol.md §2): what the bank holds while it is not shredded. */
const RECORD_FIELDS_HELD = [...RECORD_FIELDS];

export interface DataSubjectRequestsDeps {
  readonly store: RecordStore;
  readonly vault: Vault;
  readonly audit: AuditLog;
  readonly clock?: () => Date;
}

export function createDataSubjectRequests(deps: DataSubjectRequestsDeps) {
  const { store, vault, audit } = deps;
  const clock = deps.clock ?? (() => new Date());

  /** Every audit entry that opened the record: who, when, why. */
  async function accessesTo(recordId: string) {
    const out: { at: string; actor: string; purpose: string }[] = [];
    for (let afterSeq = 0; ;) {
      const page = await audit.list({ afterSeq, limit: 1_000 });
      for (const e of page)
        if (e.target === recordId && e.action === "record.opened")
          out.push({ at: e.at, actor: e.actor, purpose: String(e.details?.purpose ?? "") });
      if (page.length < 1_000) return out;
      afterSeq = page[page.length - 1]!.seq;
    }
  }

  function accessView(
    meta: RecordMeta,
    accesses: { at: string; actor: string; purpose: string }[],
    consent: CollectionConsentView | null,
  ) {
    return {
      recordStatus: meta.status,
      fieldsHeld: meta.status === "SHREDDED" ? [] : RECORD_FIELDS_HELD,
      verifiedAt: meta.createdAt,
      anchored: meta.anchor !== null,
      retention: {
        class: meta.retention.class,
        ...(meta.retention.closedAt === null ? {} : { closedAt: meta.retention.closedAt }),
        ...(meta.retention.retainUntil === null ? {} : { retainUntil: meta.retention.retainUntil }),
      },
      accesses,
      ...(consent === null
        ? {}
        : {
            collectionConsent: {
              noticeVersion: consent.noticeVersion,
              purpose: consent.purpose,
              fields: consent.fields,
              recordedAt: consent.recordedAt,
            },
          }),
    };
  }

  /** Null when the record may be erased now; else why not. */
  function retentionConflict(meta: RecordMeta, now: Date): DataSubjectRequestView["refusal"] | null {
    if (meta.status === "IN_REVIEW" || meta.status === "SHREDDED") return null;
    const until = meta.retention.retainUntil;
    if (until !== null && Date.parse(until) <= now.getTime()) return null;
    return {
      code: until === null ? "ACCOUNT_OPEN" : "RETENTION_PERIOD",
      legalBasis: AML_RETENTION,
      ...(until === null ? {} : { retainUntil: until }),
    };
  }

  return {
    async submit(
      input: { attestationUid: Hex; kind: DsrKind; fields?: readonly string[] },
      actor: string,
    ): Promise<DataSubjectRequestView> {
      const meta = await vault.findRecordByUid(input.attestationUid);
      if (meta === null) throw new RecordNotFoundError(input.attestationUid);
      const now = clock();
      const base = {
        requestId: `dsr_${String(now.getTime()).padStart(13, "0")}_${randomBytes(4).toString("hex")}`,
        kind: input.kind,
        attestationUid: meta.uid,
        receivedAt: now.toISOString(),
        deadline: new Date(now.getTime() + DSR_DEADLINE_MS).toISOString(),
      };
      let view: DataSubjectRequestView;
      if (input.kind === "ACCESS") {
        view = {
          ...base,
          status: "COMPLETED",
          answeredAt: now.toISOString(),
          access: accessView(meta, await accessesTo(meta.id), await collectionConsentOf(store, meta.id)),
        };
      } else if (input.kind === "CORRECTION") {
        view = { ...base, status: "OPEN", fields: input.fields ?? [] };
      } else {
        const refusal = retentionConflict(meta, now);
        view =
          refusal === null
            ? { ...base, status: "COMPLETED", answeredAt: now.toISOString() }
            : { ...base, status: "REFUSED", answeredAt: now.toISOString(), refusal };
      }
      const event = {
        actor,
        action: `dsr.${input.kind.toLowerCase()}`,
        target: view.requestId,
        outcome: view.status === "REFUSED" ? ("REJECTED" as const) : ("SUCCEEDED" as const),
        details: {
          recordId: meta.id,
          status: view.status,
          deadline: view.deadline,
          refusal: view.refusal?.code ?? null,
        },
      };
      const put = { type: "put" as const, key: `${REQUEST}${view.requestId}`, value: view as unknown as StoredValue };
      if (input.kind === "DELETION" && view.status === "COMPLETED")
        await vault.shredRecord(
          meta.id,
          { actor, reason: "data-subject-deletion" },
          { ops: async () => [put], events: [event] },
        );
      else await audit.commit([put], [event]);
      return view;
    },

    async list(filter: { status?: DsrStatus }): Promise<DataSubjectRequestView[]> {
      const out: DataSubjectRequestView[] = [];
      for await (const [, value] of store.range({ prefix: REQUEST })) {
        const view = value as unknown as DataSubjectRequestView;
        if (filter.status === undefined || view.status === filter.status) out.push(view);
      }
      return out;
    },
  };
}
