/**
 * The consent history of the chain, read from ConsentRegistry events only (`ConsentGranted`,
 * `Disclosed`, `ConsentRevoked`), for one consent or for every consent of one attestation. Shared
 * by the auditor's checks and the customer's "who used my data" view.
 */
import { Interface, type Log, type Provider } from "ethers";
import { ConsentRegistryAbi } from "../chain/abis.ts";
import { assertBytes32, type Hex } from "../protocol/bytes.ts";

export type ConsentEventKind = "GRANTED" | "DISCLOSED" | "REVOKED";

export interface ConsentChainEvent {
  readonly kind: ConsentEventKind;
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  /** The grantee account named in the event (GRANTED, DISCLOSED); null for REVOKED. */
  readonly grantee: Hex | null;
  /** GRANTED: the mask granted; DISCLOSED: the mask disclosed. */
  readonly fieldMask: number | null;
  readonly purpose: number | null;
  readonly validUntil: bigint | null;
  readonly requestId: Hex | null;
  /** REVOKED: the subject named in the event. */
  readonly subject: Hex | null;
  readonly blockNumber: number;
  readonly logIndex: number;
  readonly txHash: Hex;
}

export type ConsentEventQuery = { readonly consentId: Hex } | { readonly attestationUid: Hex };

const consentInterface = new Interface(ConsentRegistryAbi);
const topicOf = (name: string): string => consentInterface.getEvent(name)!.topicHash;

/** Every consent event matching `query`, in chain order. */
export async function readConsentEvents(
  provider: Provider,
  consentRegistry: Hex,
  query: ConsentEventQuery,
  fromBlock = 0,
): Promise<ConsentChainEvent[]> {
  // consentId is the first indexed topic of all three events, attestationUid the second.
  const filterTopics =
    "consentId" in query
      ? (assertBytes32(query.consentId, "consentId"), [query.consentId.toLowerCase()])
      : (assertBytes32(query.attestationUid, "attestationUid"), [null, query.attestationUid.toLowerCase()]);
  const topics = [[topicOf("ConsentGranted"), topicOf("Disclosed"), topicOf("ConsentRevoked")], ...filterTopics];
  // Some nodes (Anvil) answer an error, not [], for a range that starts past the chain's head.
  if (fromBlock > 0 && fromBlock > (await provider.getBlockNumber())) return [];
  const logs = await provider.getLogs({ address: consentRegistry, topics, fromBlock, toBlock: "latest" });
  return logs
    .filter((log) => log.address.toLowerCase() === consentRegistry.toLowerCase())
    .map(toEvent)
    .filter((e): e is ConsentChainEvent => e !== null)
    .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

function toEvent(log: Log): ConsentChainEvent | null {
  let parsed;
  try {
    parsed = consentInterface.parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return null; // not one of ours (or malformed): nothing an auditor can use
  }
  if (parsed === null) return null;
  const a = parsed.args;
  const base = {
    consentId: String(a[0]).toLowerCase() as Hex,
    attestationUid: String(a[1]).toLowerCase() as Hex,
    blockNumber: log.blockNumber,
    logIndex: log.index,
    txHash: log.transactionHash as Hex,
  };
  const none = { grantee: null, fieldMask: null, purpose: null, validUntil: null, requestId: null, subject: null };
  switch (parsed.name) {
    case "ConsentGranted":
      return Object.freeze({
        ...none,
        ...base,
        kind: "GRANTED",
        grantee: String(a[2]) as Hex,
        subject: String(a[3]) as Hex,
        purpose: Number(a[4]),
        fieldMask: Number(a[5]),
        validUntil: BigInt(a[6] as bigint), // uint64, decoded as bigint
      });
    case "Disclosed":
      return Object.freeze({
        ...none,
        ...base,
        kind: "DISCLOSED",
        grantee: String(a[2]) as Hex,
        fieldMask: Number(a[3]),
        requestId: String(a[4]) as Hex,
      });
    case "ConsentRevoked":
      return Object.freeze({ ...none, ...base, kind: "REVOKED", subject: String(a[2]) as Hex });
    default:
      return null;
  }
}
