/**
 * The shared state of the in-memory "chain": block time and numbers, and the consortium's
 * members as ConsortiumRegistry keeps them (member records, account bindings, peer-id index).
 * One instance is shared by every member's client, so a write through one is seen by all.
 * Contract rules (anchoring, consent, disclosure) live in memory-ledger.ts, not here.
 */
import { getAddress, hexlify, keccak256, AbiCoder } from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { MemberInfo, TxInfo } from "../ledger-client.ts";

export interface MemoryMemberInput {
  readonly account: Hex;
  readonly name: string;
  readonly peerId: Uint8Array;
  readonly transportKey: Uint8Array;
}

interface MemberState {
  readonly id: number;
  account: Hex;
  active: boolean;
  readonly activeSince: bigint;
  removedAt: bigint;
  readonly name: string;
  readonly peerId: Uint8Array;
  readonly transportKey: Uint8Array;
}

interface AccountBinding {
  readonly memberId: number;
  readonly activeSince: bigint;
  activeUntil: bigint; // 0 while active
}

const MAX_PEER_ID_BYTES = 128;

/** Unix seconds now, from the wall clock (the default clock). */
export const systemClock = (): bigint => BigInt(Math.floor(Date.now() / 1000));

export class MemoryChain {
  readonly chainId: bigint;
  private readonly clock: () => bigint;
  private latestTimestamp: bigint;
  private latestBlock = 0;
  private readonly members = new Map<number, MemberState>();
  private readonly accounts = new Map<string, AccountBinding>();
  private readonly memberByPeerId = new Map<string, number>();

  constructor(chainId: bigint, clock: () => bigint, genesis: readonly MemoryMemberInput[]) {
    this.chainId = chainId;
    this.clock = clock;
    this.latestTimestamp = clock();
    for (const member of genesis) this.admit(member, this.latestTimestamp);
  }

  /**
   * What reads see as "now": the latest block's time, as the ethers adapter reads it. It stands
   * still until the next write (or `mineEmptyBlock`), exactly as a Hardhat chain's latest block.
   */
  now(): bigint {
    return this.latestTimestamp;
  }

  /** The time the next block would have: strictly after the latest one, as on Hardhat and QBFT. */
  nextBlockTime(): bigint {
    const t = this.clock();
    return t > this.latestTimestamp ? t : this.latestTimestamp + 1n;
  }

  /** Seals a successful write into a block at `timestamp` (from nextBlockTime). No gas is modelled. */
  mine(timestamp: bigint, operation: string): TxInfo {
    this.latestTimestamp = timestamp;
    this.latestBlock += 1;
    const txHash = keccak256(AbiCoder.defaultAbiCoder().encode(
      ["uint256", "uint256", "string"], [this.chainId, this.latestBlock, operation])) as Hex;
    return Object.freeze({ txHash, blockNumber: this.latestBlock, gasUsed: 0n });
  }

  // ---- consortium (ConsortiumRegistry's views) ----

  isActiveMember(account: Hex): boolean {
    const binding = this.accounts.get(key(account));
    return binding !== undefined && binding.activeUntil === 0n;
  }

  /** The member an account was ever bound to (0 when none), like `memberIdOf`. */
  memberIdOf(account: Hex): number {
    return this.accounts.get(key(account))?.memberId ?? 0;
  }

  /** The member of an account when that member is still active (0 otherwise), like `activeMemberIdOf`. */
  activeMemberIdOf(account: Hex): number {
    const id = this.memberIdOf(account);
    return id !== 0 && this.members.get(id)?.active === true ? id : 0;
  }

  findMember(account: Hex): MemberInfo | null {
    return this.snapshot(this.memberIdOf(account));
  }

  findMemberByPeerId(peerId: Uint8Array): MemberInfo | null {
    return this.snapshot(this.memberByPeerId.get(hexlify(peerId)) ?? 0);
  }

  /** Seals an empty block at the clock's time (Hardhat's `mine`): lets reads see a clock moved forward. */
  mineEmptyBlock(): TxInfo {
    return this.mine(this.nextBlockTime(), "mineEmptyBlock");
  }

  /** Removes a member as an executed REMOVE_MEMBER proposal would (governance itself is not modelled). */
  removeMember(account: Hex): TxInfo {
    const binding = this.accounts.get(key(account));
    const member = binding === undefined ? undefined : this.members.get(binding.memberId);
    if (binding === undefined || member === undefined || !member.active) {
      throw new InvalidArgumentError("account", "is not an active member's account");
    }
    const t = this.nextBlockTime();
    member.active = false;
    member.removedAt = t;
    // The peer id stays bound, as on chain: lookups still show who it was.
    const current = this.accounts.get(key(member.account));
    if (current !== undefined) current.activeUntil = t;
    return this.mine(t, "removeMember");
  }

  private admit(input: MemoryMemberInput, at: bigint): void {
    const account = checkedAddress(input.account);
    if (this.accounts.has(key(account))) throw new InvalidArgumentError("members.account", "bound twice");
    if (input.peerId.length < 1 || input.peerId.length > MAX_PEER_ID_BYTES) {
      throw new InvalidArgumentError("members.peerId", `must be 1..${MAX_PEER_ID_BYTES} bytes`);
    }
    const peerKey = hexlify(input.peerId);
    if (this.memberByPeerId.has(peerKey)) throw new InvalidArgumentError("members.peerId", "already used by another member");
    const tk = input.transportKey;
    const sec1 = (tk.length === 33 && (tk[0] === 2 || tk[0] === 3)) || (tk.length === 65 && tk[0] === 4);
    if (!sec1) throw new InvalidArgumentError("members.transportKey", "must be a SEC1 P-256 public key (33 or 65 bytes)");
    const id = this.members.size + 1;
    this.members.set(id, {
      id, account, active: true, activeSince: at, removedAt: 0n, name: input.name,
      peerId: Uint8Array.from(input.peerId), transportKey: Uint8Array.from(tk),
    });
    this.accounts.set(key(account), { memberId: id, activeSince: at, activeUntil: 0n });
    this.memberByPeerId.set(peerKey, id);
  }

  private snapshot(id: number): MemberInfo | null {
    const m = this.members.get(id);
    if (m === undefined) return null;
    return Object.freeze({
      id: m.id, account: m.account, name: m.name, active: m.active, activeSince: m.activeSince, removedAt: m.removedAt,
      peerId: Uint8Array.from(m.peerId), transportKey: Uint8Array.from(m.transportKey),
    });
  }
}

/** Addresses compare case-insensitively, as on chain. */
const key = (account: string): string => account.toLowerCase();

export function checkedAddress(value: string): Hex {
  try {
    return getAddress(value) as Hex;
  } catch (error) {
    throw new InvalidArgumentError("account", "not an address", { cause: error });
  }
}
