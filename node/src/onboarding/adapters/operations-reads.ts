/**
 * The console's operations page, read from the node's parts: the anchoring outbox (depth, the
 * oldest waiting record's age, records parked after failures), the members this node knows as the
 * chain has them now, and the latest consent and disclosure events from the audit log.
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { LedgerClient } from "../../ledger/ledger-client.ts";
import type { AuditEntry, AuditLog } from "../../vault/audit-log.ts";
import type { AnchoringWorker } from "../../vault/outbox.ts";
import type { OperationsReads } from "../ports.ts";

/** How far back the consent activity looks: the page shows the latest events, not a history. */
const AUDIT_WINDOW = 5_000;

/** Consents and disclosures, by audit action (and, for a record opening, its purpose). */
function isConsentActivity(entry: AuditEntry): boolean {
  if (entry.action === "record.opened") return entry.details?.purpose === "disclosure-under-consent";
  return (
    entry.action === "onboarding.collection-consent" ||
    entry.action === "onboarding.reuse.create" ||
    entry.action === "consent.revoke.relay"
  );
}

export function createOperationsReads(deps: {
  readonly outbox: Pick<AnchoringWorker, "waiting" | "depth">;
  readonly ledger: Pick<LedgerClient, "account" | "findMember">;
  readonly audit: AuditLog;
  /** The consortium's address book (config `exchange.peers`). */
  readonly peers: readonly Hex[];
}): OperationsReads {
  const { outbox, ledger, audit } = deps;
  return {
    async anchoring() {
      const [waiting, depth] = await Promise.all([outbox.waiting(), outbox.depth()]);
      return {
        waiting: waiting.records,
        oldestQueuedAt: waiting.oldestQueuedAt?.toISOString() ?? null,
        parked: depth.failed,
      };
    },

    async members() {
      const self = (await ledger.account()).toLowerCase() as Hex;
      const accounts = [self, ...deps.peers.map((p) => p.toLowerCase() as Hex).filter((p) => p !== self)];
      const found = await Promise.all(accounts.map((account) => ledger.findMember(account)));
      return accounts.map((account, i) => {
        const member = found[i] ?? null;
        return {
          account,
          name: member?.name ?? "(not a member)",
          active: member?.active === true,
          self: account === self,
        };
      });
    },

    async consentActivity(limit) {
      const head = await audit.head();
      const out: AuditEntry[] = [];
      for (let afterSeq = Math.max(0, head.seq - AUDIT_WINDOW); afterSeq < head.seq;) {
        const page = await audit.list({ afterSeq, limit: 1_000 });
        if (page.length === 0) break;
        for (const entry of page) if (isConsentActivity(entry)) out.push(entry);
        afterSeq = page[page.length - 1]!.seq;
      }
      return out
        .slice(-limit)
        .reverse()
        .map((e) => ({
          at: e.at,
          action: e.action,
          actor: e.actor,
          target: e.target,
          outcome: e.outcome ?? "SUCCEEDED",
        }));
    },
  };
}
