import { expect } from "chai";
import { CircuitBreaker } from "../../../../../node/src/ekyc/checks/national-id/circuit-breaker.ts";

describe("CircuitBreaker", () => {
  let now = 0;
  const make = () => new CircuitBreaker({ failureThreshold: 3, cooldownMs: 100, now: () => now });
  beforeEach(() => (now = 0));

  it("stays closed below the failure threshold and resets on success", () => {
    const b = make();
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    b.recordFailure();
    expect(b.state).to.equal("CLOSED");
    expect(b.admit()).to.deep.equal({ admitted: true });
  });
  it("opens at the threshold and refuses with the time left", () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.recordFailure();
    now = 40;
    expect(b.admit()).to.deep.equal({ admitted: false, retryAfterMs: 60 });
  });
  it("admits exactly one trial when half open", () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.recordFailure();
    now = 100;
    expect(b.admit().admitted).to.equal(true);
    expect(b.admit().admitted).to.equal(false);
  });
  it("reopens when the trial fails", () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.recordFailure();
    now = 100;
    b.admit();
    b.recordFailure();
    expect(b.state).to.equal("OPEN");
    now = 150;
    expect(b.admit().admitted).to.equal(false);
  });
  it("lets another trial through after a released (cancelled) one", () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.recordFailure();
    now = 100;
    b.admit();
    b.release();
    expect(b.admit().admitted).to.equal(true);
  });
  it("rejects nonsense options", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).to.throw(RangeError);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).to.throw(RangeError);
  });
});
