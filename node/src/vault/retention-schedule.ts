/**
 * Runs the vault's retention sweep (`Vault.sweepRetention`: shred records past their retention,
 * retire period keys) inside the node on a fixed interval, the first pass at start. A failed pass is
 * reported and the next one runs on schedule; passes never overlap. `lastSweep` says when the last
 * pass ended well (the metric an operator alerts on when it stops moving).
 */
import type { Vault } from "./vault.ts";

export interface RetentionScheduleOptions {
  readonly vault: Pick<Vault, "sweepRetention">;
  readonly intervalMs: number;
  readonly clock?: () => Date;
  readonly onSwept?: (event: { shredded: number; at: Date; durationMs: number }) => void;
  readonly onError?: (error: unknown) => void;
}

export interface RetentionSchedule {
  /** Runs one sweep now (after any running one); resolves with the ids shredded. */
  sweepNow(): Promise<string[]>;
  /** When the last successful sweep ended; null before the first. */
  lastSweep(): Date | null;
  start(): void;
  stop(): Promise<void>;
}

export function createRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const clock = options.clock ?? (() => new Date());
  let last: Date | null = null;
  let running: Promise<string[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  async function sweepNow(): Promise<string[]> {
    while (running !== undefined) await running.catch(() => undefined);
    const started = clock();
    const pass = options.vault.sweepRetention(started).finally(() => {
      running = undefined;
    });
    running = pass;
    const shredded = await pass;
    last = clock();
    options.onSwept?.({ shredded: shredded.length, at: last, durationMs: last.getTime() - started.getTime() });
    return shredded;
  }

  function schedule(ms: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      sweepNow()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => schedule(options.intervalMs));
    }, ms);
    timer.unref?.();
  }

  return {
    sweepNow,
    lastSweep: () => last,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
