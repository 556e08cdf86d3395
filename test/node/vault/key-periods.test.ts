/** The vault's key hierarchy as dates: which key seals a record and when each key's period is over. */
import { expect } from "chai";
import { keyFate, openKeyId, retentionKeyId } from "../../../node/src/vault/key-periods.ts";

describe("node/vault key periods", () => {
  it("names the open key by UTC year and the retention key by the deadline's UTC month", () => {
    expect(openKeyId(new Date("2026-12-31T23:59:59Z"))).to.equal("open/2026");
    expect(openKeyId(new Date("2027-01-01T00:00:00Z"))).to.equal("open/2027");
    expect(retentionKeyId(new Date("2031-04-01T00:00:00Z"))).to.equal("until/2031-04");
    expect(retentionKeyId(new Date("2031-12-31T23:59:59Z"))).to.equal("until/2031-12");
  });

  const cases: [string, string, string][] = [
    ["open/2026", "2026-12-31T23:59:59.999Z", "keep"],
    ["open/2026", "2027-01-01T00:00:00Z", "rotate-then-destroy"],
    ["until/2031-04", "2031-04-30T23:59:59.999Z", "keep"],
    ["until/2031-04", "2031-05-01T00:00:00Z", "destroy"],
    ["until/2031-12", "2032-01-01T00:00:00Z", "destroy"],
    ["until/2031-12", "2031-12-31T12:00:00Z", "keep"],
    ["identity", "2099-01-01T00:00:00Z", "keep"],
    ["open/2026-extra", "2099-01-01T00:00:00Z", "keep"],
  ];
  for (const [keyId, at, fate] of cases)
    it(`${keyId} at ${at}: ${fate}`, () => expect(keyFate(keyId, new Date(at))).to.equal(fate));
});
