import { expect } from "chai";
import {
  MIN_VALIDITY_SECONDS,
  policyExpiresAt,
  startOfUtcMonth,
} from "../../../node/src/onboarding/attestation-validity.ts";
import { DocumentExpiredError, cardExpired } from "../../../node/src/onboarding/reuse.ts";
import { ERROR_CATALOGUE } from "../../../node/src/api/errors.ts";

const at = (iso: string) => BigInt(Date.parse(iso) / 1000);
const YEAR = 365 * 86_400;

describe("on-chain attestation validity from policy only (attestation-validity.ts)", () => {
  it("rounds down to 00:00 UTC on the 1st of the month", () => {
    expect(startOfUtcMonth(at("2026-12-06T21:30:00Z"))).to.equal(at("2026-12-01T00:00:00Z"));
    expect(startOfUtcMonth(at("2027-01-01T00:00:00Z"))).to.equal(at("2027-01-01T00:00:00Z"));
    expect(startOfUtcMonth(at("2028-02-29T23:59:59Z"))).to.equal(at("2028-02-01T00:00:00Z"));
  });

  it("gives every attestation issued in a month the same expiry, whatever the instant", () => {
    const early = policyExpiresAt(at("2026-12-02T03:04:05Z"), 5 * YEAR);
    const late = policyExpiresAt(at("2026-12-28T22:00:00Z"), 5 * YEAR);
    expect(early).to.equal(at("2031-12-01T00:00:00Z"));
    expect(late).to.equal(early);
  });

  it("never exceeds the configured period and is always after issuance", () => {
    for (const iso of ["2026-01-31T23:59:59Z", "2026-03-01T00:00:00Z", "2026-12-06T12:00:00Z"]) {
      const issuedAt = at(iso);
      for (const period of [MIN_VALIDITY_SECONDS, YEAR, 10 * YEAR]) {
        const expiresAt = policyExpiresAt(issuedAt, period)!;
        expect(expiresAt > issuedAt, `${iso} + ${period}`).to.equal(true);
        expect(expiresAt <= issuedAt + BigInt(period), `${iso} + ${period}`).to.equal(true);
      }
    }
  });

  it("refuses a period too short to survive the rounding", () => {
    expect(() => policyExpiresAt(at("2026-12-06T00:00:00Z"), MIN_VALIDITY_SECONDS - 1)).to.throw(RangeError);
  });

  describe("a REUSE attestation capped by its source's on-chain expiry", () => {
    const issuedAt = at("2027-06-15T10:00:00Z");
    it("keeps its own policy expiry when the source outlives it", () => {
      expect(policyExpiresAt(issuedAt, YEAR, at("2031-12-01T00:00:00Z"))).to.equal(at("2028-06-01T00:00:00Z"));
    });
    it("takes the source's month when the source ends first", () => {
      expect(policyExpiresAt(issuedAt, YEAR, at("2027-12-01T00:00:00Z"))).to.equal(at("2027-12-01T00:00:00Z"));
    });
    it("never copies a source's per-person instant (a source anchored before the rule)", () => {
      // The old rule put the card's expiry, a birthday, on chain: 2028-12-22 for a person born 1968-12-22.
      expect(policyExpiresAt(issuedAt, 5 * YEAR, at("2027-12-22T00:00:00Z"))).to.equal(at("2027-12-01T00:00:00Z"));
    });
    it("has no validity left when the source ends within the month of issuance", () => {
      expect(policyExpiresAt(issuedAt, YEAR, at("2027-06-30T00:00:00Z"))).to.equal(null);
    });
  });
});

describe("the relying bank's check of the committed card expiry (reuse.ts)", () => {
  const today = new Date("2027-06-15T10:00:00Z");
  it("treats a card as valid through its expiry date and expired the day after", () => {
    expect(cardExpired("2027-06-15", today)).to.equal(false);
    expect(cardExpired("2027-06-14", today)).to.equal(true);
    expect(cardExpired("2040-01-01", today)).to.equal(false);
  });
  it("never expires a card that has no expiry", () => {
    expect(cardExpired("", today)).to.equal(false);
  });
  it("refuses with the typed code DOCUMENT_EXPIRED (HTTP 422), naming no date", () => {
    const error = new DocumentExpiredError();
    expect(error.code).to.equal("DOCUMENT_EXPIRED");
    expect(error.message).not.to.match(/\d{4}/);
    expect(ERROR_CATALOGUE.DOCUMENT_EXPIRED.status).to.equal(422);
  });
});
