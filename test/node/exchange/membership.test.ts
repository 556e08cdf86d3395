/**
 * The membership gate's cache rules, over a counting fake of the LedgerClient read it uses (the
 * real chain path runs in record-exchange.test.ts), plus the sealed peer identity.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MemberInfo } from "../../../node/src/ledger/ledger-client.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import type { SealedRecord } from "../../../node/src/custody/key-manager.ts";
import { createMembershipGate } from "../../../node/src/exchange/membership.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "../../../node/src/exchange/identity.ts";
import { peerIdOfMember } from "../../../node/src/exchange/record-client.ts";
import { isKycnetError } from "@kycnet/sdk/errors";

const peer = (n: number) => new Uint8Array([0, 36, 8, 1, 18, 32, ...new Array(32).fill(n)]);
const member = (peerId: Uint8Array, active = true): MemberInfo => ({
  id: peerId[6]!,
  account: `0x${"11".repeat(20)}`,
  name: "Bank",
  active,
  activeSince: 1n,
  removedAt: 0n,
  peerId,
  transportKey: new Uint8Array(33),
});

function countingLedger(answer: (peerId: Uint8Array) => MemberInfo | null | Error) {
  const ledger = {
    reads: 0,
    pending: [] as Array<() => void>,
    hold: false,
    async findMemberByPeerId(peerId: Uint8Array): Promise<MemberInfo | null> {
      ledger.reads++;
      if (ledger.hold) await new Promise<void>((resolve) => ledger.pending.push(resolve));
      const result = answer(peerId);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return ledger;
}

describe("exchange/membership gate", () => {
  it("answers an active member from the chain once, then from the cache until the TTL passes", async () => {
    let now = 0;
    const ledger = countingLedger((p) => member(p));
    const gate = createMembershipGate({ ledger, ttlMs: 1_000, now: () => now });
    expect((await gate.activeMemberOf(peer(1)))?.id).to.equal(1);
    expect((await gate.activeMemberOf(peer(1)))?.id).to.equal(1);
    expect(ledger.reads).to.equal(1);
    now = 1_000;
    await gate.activeMemberOf(peer(1));
    expect(ledger.reads).to.equal(2);
  });

  it("denies removed members, unknown peer ids, and a member record announcing another peer id", async () => {
    const gate = createMembershipGate({
      ledger: countingLedger((p) => (p[6] === 1 ? member(p, false) : p[6] === 2 ? null : member(peer(9)))),
    });
    expect(await gate.activeMemberOf(peer(1))).to.equal(null);
    expect(await gate.activeMemberOf(peer(2))).to.equal(null);
    expect(await gate.activeMemberOf(peer(3))).to.equal(null);
  });

  it("invalidate(peer) and invalidate() make the next answer come from the chain", async () => {
    let active = true;
    const ledger = countingLedger((p) => member(p, active));
    const gate = createMembershipGate({ ledger, ttlMs: 60_000 });
    expect(await gate.activeMemberOf(peer(1))).to.not.equal(null);
    await gate.activeMemberOf(peer(2));
    active = false;
    expect(await gate.activeMemberOf(peer(1)), "still cached").to.not.equal(null);
    gate.invalidate(peer(1));
    expect(await gate.activeMemberOf(peer(1))).to.equal(null);
    expect(await gate.activeMemberOf(peer(2)), "other peers keep their entry").to.not.equal(null);
    gate.invalidate();
    expect(await gate.activeMemberOf(peer(2))).to.equal(null);
    expect(ledger.reads).to.equal(4);
  });

  it("does not let a read that started before invalidate() repopulate the cache", async () => {
    let active = true;
    const ledger = countingLedger((p) => member(p, active));
    const gate = createMembershipGate({ ledger, ttlMs: 60_000 });
    ledger.hold = true;
    const stale = gate.activeMemberOf(peer(1));
    await new Promise((resolve) => setImmediate(resolve));
    gate.invalidate(peer(1));
    active = false;
    ledger.hold = false;
    ledger.pending.forEach((release) => release());
    await stale;
    expect(await gate.activeMemberOf(peer(1))).to.equal(null);
  });

  it("fails closed on a chain error, reports it, and asks again next time", async () => {
    let fail = true;
    const errors: unknown[] = [];
    const ledger = countingLedger((p) => (fail ? new Error("rpc down") : member(p)));
    const gate = createMembershipGate({ ledger, onError: (e) => errors.push(e) });
    expect(await gate.activeMemberOf(peer(1))).to.equal(null);
    expect(errors).to.have.length(1);
    fail = false;
    expect(await gate.activeMemberOf(peer(1))).to.not.equal(null);
  });

  it("refuses malformed peer ids without a chain read, and keeps at most maxEntries peers", async () => {
    const ledger = countingLedger((p) => member(p));
    const gate = createMembershipGate({ ledger, maxEntries: 2, ttlMs: 60_000 });
    expect(await gate.activeMemberOf(new Uint8Array())).to.equal(null);
    expect(await gate.activeMemberOf(new Uint8Array(129))).to.equal(null);
    expect(ledger.reads).to.equal(0);
    for (const n of [1, 2, 3]) await gate.activeMemberOf(peer(n));
    await gate.activeMemberOf(peer(3));
    await gate.activeMemberOf(peer(1)); // evicted as the oldest: read again
    expect(ledger.reads).to.equal(4);
  });
});

describe("exchange/identity (sealed Ed25519 peer key)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-peerkey-"));
  const keys = new MemoryKeyManager();
  after(async () => {
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the key once and loads the same peer id afterwards", async () => {
    let stored: SealedRecord | null = null;
    const storage = {
      read: async () => stored,
      write: async (s: SealedRecord) => {
        stored = s;
      },
    };
    const first = await loadOrCreatePeerKey({ keys, ...storage });
    const again = await loadOrCreatePeerKey({ keys, ...storage });
    expect(first.created).to.equal(true);
    expect(again.created).to.equal(false);
    expect(again.peerId.toString())
      .to.equal(first.peerId.toString())
      .and.match(/^12D3KooW/);
    expect(Buffer.from(again.peerIdBytes).equals(Buffer.from(first.peerIdBytes))).to.equal(true);
    // The published bytes map back to the same libp2p peer id (what the client dials).
    expect(peerIdOfMember({ peerId: first.peerIdBytes } as MemberInfo).toString()).to.equal(first.peerId.toString());
    // Only ciphertext is stored: the raw private key never appears in it.
    const raw = Buffer.from(first.privateKey.raw);
    expect(Buffer.from(stored!.ciphertext).includes(raw.subarray(0, 16))).to.equal(false);
  });

  it("stores the sealed key in a 0600 file that another bank's key manager cannot open", async () => {
    const path = join(dir, "peer-key.json");
    const file = peerKeyFile(path);
    expect(await file.read()).to.equal(null);
    const created = await loadOrCreatePeerKey({ keys, ...file });
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect((await loadOrCreatePeerKey({ keys, ...file })).peerId.toString()).to.equal(created.peerId.toString());
    const other = new MemoryKeyManager();
    try {
      await loadOrCreatePeerKey({ keys: other, ...file });
      expect.fail("another KEK opened the peer key");
    } catch (error) {
      expect(isKycnetError(error, "CIPHERTEXT_REJECTED"), String(error)).to.equal(true);
    } finally {
      await other.close();
    }
  });

  it("PEER_KEY_INVALID for a file that is not a sealed peer key", async () => {
    const path = join(dir, "garbage.json");
    writeFileSync(path, '{"version":1}');
    try {
      await peerKeyFile(path).read();
      expect.fail("read garbage");
    } catch (error) {
      expect(isKycnetError(error, "PEER_KEY_INVALID")).to.equal(true);
    }
  });
});
