/**
 * The readers behind the node's state gauges (`Metrics.watch`): outbox depth and anchoring lag from
 * the outbox, the registry client's circuit breaker, the sanctions lists' age, the review queue's
 * depth. They run at scrape time, so each gauge shows the state at that moment, not at the last
 * event: the anchoring lag keeps growing while a record waits for a chain that is down.
 */
import { HttpNationalIdRegistry } from "../ekyc/checks/national-id/http-adapter.ts";
import type { NationalIdRegistry } from "../ekyc/checks/national-id/port.ts";
import type { SanctionsList } from "../ekyc/checks/sanctions/port.ts";
import type { GaugeSources } from "../observability/metrics.ts";
import type { SanctionsUpkeep } from "./sanctions.ts";
import type { ReviewQueueStore } from "../onboarding/review/review-queue.ts";
import type { AnchoringWorker } from "../vault/outbox.ts";

export interface NodeGaugeParts {
  readonly outbox: Pick<AnchoringWorker, "waiting">;
  readonly registry?: NationalIdRegistry;
  readonly sanctions?: SanctionsList | null;
  /** The schedule keeping the lists current, when the lists come from the configured files. */
  readonly sanctionsUpkeep?: Pick<SanctionsUpkeep, "lastConfirmedAt"> | null;
  readonly review?: Pick<ReviewQueueStore, "list">;
  /** The signing account's balance in wei (the chain's answer). */
  readonly balance?: () => Promise<bigint>;
  readonly clock?: () => Date;
}

export function nodeGaugeSources(parts: NodeGaugeParts): GaugeSources {
  const clock = parts.clock ?? (() => new Date());
  const { outbox, registry, sanctions, review } = parts;
  return {
    outboxDepth: async () => (await outbox.waiting()).records,
    anchoringLagSeconds: async () => {
      const { oldestQueuedAt } = await outbox.waiting();
      return oldestQueuedAt === null ? 0 : sinceSeconds(oldestQueuedAt, clock());
    },
    // Only the HTTP client has a breaker; a registry supplied by a test has none to report.
    ...(registry instanceof HttpNationalIdRegistry
      ? { registryCircuitState: () => registry.circuitBreaker.state }
      : {}),
    ...(sanctions ? { sanctionsListAgeSeconds: () => sinceSeconds(sanctions.info().loadedAt, clock()) } : {}),
    ...(parts.sanctionsUpkeep
      ? { sanctionsLastConfirmedTimestampSeconds: () => parts.sanctionsUpkeep!.lastConfirmedAt().getTime() / 1000 }
      : {}),
    ...(review ? { reviewQueueDepth: () => countUndecided(review) } : {}),
    ...(parts.balance ? { accountBalanceWei: async () => Number(await parts.balance!()) } : {}),
  };
}

const sinceSeconds = (then: Date, now: Date) => Math.max(0, (now.getTime() - then.getTime()) / 1000);

/** Cases awaiting a decision: pages through the OPEN and CLAIMED ones (100 per page, the queue's maximum). */
async function countUndecided(review: Pick<ReviewQueueStore, "list">): Promise<{ open: number; claimed: number }> {
  const count = async (status: "OPEN" | "CLAIMED") => {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await review.list({ status, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      total += page.cases.length;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return total;
  };
  return { open: await count("OPEN"), claimed: await count("CLAIMED") };
}
