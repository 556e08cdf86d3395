/** The module's gate (token-gate.ts): which PKCS#11 operations run together, and in what order. */
import { expect } from "chai";
import { TokenGate } from "../../../node/src/custody/pkcs11/token-gate.ts";

describe("custody/pkcs11 token gate", () => {
  /** Runs named steps through `gate`, each 10 ms long, and records when each starts and ends. */
  function recorder(gate: TokenGate) {
    let inFlight = 0;
    const events: string[] = [];
    const step = (name: string, alone = false) =>
      gate.run(alone, async () => {
        inFlight += 1;
        events.push(`${name} starts, ${inFlight} in flight`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 1;
        events.push(`${name} ends`);
        return name;
      });
    return { events, step };
  }

  it("runs an operation alone after those in flight, and later ones after it, in arrival order", async () => {
    const { events, step } = recorder(new TokenGate());
    const results = await Promise.all([step("a"), step("b"), step("create", true), step("c"), step("d")]);
    expect(results).to.deep.equal(["a", "b", "create", "c", "d"]);
    expect(events).to.deep.equal([
      "a starts, 1 in flight",
      "b starts, 2 in flight",
      "a ends",
      "b ends",
      "create starts, 1 in flight",
      "create ends",
      "c starts, 1 in flight",
      "d starts, 2 in flight",
      "c ends",
      "d ends",
    ]);
  });

  it("runs two operations alone one after the other", async () => {
    const { events, step } = recorder(new TokenGate());
    await Promise.all([step("create", true), step("destroy", true)]);
    expect(events).to.deep.equal([
      "create starts, 1 in flight",
      "create ends",
      "destroy starts, 1 in flight",
      "destroy ends",
    ]);
  });

  it("lets the next in after an operation that failed, and passes its error on", async () => {
    const gate = new TokenGate();
    const failed = gate.run(true, async () => {
      throw new Error("CKR_GENERAL_ERROR");
    });
    const next = gate.run(false, async () => "ran");
    const error = await failed.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(String(error)).to.equal("Error: CKR_GENERAL_ERROR");
    expect(await next).to.equal("ran");
  });
});
