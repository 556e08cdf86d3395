/**
 * Follows ConsortiumRegistry membership events (admitted, removed, account rotated, endpoint
 * updated) by polling logs, and on any of them empties the membership gate's cache and closes
 * connections of peers that are no longer active members. Polling (not filters) works the same on
 * every JSON-RPC chain and never misses a block range: each poll covers (last seen, latest].
 */
import { Interface, type Provider } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import type { Hex } from "@kycnet/sdk/protocol";
import type { ExchangeHost } from "./host.ts";
import type { MembershipCheck } from "./membership.ts";
import { createChainPoller } from "../ledger/chain-poller.ts";

const MEMBERSHIP_EVENTS = ["MemberAdmitted", "MemberRemoved", "MemberAccountRotated", "MemberEndpointUpdated"] as const;
const registry = new Interface(ConsortiumRegistryAbi);
const TOPICS = MEMBERSHIP_EVENTS.map((name) => registry.getEvent(name)!.topicHash);
/** Largest block range asked for in one getLogs call (providers cap it). */
const MAX_RANGE = 5_000;

export interface MembershipWatcherOptions {
  readonly provider: Provider;
  readonly consortium: Hex;
  readonly membership: MembershipCheck;
  /** Connections to re-check after a change; omit to only invalidate the cache. */
  readonly host?: Pick<ExchangeHost, "revalidateConnections">;
  /** Default 2,000 ms. */
  readonly intervalMs?: number;
  readonly onChange?: (change: { events: number; closedConnections: number; toBlock: number }) => void;
  readonly onError?: (error: unknown) => void;
}

export interface MembershipWatcher {
  /** Starts from the current block and polls every interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One poll now; returns how many membership events it saw. */
  poll(): Promise<number>;
}

export function createMembershipWatcher(options: MembershipWatcherOptions): MembershipWatcher {
  const intervalMs = options.intervalMs ?? 2_000;
  let lastBlock: number | null = null;

  async function pollOnce(): Promise<number> {
    const latest = await options.provider.getBlockNumber();
    if (lastBlock === null) {
      lastBlock = latest;
      return 0;
    }
    let events = 0;
    while (lastBlock < latest) {
      const toBlock = Math.min(latest, lastBlock + MAX_RANGE);
      const logs = await options.provider.getLogs({
        address: options.consortium,
        fromBlock: lastBlock + 1,
        toBlock,
        topics: [TOPICS],
      });
      events += logs.length;
      lastBlock = toBlock;
    }
    if (events > 0) {
      options.membership.invalidate();
      const closedConnections = (await options.host?.revalidateConnections()) ?? 0;
      options.onChange?.({ events, closedConnections, toBlock: latest });
    }
    return events;
  }

  return createChainPoller(pollOnce, intervalMs, options.onError);
}
