/**
 * A load balancer in front of a bank's instances, as a `fetch` for the SDK's bank client: each
 * request goes to the next instance up, round-robin, so the requests of one session land on
 * different instances. A request that gets no answer (the instance was killed under it: connection
 * refused or reset) is sent again to the next instance, as a load balancer retries an upstream that
 * failed; so is a 503 (an instance not ready, or its database busy). Retries are counted, and
 * `onRetry` hears the path of each.
 */

export interface Upstream {
  readonly port: number;
  /** False while the instance is down or starting. */
  readonly up: boolean;
}

export interface RoundRobin {
  readonly fetch: typeof fetch;
  /** Requests sent again to another instance after one failed under them. */
  readonly retries: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `giveUpAfterMs`: a request that no instance answered within this is failed (the bench then says so). */
export function roundRobin(
  upstreams: () => readonly Upstream[],
  options: { giveUpAfterMs?: number; onRetry?: (path: string) => void } = {},
): RoundRobin {
  const giveUpAfterMs = options.giveUpAfterMs ?? 300_000;
  let next = 0;
  let retries = 0;
  const pick = () => {
    const up = upstreams().filter((u) => u.up);
    return up.length === 0 ? null : up[next++ % up.length]!;
  };
  const balanced: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const target = pick();
      if (target === null) {
        if (Date.now() - started > giveUpAfterMs) throw new Error(`no instance up for ${url.pathname}`);
        await sleep(100);
        continue;
      }
      url.host = `127.0.0.1:${target.port}`;
      try {
        const response = await fetch(url, init);
        if (response.status !== 503 || Date.now() - started > giveUpAfterMs) return response;
        await response.body?.cancel();
      } catch (error) {
        // The client's own deadline: not the instance's failure, not retried here.
        if (init?.signal?.aborted === true || Date.now() - started > giveUpAfterMs) throw error;
      }
      retries += 1;
      options.onRetry?.(url.pathname);
      await sleep(Math.min(50 * 2 ** attempt, 1_000));
    }
  };
  return { fetch: balanced, retries: () => retries };
}
