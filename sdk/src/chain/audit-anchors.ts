/**
 * Audit heads a bank anchored on chain (`AuditAnchored` events of the AttestationRegistry), read
 * from public chain data only: what `kycnet vault verify-audit`, the node's start-up check and an
 * auditor checking a signed audit export compare the bank's audit log with.
 */
import { Contract, Interface, type Provider } from "ethers";
import { assertAddress, type Hex } from "../protocol/bytes.ts";
import { AttestationRegistryAbi } from "./abis.ts";

/** The issuer's audit log had `count` entries, the last with hash `head`, in transaction `txHash`. */
export interface AuditAnchor {
  readonly count: number;
  /** The entry's hash: 64 lower-case hex digits, no 0x (as the log stores it). */
  readonly head: string;
  readonly txHash: Hex;
  readonly blockNumber: number;
}

const registryInterface = new Interface(AttestationRegistryAbi);

function anchorOf(log: { topics: readonly string[]; data: string; transactionHash: string; blockNumber: number }) {
  const parsed = registryInterface.parseLog(log);
  if (parsed?.name !== "AuditAnchored") return null;
  return Object.freeze({
    count: Number(parsed.args[1] as bigint),
    head: (parsed.args[2] as string).slice(2).toLowerCase(),
    txHash: log.transactionHash as Hex,
    blockNumber: log.blockNumber,
  });
}

/**
 * Every audit head `issuer` anchored in `registry` from block `fromBlock` on, in chain order.
 * `toBlock` defaults to the latest block.
 */
export async function readAuditAnchors(
  provider: Provider,
  registry: Hex,
  issuer: Hex,
  fromBlock = 0,
  toBlock?: number,
): Promise<AuditAnchor[]> {
  assertAddress(issuer, "issuer");
  const latest = toBlock ?? (await provider.getBlockNumber());
  // Some nodes (Anvil) answer an error, not [], for a range that starts past the chain's head.
  if (fromBlock > latest) return [];
  const contract = new Contract(registry, AttestationRegistryAbi, provider);
  const logs = await contract.queryFilter(contract.filters.AuditAnchored!(issuer), fromBlock, latest);
  return logs.map(anchorOf).filter((a): a is AuditAnchor => a !== null);
}

/**
 * True when transaction `anchor.txHash` emitted, from `registry`, an AuditAnchored of `issuer`
 * with exactly this count and head (one receipt read: an export names its anchors by transaction).
 */
export async function isAuditAnchorOnChain(
  provider: Provider,
  registry: Hex,
  issuer: Hex,
  anchor: Pick<AuditAnchor, "count" | "head" | "txHash">,
): Promise<boolean> {
  const receipt = await provider.getTransactionReceipt(anchor.txHash);
  if (receipt === null || receipt.status !== 1) return false;
  return receipt.logs.some((log) => {
    if (log.address.toLowerCase() !== registry.toLowerCase()) return false;
    const found = anchorOf(log);
    return (
      found !== null &&
      `0x${log.topics[1]?.slice(26) ?? ""}`.toLowerCase() === issuer.toLowerCase() &&
      found.count === anchor.count &&
      found.head === anchor.head.toLowerCase()
    );
  });
}
