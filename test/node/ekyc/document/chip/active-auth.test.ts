import { expect } from "chai";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { verifyActiveAuthentication } from "../../../../../node/src/ekyc/document/chip/active-auth.ts";
import { ActiveAuthChallenges } from "../../../../../node/src/ekyc/document/chip/challenges.ts";
import { Dg14File } from "../../../../../node/src/ekyc/document/chip/dg14.ts";
import { Dg15File } from "../../../../../node/src/ekyc/document/chip/dg15.ts";
import { ChallengeRefusedError } from "../../../../../node/src/ekyc/document/chip/errors.ts";
import { verifyChip } from "../../../../../node/src/ekyc/document/chip/verify-chip.ts";
import { answerChallenge } from "../../../../../scripts/chip/aa.ts";
import { dg14File, dg15File } from "../../../../../scripts/chip/lds-writer.ts";
import { OID } from "../../../../../node/src/ekyc/document/chip/oids.ts";
import { chip, codesOf, NOW, testPki, trustOf } from "./support.ts";
import { chipReference, chipReferencePresent, skipWithoutChipReference } from "../../../../support/chip-reference.ts";

interface Vectors {
  dg15: string;
  answers: Array<{ challenge: string; response: string }>;
  bouncyCastle: { spki: string; challenge: string; response: string };
}
const vectors: Vectors = chipReferencePresent()
  ? (JSON.parse(readFileSync(chipReference("active-authentication-vectors.json"), "utf8")) as Vectors)
  : { dg15: "", answers: [], bouncyCastle: { spki: "", challenge: "", response: "" } };
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const flip = (bytes: Uint8Array, index: number): Uint8Array =>
  bytes.map((b, i) => (i === (index + bytes.length) % bytes.length ? b ^ 1 : b));

function expectRefusal(run: () => unknown, code: string): void {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ChallengeRefusedError);
    expect((error as ChallengeRefusedError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("active authentication", function () {
  this.timeout(60_000);

  describe("a real passport's answers (ISO/IEC 9796-2 scheme 1, RSA-1024, SHA-1)", function () {
    before(function () {
      skipWithoutChipReference(this);
    });
    const dg15 = chipReferencePresent() ? Dg15File.parse(hex(vectors.dg15)) : (null as unknown as Dg15File);
    for (const [i, v] of vectors.answers.entries()) {
      it(`answer ${i + 1} verifies, and fails for another challenge or a changed answer`, () => {
        const ok = verifyActiveAuthentication(dg15, hex(v.challenge), hex(v.response));
        expect(ok).to.deep.include({ valid: true, algorithm: "ISO9796-2-S1-SHA1" });
        expect(verifyActiveAuthentication(dg15, flip(hex(v.challenge), 0), hex(v.response)).valid).to.equal(false);
        expect(verifyActiveAuthentication(dg15, flip(hex(v.challenge), -1), hex(v.response)).valid).to.equal(false);
        for (const at of [0, 64, -1])
          expect(verifyActiveAuthentication(dg15, hex(v.challenge), flip(hex(v.response), at)).valid).to.equal(false);
      });
    }

    it("Bouncy Castle's ISO 9796-2 vector verifies", () => {
      const bc = vectors.bouncyCastle;
      const key = createPublicKey({ key: Buffer.from(bc.spki, "hex"), format: "der", type: "spki" });
      const dg15 = Dg15File.parse(dg15File(key));
      expect(verifyActiveAuthentication(dg15, hex(bc.challenge), hex(bc.response)).valid).to.equal(true);
    });

    it("refuses answers of the wrong length or above the modulus without throwing", () => {
      expect(verifyActiveAuthentication(dg15, hex("0011223344556677"), new Uint8Array(0)).valid).to.equal(false);
      expect(verifyActiveAuthentication(dg15, hex("0011223344556677"), new Uint8Array(129)).valid).to.equal(false);
      expect(verifyActiveAuthentication(dg15, hex("0011223344556677"), new Uint8Array(128).fill(0xff)).valid).to.equal(
        false,
      );
    });
  });

  describe("generated chips", () => {
    for (const digest of ["sha1", "sha256", "sha512"] as const) {
      it(`RSA with ${digest}: the chip's answer verifies`, () => {
        const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
        const challenge = new ActiveAuthChallenges().issue("s").challenge;
        const result = verifyActiveAuthentication(
          Dg15File.parse(dg15File(publicKey)),
          challenge,
          answerChallenge(privateKey, challenge, digest),
        );
        expect(result).to.deep.include({ valid: true, algorithm: `ISO9796-2-S1-${digest.toUpperCase()}` });
      });
    }

    for (const key of ["rsa", "ecdsa"] as const) {
      it(`${key}: a genuine chip passes; a clone (files copied, another key) fails with AA_FAILED`, async () => {
        const challenges = new ActiveAuthChallenges();
        const genuine = await chip(key, "valid", 20);
        const challenge = challenges.issue("session-1").challenge;
        const response = answerChallenge(genuine.activeAuthenticationKey, challenges.consume("session-1"));
        const ok = await verifyChip(genuine.files, {
          trust: trustOf(testPki(key)),
          now: NOW,
          activeAuthentication: { challenge, response },
          requireActiveAuthentication: true,
        });
        expect(ok.status).to.equal("VALID");
        expect(ok.activeAuthentication).to.deep.include({ performed: true, valid: true });

        const clone = await chip(key, "cloned-chip", 21);
        const c2 = challenges.issue("session-2").challenge;
        const cloned = await verifyChip(clone.files, {
          trust: trustOf(testPki(key)),
          now: NOW,
          activeAuthentication: {
            challenge: c2,
            response: answerChallenge(clone.activeAuthenticationKey, challenges.consume("session-2")),
          },
        });
        expect(codesOf(cloned.failures)).to.deep.equal([{ code: "AA_FAILED", dataGroup: 15 }]);
        // Passive authentication alone cannot tell: the clone's files are the genuine, signed ones.
        expect(
          cloned.checks.filter((c) => c.check !== "ACTIVE_AUTHENTICATION").every((c) => c.outcome !== "failed"),
        ).to.equal(true);
      });
    }

    it("ECDSA: the hash comes from DG14's ActiveAuthenticationInfo; an answer hashed otherwise fails", async () => {
      const c = await chip("ecdsa", "valid", 22);
      const dg14 = Dg14File.parse(c.files.DG14!);
      const dg15 = Dg15File.parse(c.files.DG15!);
      const challenge = hex("0102030405060708");
      expect(
        verifyActiveAuthentication(
          dg15,
          challenge,
          answerChallenge(c.activeAuthenticationKey, challenge, "sha256"),
          dg14,
        ).valid,
      ).to.equal(true);
      expect(
        verifyActiveAuthentication(
          dg15,
          challenge,
          answerChallenge(c.activeAuthenticationKey, challenge, "sha384"),
          dg14,
        ).valid,
      ).to.equal(false);
    });

    it("ECDSA: an ActiveAuthenticationInfo naming the X9.62 ecdsa-with-SHA384 OID is honoured", async () => {
      const c = await chip("ecdsa", "valid", 25);
      const dg14 = Dg14File.parse(
        dg14File(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey, OID.ecdsaWithSha384),
      );
      const dg15 = Dg15File.parse(c.files.DG15!);
      const challenge = hex("a1a2a3a4a5a6a7a8");
      const answer = answerChallenge(c.activeAuthenticationKey, challenge, "sha384");
      expect(verifyActiveAuthentication(dg15, challenge, answer, dg14)).to.deep.include({ valid: true });
    });

    it("AA_NOT_PERFORMED when DG15 is present, no answer is given and the caller requires one", async () => {
      const c = await chip("rsa", "valid", 23);
      const result = await verifyChip(c.files, {
        trust: trustOf(testPki("rsa")),
        now: NOW,
        requireActiveAuthentication: true,
      });
      expect(codesOf(result.failures)).to.deep.equal([{ code: "AA_NOT_PERFORMED", dataGroup: 15 }]);
    });
  });

  describe("single-use challenges", () => {
    it("issues 8 random bytes per session, each different", () => {
      const challenges = new ActiveAuthChallenges();
      const a = challenges.issue("a").challenge,
        b = challenges.issue("b").challenge;
      expect(a).to.have.length(8);
      expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(false);
    });

    it("refuses a replayed answer: a challenge is consumed once", () => {
      const challenges = new ActiveAuthChallenges();
      const { challenge } = challenges.issue("s");
      expect(Buffer.from(challenges.consume("s", challenge)).equals(Buffer.from(challenge))).to.equal(true);
      expectRefusal(() => challenges.consume("s", challenge), "AA_CHALLENGE_REPLAYED");
    });

    it("refuses an expired challenge, an unknown session and a challenge that is not the session's", () => {
      let now = 1_000_000;
      const challenges = new ActiveAuthChallenges({ ttlMs: 1_000, now: () => now });
      challenges.issue("s");
      now += 1_001;
      expectRefusal(() => challenges.consume("s"), "AA_CHALLENGE_EXPIRED");
      expectRefusal(() => challenges.consume("nobody"), "AA_CHALLENGE_UNKNOWN");
      const { challenge } = challenges.issue("t");
      expectRefusal(() => challenges.consume("t", flip(challenge, 0)), "AA_CHALLENGE_UNKNOWN");
      expect(challenges.consume("t", challenge)).to.have.length(8);
    });

    it("a new challenge replaces the old one: an answer recorded for the old challenge fails", async () => {
      const c = await chip("rsa", "valid", 24);
      const challenges = new ActiveAuthChallenges();
      const old = challenges.issue("s").challenge;
      const recorded = answerChallenge(c.activeAuthenticationKey, old);
      const fresh = challenges.issue("s").challenge;
      const result = await verifyChip(c.files, {
        trust: trustOf(testPki("rsa")),
        now: NOW,
        activeAuthentication: { challenge: challenges.consume("s"), response: recorded },
      });
      expect(Buffer.from(fresh).equals(Buffer.from(old))).to.equal(false);
      expect(codesOf(result.failures)).to.deep.equal([{ code: "AA_FAILED", dataGroup: 15 }]);
    });

    it("keeps at most maxSessions live challenges", () => {
      const challenges = new ActiveAuthChallenges({ maxSessions: 3 });
      for (const s of ["a", "b", "c", "d"]) challenges.issue(s);
      expectRefusal(() => challenges.consume("a"), "AA_CHALLENGE_UNKNOWN");
      expect(challenges.consume("d")).to.have.length(8);
    });
  });
});
