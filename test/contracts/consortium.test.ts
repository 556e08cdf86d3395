import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, ZeroAddress, type Signer } from "ethers";
import {
  accounts, bind, deployKycnet, memberInput, MemberStatus, peerIdFor, transportKeyFor, type ConsortiumFn, type Kycnet,
} from "./helpers.ts";

const { ethers, networkHelpers } = await network.create();
// Bound: loadFixture is a method of the helpers object (the lazy implementation reads `this`).
const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);
const { time } = networkHelpers;
const abi = AbiCoder.defaultAbiCoder();

describe("ConsortiumRegistry", function () {
  let a: Signer, b: Signer, c: Signer, outsider: Signer, fresh: Signer;
  let A: string, B: string, C: string, OUT: string, FRESH: string, AUD: string;

  before(async function () {
    const acc = await accounts(ethers, 6);
    [a, b, c, outsider, fresh] = acc.map((x) => x.signer) as [Signer, Signer, Signer, Signer, Signer];
    [A, B, C, OUT, FRESH, AUD] = acc.map((x) => x.address) as [string, string, string, string, string, string];
  });

  /** Three banks, 2-of-3, one auditor. */
  async function twoOfThree(): Promise<Kycnet> {
    return deployKycnet(ethers, [a, b, c], 2, [AUD]);
  }
  /** Three banks, 1-of-3: every proposal executes at once. */
  async function oneOfThree(): Promise<Kycnet> {
    return deployKycnet(ethers, [a, b, c], 1, [AUD]);
  }
  const as = (k: Kycnet, s?: Signer) => bind<ConsortiumFn>(k.consortium, s);
  const deploy = (members: unknown[], auditors: string[], threshold: number) =>
    ethers.deployContract("ConsortiumRegistry", [members, auditors, threshold]);
  async function factory() {
    return ethers.getContractFactory("ConsortiumRegistry");
  }

  describe("constructor", function () {
    describe("when the genesis is valid", function () {
      it("admits every genesis member with ids 1..n, the auditors and the threshold", async function () {
        const k = await loadFixture(twoOfThree);
        const r = as(k);
        expect(await r.memberCount()).to.equal(3n);
        expect(await r.activeMemberCount()).to.equal(3n);
        expect(await r.threshold()).to.equal(2n);
        expect(await r.isAuditor(AUD)).to.equal(true);
        const m = await r.memberOf(B);
        expect(m.id).to.equal(2n);
        expect(m.account).to.equal(B);
        expect(m.status).to.equal(MemberStatus.ACTIVE);
        expect(m.name).to.equal("Bank 1");
        expect(m.peerId).to.equal(peerIdFor("1"));
        expect(m.transportKey).to.equal(transportKeyFor("1"));
        for (const acc of [A, B, C]) expect(await r.isActiveMember(acc)).to.equal(true);
      });

      it("emits MemberAdmitted, AuditorAdded and ThresholdChanged", async function () {
        const F = await factory();
        const contract = await F.deploy([memberInput(A, "x")], [AUD], 1);
        const tx = contract.deploymentTransaction();
        await expect(tx).to.emit(contract, "MemberAdmitted").withArgs(1n, A, "Bank x", peerIdFor("x"), transportKeyFor("x"));
        await expect(tx).to.emit(contract, "AuditorAdded").withArgs(AUD);
        await expect(tx).to.emit(contract, "ThresholdChanged").withArgs(0n, 1n);
      });
    });

    describe("when the threshold is 0", function () {
      it("reverts with InvalidThreshold", async function () {
        const F = await factory();
        await expect(deploy([memberInput(A, "x")], [], 0)).to.be.revertedWithCustomError(F, "InvalidThreshold").withArgs(0n, 1n);
      });
    });

    describe("when the threshold exceeds the members", function () {
      it("reverts with InvalidThreshold", async function () {
        const F = await factory();
        await expect(deploy([memberInput(A, "x"), memberInput(B, "y")], [], 3))
          .to.be.revertedWithCustomError(F, "InvalidThreshold").withArgs(3n, 2n);
      });
    });

    describe("when there is no member", function () {
      it("reverts with InvalidThreshold", async function () {
        const F = await factory();
        await expect(deploy([], [], 1)).to.be.revertedWithCustomError(F, "InvalidThreshold").withArgs(1n, 0n);
      });
    });

    describe("when an account appears twice", function () {
      it("reverts with AccountAlreadyBound", async function () {
        const F = await factory();
        await expect(deploy([memberInput(A, "x"), memberInput(A, "y")], [], 1))
          .to.be.revertedWithCustomError(F, "AccountAlreadyBound").withArgs(A);
      });
    });

    describe("when a member account is zero", function () {
      it("reverts with ZeroAccount", async function () {
        const F = await factory();
        await expect(deploy([memberInput(ZeroAddress, "x")], [], 1)).to.be.revertedWithCustomError(F, "ZeroAccount");
      });
    });

    describe("when a name is empty or longer than 64 bytes", function () {
      it("reverts with InvalidName", async function () {
        const F = await factory();
        await expect(deploy([{ ...memberInput(A, "x"), name: "" }], [], 1))
          .to.be.revertedWithCustomError(F, "InvalidName").withArgs("");
        const long = "N".repeat(65);
        await expect(deploy([{ ...memberInput(A, "x"), name: long }], [], 1))
          .to.be.revertedWithCustomError(F, "InvalidName").withArgs(long);
      });
    });

    describe("when two members announce the same peer id", function () {
      it("reverts with PeerIdTaken", async function () {
        const F = await factory();
        await expect(deploy([memberInput(A, "x"), { ...memberInput(B, "y"), peerId: peerIdFor("x") }], [], 1))
          .to.be.revertedWithCustomError(F, "PeerIdTaken").withArgs(peerIdFor("x"), 1n);
      });
    });

    describe("when a peer id is empty or longer than 128 bytes", function () {
      it("reverts with InvalidPeerId", async function () {
        const F = await factory();
        await expect(deploy([{ ...memberInput(A, "x"), peerId: "0x" }], [], 1))
          .to.be.revertedWithCustomError(F, "InvalidPeerId").withArgs("0x");
        const long = `0x${"ab".repeat(129)}`;
        await expect(deploy([{ ...memberInput(A, "x"), peerId: long }], [], 1))
          .to.be.revertedWithCustomError(F, "InvalidPeerId").withArgs(long);
      });
    });

    describe("when a transport key is not a SEC1 P-256 key", function () {
      for (const [label, key] of [
        ["64 bytes", `0x${"11".repeat(64)}`],
        ["33 bytes with prefix 0x04", `0x04${"11".repeat(32)}`],
        ["65 bytes with prefix 0x02", `0x02${"11".repeat(64)}`],
        ["empty", "0x"],
      ] as const) {
        it(`reverts with InvalidTransportKey (${label})`, async function () {
          const F = await factory();
          await expect(deploy([{ ...memberInput(A, "x"), transportKey: key }], [], 1))
            .to.be.revertedWithCustomError(F, "InvalidTransportKey").withArgs(key);
        });
      }
      it("accepts an uncompressed 65-byte key", async function () {
        const contract = await deploy([{ ...memberInput(A, "x"), transportKey: `0x04${"11".repeat(64)}` }], [], 1);
        expect(await bind<ConsortiumFn>(contract).isActiveMember(A)).to.equal(true);
      });
    });

    describe("when an auditor is zero or repeated", function () {
      it("reverts with ZeroAccount or AlreadyAuditor", async function () {
        const F = await factory();
        await expect(deploy([memberInput(A, "x")], [ZeroAddress], 1)).to.be.revertedWithCustomError(F, "ZeroAccount");
        await expect(deploy([memberInput(A, "x")], [AUD, AUD], 1))
          .to.be.revertedWithCustomError(F, "AlreadyAuditor").withArgs(AUD);
      });
    });
  });

  describe("proposeAdmitMember", function () {
    describe("when the caller is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, outsider).proposeAdmitMember(memberInput(FRESH, "new")))
          .to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the account is already bound", function () {
      it("reverts with AccountAlreadyBound", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeAdmitMember(memberInput(B, "new")))
          .to.be.revertedWithCustomError(k.consortium, "AccountAlreadyBound").withArgs(B);
      });
    });

    describe("when the peer id is already announced", function () {
      it("reverts with PeerIdTaken", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeAdmitMember({ ...memberInput(FRESH, "new"), peerId: peerIdFor("2") }))
          .to.be.revertedWithCustomError(k.consortium, "PeerIdTaken").withArgs(peerIdFor("2"), 3n);
      });
    });

    describe("when the threshold is 2", function () {
      it("records the proposal with the proposer's approval and waits for a second one", async function () {
        const k = await loadFixture(twoOfThree);
        const input = memberInput(FRESH, "new");
        const payload = abi.encode(["tuple(address,string,bytes,bytes)"], [[input.account, input.name, input.peerId, input.transportKey]]);
        const now = BigInt(await time.latest()) + 1n;
        await time.setNextBlockTimestamp(now);
        await expect(as(k, a).proposeAdmitMember(input))
          .to.emit(k.consortium, "ProposalCreated").withArgs(0n, 1n, A, payload, now + 7n * 86400n)
          .and.to.emit(k.consortium, "ProposalApproved").withArgs(0n, 1n, A, 1n)
          .and.not.to.emit(k.consortium, "MemberAdmitted");
        expect(await as(k).isActiveMember(FRESH)).to.equal(false);
        const p = await as(k).proposal(0n);
        expect(p.kind).to.equal(1n);
        expect(p.proposer).to.equal(A);
        expect(p.executed).to.equal(false);
        expect(p.approvers).to.deep.equal([1n]);
        expect(p.payload).to.equal(payload);

        await expect(as(k, b).approve(0n))
          .to.emit(k.consortium, "MemberAdmitted").withArgs(4n, FRESH, "Bank new", input.peerId, input.transportKey)
          .and.to.emit(k.consortium, "ProposalExecuted").withArgs(0n, 1n);
        expect(await as(k).isActiveMember(FRESH)).to.equal(true);
        expect(await as(k).activeMemberCount()).to.equal(4n);
        expect((await as(k).proposal(0n)).executed).to.equal(true);
      });
    });

    describe("when the threshold is 1", function () {
      it("executes at once", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, c).proposeAdmitMember(memberInput(FRESH, "new")))
          .to.emit(k.consortium, "MemberAdmitted").withArgs(4n, FRESH, "Bank new", peerIdFor("new"), transportKeyFor("new"));
        expect(await as(k).memberIdOf(FRESH)).to.equal(4n);
      });
    });
  });

  describe("approve", function () {
    describe("when the proposal does not exist", function () {
      it("reverts with UnknownProposal", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).approve(7n)).to.be.revertedWithCustomError(k.consortium, "UnknownProposal").withArgs(7n);
      });
    });

    describe("when the caller is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        await expect(as(k, outsider).approve(0n)).to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the member already approved", function () {
      it("reverts with AlreadyApproved", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        await expect(as(k, a).approve(0n)).to.be.revertedWithCustomError(k.consortium, "AlreadyApproved").withArgs(0n, 1n);
      });
    });

    describe("when the proposal has expired", function () {
      it("reverts with ProposalExpired", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        const { expiresAt } = await as(k).proposal(0n);
        await time.increaseTo(expiresAt);
        await expect(as(k, b).approve(0n)).to.be.revertedWithCustomError(k.consortium, "ProposalExpired").withArgs(0n, expiresAt);
      });
    });

    describe("when the proposal was already executed", function () {
      it("reverts with ProposalAlreadyExecuted", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        await as(k, b).approve(0n);
        await expect(as(k, c).approve(0n)).to.be.revertedWithCustomError(k.consortium, "ProposalAlreadyExecuted").withArgs(0n);
      });
    });

    describe("when the state moved since the proposal", function () {
      it("reverts with the action's own error (AccountAlreadyBound)", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAdmitMember(memberInput(FRESH, "new"));
        await as(k, a).proposeAdmitMember(memberInput(FRESH, "other"));
        await as(k, b).approve(0n);
        await expect(as(k, b).approve(1n)).to.be.revertedWithCustomError(k.consortium, "AccountAlreadyBound").withArgs(FRESH);
      });
    });

    describe("when an approver has been removed since", function () {
      it("no longer counts that approval", async function () {
        const k = await loadFixture(twoOfThree);
        // Proposal 0: add an auditor, approved by C only so far.
        await as(k, c).proposeAddAuditor(FRESH);
        // Remove C (needs the threshold to stay reachable: 2 of the remaining 2).
        await as(k, a).proposeRemoveMember(C);
        await as(k, b).approve(1n);
        expect(await as(k).isActiveMember(C)).to.equal(false);
        // A's approval is now the only one that counts: 1 < 2, nothing executes.
        await expect(as(k, a).approve(0n))
          .to.emit(k.consortium, "ProposalApproved").withArgs(0n, 1n, A, 1n)
          .and.not.to.emit(k.consortium, "AuditorAdded");
        await expect(as(k, b).approve(0n)).to.emit(k.consortium, "AuditorAdded").withArgs(FRESH);
      });
    });
  });

  describe("execute", function () {
    describe("when approvals are below the threshold", function () {
      it("reverts with ProposalNotApproved", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        await expect(as(k, b).execute(0n)).to.be.revertedWithCustomError(k.consortium, "ProposalNotApproved").withArgs(0n, 1n, 2n);
      });
    });

    describe("when the threshold was lowered after the approvals", function () {
      it("executes the proposal", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH); // 0
        await as(k, a).proposeThreshold(1); // 1
        await as(k, b).approve(1n);
        expect(await as(k).threshold()).to.equal(1n);
        await expect(as(k, c).execute(0n)).to.emit(k.consortium, "AuditorAdded").withArgs(FRESH)
          .and.to.emit(k.consortium, "ProposalExecuted").withArgs(0n, 5n);
      });
    });

    describe("when the caller is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeAddAuditor(FRESH);
        await expect(as(k, outsider).execute(0n)).to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the proposal is unknown, executed or expired", function () {
      it("reverts with UnknownProposal, ProposalAlreadyExecuted or ProposalExpired", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, a).execute(0n)).to.be.revertedWithCustomError(k.consortium, "UnknownProposal").withArgs(0n);
        await as(k, a).proposeAddAuditor(FRESH);
        await expect(as(k, a).execute(0n)).to.be.revertedWithCustomError(k.consortium, "ProposalAlreadyExecuted").withArgs(0n);
        const k2 = await loadFixture(twoOfThree);
        await as(k2, a).proposeAddAuditor(FRESH);
        const { expiresAt } = await as(k2).proposal(0n);
        await time.increaseTo(expiresAt);
        await expect(as(k2, a).execute(0n)).to.be.revertedWithCustomError(k2.consortium, "ProposalExpired").withArgs(0n, expiresAt);
      });
    });
  });

  describe("proposeRemoveMember", function () {
    describe("when the account is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeRemoveMember(OUT)).to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the removal would leave the threshold above the members left", function () {
      it("reverts with InvalidThreshold", async function () {
        const k = await deployKycnet(ethers, [a, b], 2);
        await expect(as(k, a).proposeRemoveMember(B)).to.be.revertedWithCustomError(k.consortium, "InvalidThreshold").withArgs(2n, 1n);
      });
    });

    describe("when it would remove the last member", function () {
      it("reverts with InvalidThreshold", async function () {
        const k = await deployKycnet(ethers, [a], 1);
        await expect(as(k, a).proposeRemoveMember(A)).to.be.revertedWithCustomError(k.consortium, "InvalidThreshold").withArgs(1n, 0n);
      });
    });

    describe("when approved", function () {
      it("deactivates the member, keeps its history and blocks its writes", async function () {
        const k = await loadFixture(twoOfThree);
        const before = BigInt(await time.latest());
        await as(k, a).proposeRemoveMember(C);
        const removal = as(k, b).approve(0n);
        await expect(removal).to.emit(k.consortium, "MemberRemoved").withArgs(3n, C);
        const removedAt = BigInt(await time.latest());
        expect(await as(k).isActiveMember(C)).to.equal(false);
        expect(await as(k).activeMemberCount()).to.equal(2n);
        expect(await as(k).memberCount()).to.equal(3n);
        expect(await as(k).activeMemberIdOf(C)).to.equal(0n);
        expect(await as(k).activeMemberIdOf(OUT)).to.equal(0n);
        expect(await as(k).wasActiveMemberAt(C, before)).to.equal(true);
        expect(await as(k).wasActiveMemberAt(C, removedAt)).to.equal(false);
        const m = await as(k).memberOf(C);
        expect(m.status).to.equal(MemberStatus.REMOVED);
        expect(m.removedAt).to.equal(removedAt);
        expect((await as(k).memberByPeerId(peerIdFor("2"))).status).to.equal(MemberStatus.REMOVED);
        await expect(as(k, c).proposeAddAuditor(FRESH)).to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(C);
        // The account cannot be admitted again: a returning bank uses a new account.
        await expect(as(k, a).proposeAdmitMember(memberInput(C, "again")))
          .to.be.revertedWithCustomError(k.consortium, "AccountAlreadyBound").withArgs(C);
      });
    });
  });

  describe("proposeRotateAccount", function () {
    describe("when the old account is not active", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, outsider).proposeRotateAccount(OUT, FRESH)).to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the new account is zero", function () {
      it("reverts with ZeroAccount", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, b).proposeRotateAccount(B, ZeroAddress)).to.be.revertedWithCustomError(k.consortium, "ZeroAccount");
      });
    });

    describe("when the new account is already bound", function () {
      it("reverts with AccountAlreadyBound", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, b).proposeRotateAccount(B, C)).to.be.revertedWithCustomError(k.consortium, "AccountAlreadyBound").withArgs(C);
      });
    });

    describe("when another member proposes it", function () {
      it("reverts with NotOwnAccount: governance alone cannot take a member's key", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, a).proposeRotateAccount(B, FRESH)).to.be.revertedWithCustomError(k.consortium, "NotOwnAccount").withArgs(A, B);
        expect(await as(k).isActiveMember(B)).to.equal(true);
        expect(await as(k).memberIdOf(FRESH)).to.equal(0n);
      });
    });

    describe("when approved", function () {
      it("moves the member to the new account and closes the old one's interval", async function () {
        const k = await loadFixture(twoOfThree);
        const before = BigInt(await time.latest());
        await as(k, b).proposeRotateAccount(B, FRESH);
        await expect(as(k, c).approve(0n)).to.emit(k.consortium, "MemberAccountRotated").withArgs(2n, B, FRESH);
        const rotatedAt = BigInt(await time.latest());
        expect(await as(k).isActiveMember(B)).to.equal(false);
        expect(await as(k).isActiveMember(FRESH)).to.equal(true);
        expect(await as(k).memberIdOf(B)).to.equal(2n);
        expect(await as(k).memberIdOf(FRESH)).to.equal(2n);
        expect((await as(k).memberOf(B)).account).to.equal(FRESH);
        expect(await as(k).wasActiveMemberAt(B, before)).to.equal(true);
        expect(await as(k).wasActiveMemberAt(B, rotatedAt)).to.equal(false);
        expect(await as(k).wasActiveMemberAt(FRESH, rotatedAt)).to.equal(true);
        expect(await as(k).wasActiveMemberAt(FRESH, before)).to.equal(false);
        expect(await as(k).activeMemberIdOf(B)).to.equal(2n);
        expect(await as(k).activeMemberIdOf(FRESH)).to.equal(2n);
        const rec = await as(k).accountRecord(B);
        expect(rec.activeUntil).to.equal(rotatedAt);
        expect(await as(k).activeMemberCount()).to.equal(3n);
        // The rotated member votes with its new key, still as member 2.
        await as(k, fresh).proposeAddAuditor(OUT);
        await expect(as(k, fresh).approve(1n)).to.be.revertedWithCustomError(k.consortium, "AlreadyApproved").withArgs(1n, 2n);
      });
    });
  });

  describe("proposeUpdateEndpoint", function () {
    describe("when the account is not active", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, outsider).proposeUpdateEndpoint(OUT, peerIdFor("n"), transportKeyFor("n")))
          .to.be.revertedWithCustomError(k.consortium, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when another member announces the peer id", function () {
      it("reverts with PeerIdTaken", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, b).proposeUpdateEndpoint(B, peerIdFor("0"), transportKeyFor("n")))
          .to.be.revertedWithCustomError(k.consortium, "PeerIdTaken").withArgs(peerIdFor("0"), 1n);
      });
    });

    describe("when the transport key is malformed", function () {
      it("reverts with InvalidTransportKey", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, b).proposeUpdateEndpoint(B, peerIdFor("n"), "0x0102"))
          .to.be.revertedWithCustomError(k.consortium, "InvalidTransportKey").withArgs("0x0102");
      });
    });

    describe("when another member proposes it", function () {
      it("reverts with NotOwnAccount even under a 1-of-3 threshold, and changes nothing", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, a).proposeUpdateEndpoint(B, peerIdFor("n"), transportKeyFor("n")))
          .to.be.revertedWithCustomError(k.consortium, "NotOwnAccount").withArgs(A, B);
        const m = await as(k).memberOf(B);
        expect(m.peerId).to.equal(peerIdFor("1"));
        expect(m.transportKey).to.equal(transportKeyFor("1"));
        expect(await as(k).proposalCount()).to.equal(0n);
      });
    });

    describe("when the member proposes it and the others approve", function () {
      it("executes only at the threshold, with the member's own approval counted", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, b).proposeUpdateEndpoint(B, peerIdFor("n"), transportKeyFor("n"));
        expect((await as(k).memberOf(B)).peerId).to.equal(peerIdFor("1"));
        await expect(as(k, c).approve(0n))
          .to.emit(k.consortium, "MemberEndpointUpdated").withArgs(2n, peerIdFor("n"), transportKeyFor("n"));
      });
    });

    describe("when approved", function () {
      it("re-keys the peer id lookup and keeps the member's own peer id usable", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, b).proposeUpdateEndpoint(B, peerIdFor("n"), transportKeyFor("n")))
          .to.emit(k.consortium, "MemberEndpointUpdated").withArgs(2n, peerIdFor("n"), transportKeyFor("n"));
        const m = await as(k).memberByPeerId(peerIdFor("n"));
        expect(m.account).to.equal(B);
        expect(m.transportKey).to.equal(transportKeyFor("n"));
        await expect(as(k).memberByPeerId(peerIdFor("1"))).to.be.revertedWithCustomError(k.consortium, "NoSuchPeerId").withArgs(peerIdFor("1"));
        // Only the transport key changes: the same peer id is the member's own.
        await expect(as(k, b).proposeUpdateEndpoint(B, peerIdFor("n"), transportKeyFor("m")))
          .to.emit(k.consortium, "MemberEndpointUpdated").withArgs(2n, peerIdFor("n"), transportKeyFor("m"));
      });
    });
  });

  describe("proposeAddAuditor", function () {
    describe("when the account is zero", function () {
      it("reverts with ZeroAccount", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeAddAuditor(ZeroAddress)).to.be.revertedWithCustomError(k.consortium, "ZeroAccount");
      });
    });
    describe("when the account is already an auditor", function () {
      it("reverts with AlreadyAuditor", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeAddAuditor(AUD)).to.be.revertedWithCustomError(k.consortium, "AlreadyAuditor").withArgs(AUD);
      });
    });
    describe("when approved", function () {
      it("adds the auditor", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, a).proposeAddAuditor(FRESH)).to.emit(k.consortium, "AuditorAdded").withArgs(FRESH);
        expect(await as(k).isAuditor(FRESH)).to.equal(true);
      });
    });
  });

  describe("proposeRemoveAuditor", function () {
    describe("when the account is not an auditor", function () {
      it("reverts with NotAuditor", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k, a).proposeRemoveAuditor(OUT)).to.be.revertedWithCustomError(k.consortium, "NotAuditor").withArgs(OUT);
      });
    });
    describe("when approved", function () {
      it("removes the auditor", async function () {
        const k = await loadFixture(oneOfThree);
        await expect(as(k, a).proposeRemoveAuditor(AUD)).to.emit(k.consortium, "AuditorRemoved").withArgs(AUD);
        expect(await as(k).isAuditor(AUD)).to.equal(false);
      });
    });
    describe("when the auditor was removed meanwhile", function () {
      it("reverts with NotAuditor at execution", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeRemoveAuditor(AUD); // 0
        await as(k, a).proposeRemoveAuditor(AUD); // 1
        await as(k, b).approve(0n);
        await expect(as(k, b).approve(1n)).to.be.revertedWithCustomError(k.consortium, "NotAuditor").withArgs(AUD);
      });
    });
  });

  describe("proposeThreshold", function () {
    for (const t of [0, 4]) {
      describe(`when the new threshold is ${t} with 3 active members`, function () {
        it("reverts with InvalidThreshold", async function () {
          const k = await loadFixture(twoOfThree);
          await expect(as(k, a).proposeThreshold(t)).to.be.revertedWithCustomError(k.consortium, "InvalidThreshold").withArgs(BigInt(t), 3n);
        });
      });
    }
    describe("when approved", function () {
      it("changes the threshold", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeThreshold(3);
        await expect(as(k, b).approve(0n)).to.emit(k.consortium, "ThresholdChanged").withArgs(2n, 3n);
        expect(await as(k).threshold()).to.equal(3n);
      });
    });
    describe("when members were removed before execution", function () {
      it("reverts with InvalidThreshold at execution", async function () {
        const k = await loadFixture(twoOfThree);
        await as(k, a).proposeThreshold(3); // 0
        await as(k, a).proposeRemoveMember(C); // 1
        await as(k, b).approve(1n);
        await expect(as(k, b).approve(0n)).to.be.revertedWithCustomError(k.consortium, "InvalidThreshold").withArgs(3n, 2n);
      });
    });
  });

  describe("views", function () {
    describe("memberOf", function () {
      it("reverts with UnknownMember for an account never bound", async function () {
        const k = await loadFixture(twoOfThree);
        await expect(as(k).memberOf(OUT)).to.be.revertedWithCustomError(k.consortium, "UnknownMember").withArgs(OUT);
      });
    });
    describe("memberById", function () {
      it("returns a member and reverts with UnknownMember for ids 0 and > count", async function () {
        const k = await loadFixture(twoOfThree);
        expect((await as(k).memberById(3n)).account).to.equal(C);
        await expect(as(k).memberById(0n)).to.be.revertedWithCustomError(k.consortium, "UnknownMember").withArgs(ZeroAddress);
        await expect(as(k).memberById(4n)).to.be.revertedWithCustomError(k.consortium, "UnknownMember").withArgs(ZeroAddress);
      });
    });
    describe("memberByPeerId", function () {
      it("finds a member and reverts with NoSuchPeerId otherwise", async function () {
        const k = await loadFixture(twoOfThree);
        expect((await as(k).memberByPeerId(peerIdFor("0"))).account).to.equal(A);
        await expect(as(k).memberByPeerId("0x1234")).to.be.revertedWithCustomError(k.consortium, "NoSuchPeerId").withArgs("0x1234");
      });
    });
    describe("wasActiveMemberAt", function () {
      it("is false for unknown accounts and before admission", async function () {
        const k = await loadFixture(twoOfThree);
        const since = (await as(k).memberOf(A)).activeSince as bigint;
        expect(await as(k).wasActiveMemberAt(OUT, since)).to.equal(false);
        expect(await as(k).wasActiveMemberAt(A, since - 1n)).to.equal(false);
        expect(await as(k).wasActiveMemberAt(A, since)).to.equal(true);
      });
    });
    describe("proposal", function () {
      it("reverts with UnknownProposal", async function () {
        const k = await loadFixture(twoOfThree);
        expect(await as(k).proposalCount()).to.equal(0n);
        expect(await as(k).proposalLifetime()).to.equal(7n * 86400n);
        await expect(as(k).proposal(0n)).to.be.revertedWithCustomError(k.consortium, "UnknownProposal").withArgs(0n);
      });
    });
  });
});
