/**
 * Finds an anchored attestation from its UID alone, using only public chain data: the
 * `Attested` event names the batch and transaction; the transaction's calldata holds every record
 * of the batch, from which the inclusion proof is rebuilt and checked against the batch root.
 * This is what lets an auditor or a customer prove an attestation with nothing but a UID.
 * Limitation: the anchoring call must be the transaction's top-level call (not via a multisig).
 */
import { Contract, Interface, type Provider } from "ethers";
import { KycnetError } from "../errors.ts";
import { attestationUid, buildBatch, toAttestationData, type AttestationProof } from "../protocol/attestation.ts";
import { assertBytes32, type Hex } from "../protocol/bytes.ts";
import { AttestationRegistryAbi } from "./abis.ts";

export class AttestationNotFoundError extends KycnetError {
  constructor(uid: string, reason: string) {
    super("ATTESTATION_NOT_FOUND", `attestation ${uid} not found: ${reason}`, { details: { uid, reason } });
  }
}

export interface AttestationLocation {
  readonly proof: AttestationProof;
  readonly uid: Hex;
  readonly txHash: Hex;
  readonly blockNumber: number;
}

const registryInterface = new Interface(AttestationRegistryAbi);

export async function findAttestation(
  provider: Provider,
  registry: Hex,
  uid: Hex,
  fromBlock = 0,
): Promise<AttestationLocation> {
  assertBytes32(uid, "uid");
  const contract = new Contract(registry, AttestationRegistryAbi, provider);
  // Some nodes (Anvil) answer an error, not [], for a range that starts past the chain's head.
  if (fromBlock > 0 && fromBlock > (await provider.getBlockNumber()))
    throw new AttestationNotFoundError(uid, "no Attested event");
  const logs = await contract.queryFilter(contract.filters.Attested!(uid), fromBlock);
  const log = logs[0];
  if (log === undefined) throw new AttestationNotFoundError(uid, "no Attested event");
  const tx = await provider.getTransaction(log.transactionHash);
  if (tx === null) throw new AttestationNotFoundError(uid, "anchoring transaction not available");
  const call = registryInterface.parseTransaction({ data: tx.data });
  if (call === null || call.name !== "anchor" || tx.to?.toLowerCase() !== registry.toLowerCase()) {
    throw new AttestationNotFoundError(uid, "anchoring call is not a direct anchor() transaction");
  }
  const issuer = tx.from as Hex;
  const chainId = (await provider.getNetwork()).chainId;
  const records = (call.args[0] as ReadonlyArray<Record<string, unknown>>).map((r) =>
    toAttestationData({
      subject: r.subject,
      recordRoot: r.recordRoot,
      method: r.method,
      assuranceLevel: r.assuranceLevel,
      pipelineVersion: r.pipelineVersion,
      issuedAt: r.issuedAt,
      expiresAt: r.expiresAt,
      refCommitment: r.refCommitment,
    }),
  );
  const uids = records.map((d) => attestationUid({ chainId, registry }, issuer, d));
  const index = uids.findIndex((u) => u === uid.toLowerCase());
  if (index < 0) throw new AttestationNotFoundError(uid, "not in its anchoring transaction");
  const batch = buildBatch(uids);
  return Object.freeze({
    uid: uids[index]!,
    txHash: log.transactionHash as Hex,
    blockNumber: log.blockNumber,
    proof: Object.freeze({ issuer, data: records[index]!, batchRoot: batch.root, proof: batch.proofOf(index) }),
  });
}
