/**
 * Keeps a `SanctionsList` current from list files: on start and then every `intervalMs`, loads the
 * files and reloads the list when their content changed. A bad download (malformed, wrong
 * encoding, empty) is reported and the last good list stays active: screening never stops, and
 * never silently runs on nothing. Lifecycle: `start()` / `stop()`.
 */
import { isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import { loadSanctionsFiles, type SanctionsFileSpec } from "./loaders/load-file.ts";
import type { SanctionsList, SanctionsSnapshot } from "./port.ts";

export type RefreshOutcome =
  /** `snapshot` is the new content, for whoever screens standing customers against what changed. */
  | { status: "RELOADED"; version: string; entries: number; snapshot: SanctionsSnapshot }
  | { status: "UNCHANGED"; version: string }
  | { status: "FAILED"; error: KycnetError | Error; activeVersion: string };

export interface SanctionsRefresherOptions {
  list: SanctionsList;
  files: readonly SanctionsFileSpec[];
  /** Default 6 hours; the UN and OFAC lists change a few times a week. */
  intervalMs?: number;
  maxBytes?: number;
  /** Called after every refresh (log it, export a metric). */
  onRefresh?: (outcome: RefreshOutcome) => void;
}

export class SanctionsRefresher {
  readonly #options: SanctionsRefresherOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RefreshOutcome> | undefined;

  constructor(options: SanctionsRefresherOptions) {
    const interval = options.intervalMs ?? 6 * 3_600_000;
    if (!Number.isFinite(interval) || interval < 1_000) throw new RangeError("intervalMs must be >= 1000");
    if (options.files.length === 0) throw new RangeError("at least one list file is required");
    this.#options = { ...options, intervalMs: interval };
  }

  /** Loads the files now (one refresh at a time: concurrent callers share it). */
  refreshNow(): Promise<RefreshOutcome> {
    this.#running ??= this.#refresh().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async start(): Promise<RefreshOutcome> {
    const first = await this.refreshNow();
    this.schedule();
    return first;
  }

  /** Refreshes every `intervalMs` from now on, without one now (the node loaded the lists at start). */
  schedule(): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.refreshNow(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #refresh(): Promise<RefreshOutcome> {
    const { list, files, maxBytes, onRefresh } = this.#options;
    let outcome: RefreshOutcome;
    try {
      const snapshot = await loadSanctionsFiles(files, maxBytes === undefined ? {} : { maxBytes });
      if (snapshot.version === list.info().version) outcome = { status: "UNCHANGED", version: snapshot.version };
      else {
        await list.reload(snapshot);
        outcome = { status: "RELOADED", version: snapshot.version, entries: snapshot.entries.length, snapshot };
      }
    } catch (error) {
      const typed = isKycnetError(error) || error instanceof Error ? error : new Error(String(error));
      outcome = { status: "FAILED", error: typed, activeVersion: list.info().version };
    }
    onRefresh?.(outcome);
    return outcome;
  }
}
