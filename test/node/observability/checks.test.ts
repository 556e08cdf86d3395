import { expect } from "chai";
import { keyManagerOpen, ledgerReachable, probeCheck } from "../../../node/src/observability/checks.ts";
import { checkReadiness } from "../../../node/src/observability/readiness.ts";
import { KeyManagerClosedError } from "../../../node/src/custody/errors.ts";
import { LedgerUnavailableError } from "../../../node/src/ledger/errors.ts";

describe("readiness checks", () => {
  it("reports the ledger up when it answers with the expected chain id", async () => {
    const report = await checkReadiness([ledgerReachable({ chainId: async () => 31337n }, 31337n)], 100);
    expect(report.checks).to.deep.equal({ ledger: "up" });
  });

  it("reports the ledger down when it is unreachable or on another chain", async () => {
    const down = await checkReadiness(
      [
        ledgerReachable({
          chainId: async () => {
            throw new LedgerUnavailableError("chainId", new Error("ECONNREFUSED"));
          },
        }),
      ],
      100,
    );
    expect(down.checks).to.deep.equal({ ledger: "down" });
    const wrong = await checkReadiness([ledgerReachable({ chainId: async () => 1n }, 31337n)], 100);
    expect(wrong.ready).to.equal(false);
    expect(String(wrong.failures[0]!.error)).to.contain("expected 31337");
  });

  it("reports the HSM down once the key manager is closed", async () => {
    let open = true;
    const keys = {
      getAddress: async () => {
        if (!open) throw new KeyManagerClosedError();
        return "0x00";
      },
    };
    expect((await checkReadiness([keyManagerOpen(keys)], 100)).checks).to.deep.equal({ hsm: "up" });
    open = false;
    expect((await checkReadiness([keyManagerOpen(keys)], 100)).checks).to.deep.equal({ hsm: "down" });
  });

  it("runs a named probe, down when it resolves false", async () => {
    const report = await checkReadiness(
      [probeCheck("vault", async () => true), probeCheck("sanctions", async () => false)],
      100,
    );
    expect(report.checks).to.deep.equal({ vault: "up", sanctions: "down" });
  });
});
