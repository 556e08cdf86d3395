/**
 * The membership gate: a remote libp2p peer is served only while the chain says its peer id
 * belongs to an ACTIVE consortium member. Answers are cached for a short TTL (chain reads on every
 * stream would dominate latency); the node calls `invalidate()` on MemberRemoved / endpoint /
 * rotation events so a removed bank is cut off at once, not at TTL expiry. Fails closed: a chain
 * error denies.
 */
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";

/** What the host and the record server ask about a remote peer. */
export interface MembershipCheck {
  /** The active member announcing this peer id (binary multihash), or null. Never throws. */
  activeMemberOf(peerId: Uint8Array): Promise<MemberInfo | null>;
  /** Forget cached answers: for one peer id, or all when omitted. */
  invalidate(peerId?: Uint8Array): void;
}

export interface MembershipGateOptions {
  readonly ledger: Pick<LedgerClient, "findMemberByPeerId">;
  /** How long an answer is trusted without asking the chain again. Default 10 s. */
  readonly ttlMs?: number;
  /** Bound on cached peers, so a flood of random peer ids cannot grow memory. Default 1024. */
  readonly maxEntries?: number;
  readonly now?: () => number;
  /** Called when a chain read fails (the peer is denied); for logging. */
  readonly onError?: (error: unknown) => void;
}

interface Entry {
  readonly at: number;
  readonly answer: Promise<MemberInfo | null>;
}

const keyOf = (peerId: Uint8Array): string => Buffer.from(peerId).toString("hex");

export function createMembershipGate(options: MembershipGateOptions): MembershipCheck {
  const ttlMs = options.ttlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 1024;
  const now = options.now ?? Date.now;
  // Map keeps insertion order: the first key is the oldest, evicted first.
  const cache = new Map<string, Entry>();

  async function lookup(peerId: Uint8Array): Promise<MemberInfo | null> {
    try {
      const member = await options.ledger.findMemberByPeerId(peerId);
      return member !== null && member.active && Buffer.from(member.peerId).equals(Buffer.from(peerId)) ? member : null;
    } catch (error) {
      options.onError?.(error);
      throw error;
    }
  }

  return {
    async activeMemberOf(peerId) {
      if (!(peerId instanceof Uint8Array) || peerId.byteLength === 0 || peerId.byteLength > 128) return null;
      const key = keyOf(peerId);
      const hit = cache.get(key);
      if (hit !== undefined && now() - hit.at < ttlMs) return hit.answer.catch(() => null);
      cache.delete(key);
      const answer = lookup(peerId);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      // Cached before the read completes (concurrent callers share it); invalidate() removes the
      // entry, so a read that started before an invalidation never lands back in the cache.
      cache.set(key, { at: now(), answer });
      try {
        return await answer;
      } catch {
        // Never cache a failure: the next request asks the chain again.
        if (cache.get(key)?.answer === answer) cache.delete(key);
        return null;
      }
    },
    invalidate(peerId) {
      if (peerId === undefined) cache.clear();
      else cache.delete(keyOf(peerId));
    },
  };
}
