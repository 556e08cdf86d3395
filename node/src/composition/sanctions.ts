/**
 * Sanctions lists that stay current (issue 21): loaded at start (a broken list stops the start,
 * naming the file), read again on a schedule by the `SanctionsRefresher` (a changed list is swapped
 * in atomically; a bad download keeps the last good list), and every change screened against the
 * standing customers in the background (onboarding/rescreening.ts). One re-screen runs at a time; a
 * publication that arrives meanwhile is screened next (only the latest: the delta is computed against
 * what was last screened completely, so nothing in between is skipped). A re-screen that fails is
 * tried again at the next refresh, changed or not.
 */
import type { NodeConfig } from "../config.ts";
import { IndexedSanctionsList } from "../ekyc/checks/sanctions/indexed-list.ts";
import { loadSanctionsFiles } from "../ekyc/checks/sanctions/loaders/load-file.ts";
import type { SanctionsList, SanctionsSnapshot } from "../ekyc/checks/sanctions/port.ts";
import { SanctionsRefresher, type RefreshOutcome } from "../ekyc/checks/sanctions/refresher.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { createRescreening } from "../onboarding/rescreening.ts";
import type { Startup } from "./startup.ts";
import type { NodeVault } from "./vault.ts";

const DEFAULT_INTERVAL_SECONDS = 6 * 3_600;
const DEFAULT_STALE_AFTER_SECONDS = 7 * 86_400;

/** The lists as loaded from the configured files at start. */
export interface LoadedSanctions {
  readonly list: SanctionsList;
  readonly snapshot: SanctionsSnapshot;
}

/** Null when no list is configured (decisions then say SANCTIONS_NOT_SCREENED). */
export async function loadSanctions(config: NodeConfig, startup: Startup): Promise<LoadedSanctions | null> {
  if (config.sanctions.lists.length === 0) return null;
  return startup.step("sanctions lists", async () => {
    const snapshot = await loadSanctionsFiles(config.sanctions.lists);
    return { list: listOf(config, snapshot), snapshot };
  });
}

/** A list over `snapshot` screening with the node's threshold: the node's own and each re-screen's. */
export function listOf(config: NodeConfig, snapshot: SanctionsSnapshot): SanctionsList {
  const { threshold } = config.sanctions;
  return new IndexedSanctionsList(snapshot, threshold === undefined ? {} : { threshold });
}

export interface SanctionsUpkeep {
  /** Refreshes the lists on the schedule (every instance: each screens with its own copy of the lists). */
  start(): void;
  /** Stops the schedule and cuts a running re-screen short (it is redone, whole, at the next start). */
  stop(): Promise<void>;
  /**
   * The re-screen of standing customers, once per bank: run by the leading instance only
   * (ha/leader-workers.ts). Starting screens what changed since the last complete re-screen (stored
   * in the vault, so a new leader carries on where the last one stopped), then each reload's changes.
   */
  readonly rescreening: { start(): void; stop(): Promise<void> };
  /** When the lists in use were last confirmed current (loaded, or read again and found unchanged). */
  lastConfirmedAt(): Date;
}

export interface SanctionsUpkeepDeps {
  readonly loaded: LoadedSanctions;
  /** Where the standing customers' records are, and where hits become review cases. */
  readonly vault: Pick<NodeVault, "store" | "vault" | "review" | "audit">;
  readonly metrics: Pick<Metrics, "countSanctionsRefresh" | "countRescreen">;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

export function createSanctionsUpkeep(config: NodeConfig, deps: SanctionsUpkeepDeps): SanctionsUpkeep {
  const { loaded, metrics, logger, clock = () => new Date() } = deps;
  const rescreening = createRescreening({ ...deps.vault, listOf: (snapshot) => listOf(config, snapshot), clock });
  const refresh = config.sanctions.refresh ?? {};
  const staleAfterMs = (refresh.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000;
  let lastConfirmedAt = clock();
  /** Aborted when this instance stops re-screening (lost the lead, or stops). */
  let leading: AbortController | null = null;
  let current = loaded.snapshot;
  let pending: SanctionsSnapshot | null = null;
  let retry: SanctionsSnapshot | null = null;
  let running: Promise<void> | null = null;

  async function drain(stopping: AbortController): Promise<void> {
    while (pending !== null && !stopping.signal.aborted) {
      const snapshot = pending;
      pending = null;
      try {
        const summary = await rescreening.screenChanges(snapshot, stopping.signal);
        retry = null;
        metrics.countRescreen(summary.screened, summary.casesOpened);
        if (summary.changedEntries > 0)
          logger.info({ rescreen: summary }, "standing customers screened against the changed sanctions entries");
      } catch (error) {
        if (stopping.signal.aborted) return;
        retry = snapshot;
        logger.error(
          { err: error, listVersion: snapshot.version },
          "sanctions re-screen failed; retried at the next refresh",
        );
      }
    }
  }
  const rescreen = (snapshot: SanctionsSnapshot) => {
    current = snapshot;
    const lead = leading;
    if (lead === null) return; // a follower: the leader screens this reload (it reloads the same files)
    pending = snapshot;
    running ??= drain(lead).finally(() => (running = null));
  };
  const stopRescreening = async () => {
    leading?.abort(new Error("not leading"));
    leading = null;
    await running;
  };

  const onRefresh = (outcome: RefreshOutcome) => {
    metrics.countSanctionsRefresh(outcome.status);
    if (outcome.status === "FAILED") {
      logger.error(
        { err: outcome.error, activeVersion: outcome.activeVersion },
        "sanctions list refresh failed; the last good list stays in use",
      );
    } else {
      lastConfirmedAt = clock();
      if (outcome.status === "RELOADED") {
        logger.info({ version: outcome.version, entries: outcome.entries }, "sanctions lists reloaded");
        rescreen(outcome.snapshot);
      } else if (retry !== null) rescreen(retry);
    }
    const age = clock().getTime() - loaded.list.info().loadedAt.getTime();
    if (age > staleAfterMs)
      logger.error(
        { listVersion: loaded.list.info().version, ageSeconds: Math.round(age / 1000) },
        "sanctions lists are stale: their content has not changed within sanctions.refresh.staleAfterSeconds",
      );
  };

  const refresher = new SanctionsRefresher({
    list: loaded.list,
    files: config.sanctions.lists,
    intervalMs: (refresh.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000,
    onRefresh,
  });

  return {
    start() {
      refresher.schedule();
    },
    async stop() {
      await stopRescreening();
      await refresher.stop();
    },
    rescreening: {
      start() {
        leading ??= new AbortController();
        rescreen(retry ?? current);
      },
      stop: stopRescreening,
    },
    lastConfirmedAt: () => lastConfirmedAt,
  };
}
