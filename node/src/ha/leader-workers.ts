/**
 * The background work that must run once per bank, not once per instance: the anchoring outbox, the
 * webhook delivery, the revocation cascade, the retention sweep, the sanctions re-screen and the
 * session expiry sweep. They run on the instance that leads (ha/leadership.ts; on LevelDB the one
 * process always does): started together when it gains the lead, stopped together when it loses it.
 * Transitions run one after another, so a quick loss and regain never leaves a worker running twice.
 */
export interface LeaderWorker {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface LeaderWorkers {
  /** Give it to `Leadership.start`: a term starts every worker, null stops them. */
  onLeadership(term: number | null): void;
  /** Names of the workers running now (empty on a follower). */
  running(): readonly string[];
  /** Stops every worker (the node's stop) and waits for transitions under way. */
  stop(): Promise<void>;
}

export function createLeaderWorkers(
  workers: ReadonlyMap<string, LeaderWorker>,
  onError: (worker: string, error: unknown) => void,
): LeaderWorkers {
  const started = new Set<string>();
  let transitions: Promise<void> = Promise.resolve();
  const queue = (step: () => Promise<void>) => {
    transitions = transitions.then(step, step);
    return transitions;
  };
  const startAll = async () => {
    for (const [name, worker] of workers) {
      if (started.has(name)) continue;
      try {
        await worker.start();
        started.add(name);
      } catch (error) {
        // Reported, and stopped with the others at the next loss of the lead (stopping it is harmless).
        started.add(name);
        onError(name, error);
      }
    }
  };
  const stopAll = async () => {
    for (const [name, worker] of workers) {
      if (!started.delete(name)) continue;
      await worker.stop().catch((error: unknown) => onError(name, error));
    }
  };
  return {
    onLeadership(term) {
      void queue(term === null ? stopAll : startAll);
    },
    running: () => [...started],
    stop: () => queue(stopAll),
  };
}
