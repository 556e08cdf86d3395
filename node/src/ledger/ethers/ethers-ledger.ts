/**
 * LedgerClient over ethers v6 and JSON-RPC. Works with any EVM chain (Hardhat/EDR in
 * development, Besu/QBFT in production) and any ethers Signer (the PKCS#11 HSM signer in
 * production). Reads with no explicit time use the latest block's timestamp, not the local clock,
 * so status agrees with what the contracts would decide in the next block. Give it a provider
 * made by ../provider.ts (no request cache), or reads may not see this client's own writes.
 */
import { Contract, type ContractRunner, type Provider, type Signer } from "ethers";
import {
  AttestationStatus,
  ConsentStatus,
  MAX_BATCH_SIZE,
  assertAddress,
  attestationUid,
  buildBatch,
  consentIdOf,
  nameOf,
  type AttestationData,
  type AttestationProof,
  type AttestationStatusName,
  type ConsentGrant,
  type ConsentRevocation,
  type ConsentStatusName,
  type Hex,
  type RevocationReasonCode,
  type UidContext,
} from "@kycnet/sdk/protocol";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi, readAuditAnchors } from "@kycnet/sdk/chain";
import { toLedgerError } from "../errors.ts";
import type {
  AnchoredBatch,
  AuditHeadToAnchor,
  ContractAddresses,
  ConsentRecord,
  LedgerClient,
  MemberInfo,
} from "../ledger-client.ts";
import {
  consentFromResult,
  grantTuple,
  memberFromResult,
  proofTuple,
  revocationTuple,
  attestationTuple,
  type ConsentResult,
  type MemberResult,
} from "./abi-codec.ts";
import { createChainCalls, isSigner, strip, type ChainCalls } from "./ethers-calls.ts";

export interface EthersLedgerOptions {
  /** A Signer for writes; a bare Provider gives a read-only client (auditors). */
  readonly runner: Signer | Provider;
  readonly addresses: ContractAddresses;
  /** Blocks to wait for after a write (1 on an instant-finality chain such as QBFT). */
  readonly confirmations?: number;
}

export { LedgerTxFailedError } from "./ethers-calls.ts";

export async function createEthersLedger(options: EthersLedgerOptions): Promise<LedgerClient> {
  const provider = isSigner(options.runner) ? options.runner.provider : options.runner;
  if (provider === null) throw new InvalidArgumentError("runner", "the signer must be connected to a provider");
  await assertContractsDeployed(provider, options.addresses);
  const runner: ContractRunner = options.runner;
  const consortium = new Contract(options.addresses.consortium, ConsortiumRegistryAbi, runner);
  const attestations = new Contract(options.addresses.attestations, AttestationRegistryAbi, runner);
  const consents = new Contract(options.addresses.consents, ConsentRegistryAbi, runner);
  const calls = createChainCalls(options.runner, provider, options.confirmations ?? 1);
  let cachedChainId: bigint | undefined;
  const chainId = async (): Promise<bigint> => (cachedChainId ??= (await provider.getNetwork()).chainId);
  const account = async (): Promise<Hex> => (await calls.signer("account").getAddress()) as Hex;

  return {
    addresses: options.addresses,
    chainId,
    account,
    ...memberReads(consortium, calls),
    ...attestationOperations(attestations, calls, async () => ({
      issuer: await account(),
      context: { chainId: await chainId(), registry: options.addresses.attestations },
    })),
    auditAnchors: async (issuer, fromBlock = 0) => {
      assertAddress(issuer, "issuer");
      try {
        return await readAuditAnchors(provider, options.addresses.attestations, issuer, fromBlock);
      } catch (error) {
        throw toLedgerError("AuditAnchored", error);
      }
    },
    ...consentOperations(consents, calls),
  };
}

/** Fail at start-up, not at the first customer, when an address holds no contract. */
async function assertContractsDeployed(provider: Provider, addresses: ContractAddresses): Promise<void> {
  for (const [name, address] of Object.entries(addresses) as [keyof ContractAddresses, Hex][]) {
    const code = await provider.getCode(address).catch((error: unknown) => {
      throw toLedgerError("getCode", error);
    });
    if (code === "0x") throw new InvalidArgumentError(`addresses.${name}`, `no contract at ${address}`);
  }
}

function memberReads(
  consortium: Contract,
  { read, readOrNull }: ChainCalls,
): Pick<LedgerClient, "isActiveMember" | "findMember" | "findMemberByPeerId"> {
  return {
    // An address that is not 20 bytes of hex would be taken by ethers for an ENS name and fail as
    // an "unreachable chain": check it as the bad input it is.
    isActiveMember: async (address) => {
      assertAddress(address, "account");
      return read("isActiveMember", () => consortium.getFunction("isActiveMember")(address) as Promise<boolean>);
    },
    findMember: async (address) => {
      assertAddress(address, "account");
      const call = () => consortium.getFunction("memberOf")(address) as Promise<MemberResult>;
      return memberFromResult(await readOrNull("memberOf", "UnknownMember", call));
    },
    findMemberByPeerId: async (peerId): Promise<MemberInfo | null> =>
      memberFromResult(
        await readOrNull(
          "memberByPeerId",
          "NoSuchPeerId",
          () => consortium.getFunction("memberByPeerId")(peerId) as Promise<MemberResult>,
        ),
      ),
  };
}

/** This bank as an issuer: its account and where its attestation uids are computed. */
type IssuerContext = () => Promise<{ issuer: Hex; context: UidContext }>;

function attestationOperations(
  attestations: Contract,
  { read, send, now }: ChainCalls,
  issuerContext: IssuerContext,
): Pick<LedgerClient, "anchorBatch" | "anchorAuditHead" | "revokeAttestation" | "attestationStatus"> {
  return {
    async anchorBatch(batch: readonly AttestationData[], auditHead?: AuditHeadToAnchor): Promise<AnchoredBatch> {
      if (batch.length === 0 || batch.length > MAX_BATCH_SIZE) {
        throw new InvalidArgumentError("batch", `must hold 1 to ${MAX_BATCH_SIZE} attestations`);
      }
      const { issuer, context } = await issuerContext();
      let uids: Hex[];
      try {
        uids = batch.map((data) => attestationUid(context, issuer, data));
      } catch (error) {
        throw toLedgerError("anchor", error); // a value the ABI cannot carry: INVALID_ARGUMENT
      }
      const tree = buildBatch(uids);
      const head = auditHeadTuple(auditHead ?? { count: 0, hash: "0".repeat(64) });
      const tx = await send("anchor", () => attestations.getFunction("anchor")(batch.map(attestationTuple), head));
      return {
        ...strip(tx),
        batchRoot: tree.root,
        uids,
        proofs: batch.map((data, i) => Object.freeze({ issuer, data, batchRoot: tree.root, proof: tree.proofOf(i) })),
      };
    },

    async anchorAuditHead(auditHead: AuditHeadToAnchor) {
      if (auditHead.count < 1) throw new InvalidArgumentError("auditHead.count", "must be at least 1");
      const head = auditHeadTuple(auditHead);
      return strip(await send("anchorAudit", () => attestations.getFunction("anchorAudit")(head)));
    },

    revokeAttestation: async (attestation, reason: RevocationReasonCode) =>
      strip(await send("revoke", () => attestations.getFunction("revoke")(proofTuple(attestation), reason))),

    async attestationStatus(attestation: AttestationProof, at?: bigint): Promise<AttestationStatusName> {
      const t = await now(at);
      const code = await read(
        "statusOf",
        () => attestations.getFunction("statusOf")(proofTuple(attestation), t) as Promise<bigint>,
      );
      return nameOf(AttestationStatus, Number(code)) ?? "UNKNOWN";
    },
  };
}

/** The contract's AuditHead tuple; a hash that is not 32 bytes of hex is bad input, not a chain failure. */
function auditHeadTuple(auditHead: AuditHeadToAnchor): [bigint, string] {
  if (!Number.isSafeInteger(auditHead.count) || auditHead.count < 0)
    throw new InvalidArgumentError("auditHead.count", "must be a whole number >= 0");
  if (!/^[0-9a-f]{64}$/.test(auditHead.hash))
    throw new InvalidArgumentError("auditHead.hash", "must be 64 lower-case hex digits");
  return [BigInt(auditHead.count), `0x${auditHead.hash}`];
}

type ConsentOperations = Pick<
  LedgerClient,
  "grantConsentBySig" | "revokeConsentBySig" | "consentStatus" | "findConsent" | "recordDisclosure"
>;

function consentOperations(consents: Contract, { read, readOrNull, send, now }: ChainCalls): ConsentOperations {
  return {
    async grantConsentBySig(grant: ConsentGrant, attestation: AttestationProof, signature: string) {
      const tx = await send("grantBySig", () =>
        consents.getFunction("grantBySig")(grantTuple(grant), proofTuple(attestation), signature),
      );
      return { ...strip(tx), consentId: consentIdOf(grant) };
    },

    revokeConsentBySig: async (revocation: ConsentRevocation, signature: string) =>
      strip(
        await send("revokeBySig", () => consents.getFunction("revokeBySig")(revocationTuple(revocation), signature)),
      ),

    async consentStatus(consentId: Hex, at?: bigint): Promise<ConsentStatusName> {
      const t = await now(at);
      const code = await read("statusAt", () => consents.getFunction("statusAt")(consentId, t) as Promise<bigint>);
      return nameOf(ConsentStatus, Number(code)) ?? "NONE";
    },

    findConsent: async (consentId: Hex): Promise<ConsentRecord | null> =>
      consentFromResult(
        consentId,
        await readOrNull(
          "getConsent",
          "UnknownConsent",
          () => consents.getFunction("getConsent")(consentId) as Promise<ConsentResult>,
        ),
      ),

    recordDisclosure: async (consentId: Hex, fieldMask: number, requestId: Hex) =>
      strip(
        await send("recordDisclosure", () => consents.getFunction("recordDisclosure")(consentId, fieldMask, requestId)),
      ),
  };
}
