/**
 * Record exchange: a libp2p host whose identity key is sealed by the HSM, gated to consortium
 * members on chain, serving this node's records and fetching other members' under consent.
 */
import { join } from "node:path";
import type { Provider } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import { createExchangeHost, type ExchangeHost } from "../exchange/host.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "../exchange/identity.ts";
import { createMembershipGate } from "../exchange/membership.ts";
import { createMembershipWatcher } from "../exchange/membership-watcher.ts";
import { createRecordClient, type RecordClient } from "../exchange/record-client.ts";
import { createRecordServer } from "../exchange/record-server.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { vaultRecordSource } from "../onboarding/adapters/record-source.ts";
import type { Vault } from "../vault/vault.ts";
import type { Startup } from "./startup.ts";

/** Where a node keeps its sealed libp2p key (the consortium script creates it before deployment). */
export const peerKeyPath = (dataDir: string) => join(dataDir, "peer-key.json");

export interface NodeExchange {
  readonly host: ExchangeHost;
  readonly records: RecordClient;
  /** Where a member's node listens, from this node's address book (null: not listed). */
  addressOf(member: MemberInfo): string | null;
  /** Starts the host, then serving records, then watching membership. */
  start(): Promise<void>;
  /** Stops in reverse order of `start`. */
  stop(): Promise<void>;
}

export interface OpenExchangeDeps {
  readonly keys: KeyManager;
  readonly ledger: LedgerClient;
  readonly provider: Provider;
  readonly account: Hex;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, "countExchangeRequest" | "countRefusedPeer">;
}

export async function openExchange(
  config: NodeConfig,
  deps: OpenExchangeDeps,
  startup: Startup,
): Promise<NodeExchange> {
  const { keys, ledger, provider, logger } = deps;
  const identity = await startup.step("peer identity", async () => {
    const own = await loadOrCreatePeerKey({ keys, ...peerKeyFile(peerKeyPath(config.dataDir)) });
    const me = await ledger.findMember(deps.account);
    if (me !== null && Buffer.compare(Buffer.from(me.peerId), Buffer.from(own.peerIdBytes)) !== 0) {
      logger.warn(
        { peerId: own.peerId.toString() },
        "this node's libp2p peer id differs from the one published on chain: other members will refuse it",
      );
    }
    return own;
  });
  const membership = createMembershipGate({
    ledger,
    onError: (error) => logger.warn({ err: error }, "membership check failed"),
  });
  const host = await startup.step("exchange host", () =>
    createExchangeHost({
      privateKey: identity.privateKey,
      listen: config.exchange.listen,
      membership,
      onRefused: ({ peerId, direction, reason, error }) => {
        deps.metrics.countRefusedPeer(reason);
        logger.warn({ peerId, direction, reason, ...(error === undefined ? {} : { err: error }) }, "peer refused");
      },
    }),
  );
  const recordServer = createRecordServer({
    host,
    ledger,
    keys,
    membership,
    source: vaultRecordSource(deps.vault),
    onServed: (e) => {
      const outcome = e.status === "OK" ? "served" : e.status === "INTERNAL" ? "failed" : "refused";
      deps.metrics.countExchangeRequest(outcome, e.status.toLowerCase());
      const line = {
        status: e.status,
        consentId: e.consentId,
        memberId: e.memberId,
        ms: Math.round(e.ms),
        disclosureTx: e.disclosureTx,
      };
      // A refusal is the protocol working (no consent, not a member...): a warning, no stack. Only
      // a failure of this node is an error, logged with its cause.
      if (outcome === "served") logger.info(line, "record request");
      else if (outcome === "refused") logger.warn(line, "record request refused");
      else logger.error({ ...line, err: e.error }, "record request failed");
    },
  });
  const records = createRecordClient({ host, ledger, keys });
  // Membership changes on chain (a bank removed, a key rotated) cut connections within seconds.
  const watcher = createMembershipWatcher({
    provider,
    consortium: ledger.addresses.consortium,
    membership,
    host,
    onChange: (c) => logger.info(c, "consortium membership changed"),
    onError: (error) => logger.warn({ err: error }, "membership watch failed"),
  });
  const addressBook = new Map(config.exchange.peers.map((p) => [p.account.toLowerCase(), p.address]));
  return {
    host,
    records,
    addressOf: (member) => addressBook.get(member.account.toLowerCase()) ?? null,
    async start() {
      await host.start();
      await recordServer.start();
      await watcher.start();
    },
    async stop() {
      await watcher.stop();
      await recordServer.stop();
      await host.stop();
    },
  };
}
