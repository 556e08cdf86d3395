/**
 * Consortium changes after deployment, signed by a member bank's own key (its HSM in production):
 * admitting a bank, removing one, rotating a bank's signing account, updating its peer id and
 * transport key, changing the threshold, and approving a proposal. ConsortiumRegistry executes a
 * proposal by itself when the approvals reach the threshold; `execute` is for a proposal that
 * became executable later (e.g. after the threshold was lowered).
 */
import { Contract, getBytes, type ContractTransactionResponse, type Signer, type TransactionReceipt } from "ethers";
import { ConsortiumRegistryAbi } from "@kycnet/sdk/chain";
import { toLedgerError } from "../../node/src/ledger/errors.ts";
import { ProductionInputError } from "./errors.ts";
import { address, hexBytes, integer, object, string, type Json } from "./input.ts";

export interface MemberPublication {
  readonly name: string;
  readonly account: string;
  readonly peerIdBytes: string;
  readonly transportPublicKey: string;
}

/** One bank's published values (from `kycnet token init` and `kycnet peer init`). */
export function parseMemberPublication(input: Json, field = "member"): MemberPublication {
  const m = object(input, field, ["name", "account", "peerIdBytes", "transportPublicKey"]);
  const transportPublicKey = hexBytes(m.transportPublicKey, `${field}.transportPublicKey`, 33, 65);
  if (![33, 65].includes((transportPublicKey.length - 2) / 2)) {
    throw new ProductionInputError(
      "PRODUCTION_INPUT_INVALID",
      `${field}.transportPublicKey`,
      "must be a SEC1 P-256 key (33 or 65 bytes), as `kycnet token init` prints it",
    );
  }
  return {
    name: string(
      m.name,
      `${field}.name`,
      // eslint-disable-next-line no-control-regex -- the class excludes control characters from display names
      /^[^\x00-\x1f\x7f]{1,64}$/,
      "a display name of 1 to 64 printable characters",
      64,
    ),
    account: address(m.account, `${field}.account`),
    peerIdBytes: hexBytes(m.peerIdBytes, `${field}.peerIdBytes`, 2, 128),
    transportPublicKey,
  };
}

export type GovernanceAction =
  | { readonly kind: "admit"; readonly member: MemberPublication }
  | { readonly kind: "remove"; readonly account: string }
  | { readonly kind: "rotate"; readonly oldAccount: string; readonly newAccount: string }
  | { readonly kind: "endpoint"; readonly member: MemberPublication }
  | { readonly kind: "threshold"; readonly threshold: number };

export interface GovernanceResult {
  readonly proposalId: bigint;
  /** True when this transaction reached the threshold and the change is in force. */
  readonly executed: boolean;
  readonly transactionHash: string;
}

function registry(consortium: string, signer: Signer): Contract {
  return new Contract(address(consortium, "consortium"), ConsortiumRegistryAbi, signer);
}

function outcome(contract: Contract, receipt: TransactionReceipt | null, fallbackId?: bigint): GovernanceResult {
  if (receipt === null) throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "transaction", "no receipt");
  let proposalId = fallbackId;
  let executed = false;
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return contract.interface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === "ProposalCreated") proposalId = parsed.args[0] as bigint;
    if (parsed?.name === "ProposalExecuted") executed = true;
  }
  if (proposalId === undefined)
    throw new ProductionInputError(
      "PRODUCTION_INPUT_INVALID",
      "transaction",
      "no ProposalCreated event in the receipt",
    );
  return { proposalId, executed, transactionHash: receipt.hash };
}

/** Proposes a change; the proposer's own approval counts as the first. */
export async function propose(consortium: string, signer: Signer, action: GovernanceAction): Promise<GovernanceResult> {
  const contract = registry(consortium, signer);
  const send = async (fn: string, ...args: unknown[]) => {
    try {
      return await (await (contract.getFunction(fn)(...args) as Promise<ContractTransactionResponse>)).wait();
    } catch (error) {
      throw toLedgerError(fn, error);
    }
  };
  const memberInput = (m: MemberPublication) => ({
    account: m.account,
    name: m.name,
    peerId: getBytes(m.peerIdBytes),
    transportKey: getBytes(m.transportPublicKey),
  });
  switch (action.kind) {
    case "admit":
      return outcome(contract, await send("proposeAdmitMember", memberInput(action.member)));
    case "remove":
      return outcome(contract, await send("proposeRemoveMember", action.account));
    case "rotate":
      return outcome(contract, await send("proposeRotateAccount", action.oldAccount, action.newAccount));
    case "endpoint":
      return outcome(
        contract,
        await send(
          "proposeUpdateEndpoint",
          action.member.account,
          getBytes(action.member.peerIdBytes),
          getBytes(action.member.transportPublicKey),
        ),
      );
    case "threshold":
      return outcome(contract, await send("proposeThreshold", integer(action.threshold, "threshold", 1, 65535)));
  }
}

/** Approves proposal `proposalId` (or executes it, when `execute` is set and enough approvals are in). */
export async function approve(
  consortium: string,
  signer: Signer,
  proposalId: bigint,
  options: { execute?: boolean } = {},
): Promise<GovernanceResult> {
  const contract = registry(consortium, signer);
  const fn = options.execute === true ? "execute" : "approve";
  try {
    const response = (await contract.getFunction(fn)(proposalId)) as ContractTransactionResponse;
    return outcome(contract, await response.wait(), proposalId);
  } catch (error) {
    throw toLedgerError(fn, error);
  }
}
