/**
 * A chain follower's loop: one pass now, then one every `intervalMs`, never two at once (a slow
 * chain makes the next tick wait for the current pass), failures of the timed passes reported to
 * `onError`. The membership watcher and the revocation cascade follow the chain with it.
 */
export interface ChainPoller {
  /** Runs one pass (its failure rejects), then keeps polling on the interval. */
  start(): Promise<void>;
  /** Stops the interval and waits for a pass in flight. */
  stop(): Promise<void>;
  /** One pass now, or the one already running; resolves with what the pass returns. */
  poll(): Promise<number>;
}

export function createChainPoller(
  pass: () => Promise<number>,
  intervalMs: number,
  onError?: (error: unknown) => void,
): ChainPoller {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  const poll = (): Promise<number> =>
    (running ??= pass().finally(() => {
      running = null;
    }));
  return {
    async start() {
      await poll();
      timer = setInterval(() => {
        poll().catch((error: unknown) => onError?.(error));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
    poll,
  };
}
