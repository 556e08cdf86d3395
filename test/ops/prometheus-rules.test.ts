/**
 * The alerting rules shipped in ops/prometheus/ are valid Prometheus rules, and each alert fires
 * when it should and not before (`promtool test rules` on the unit tests beside them).
 */
import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { promtool } from "../support/promtool.ts";

const rules = fileURLToPath(new URL("../../ops/prometheus/kycnet.rules.yml", import.meta.url));
const ruleTests = fileURLToPath(new URL("../../ops/prometheus/kycnet.rules.test.yml", import.meta.url));

describe("ops/prometheus alerting rules", () => {
  it("pass promtool check rules", async () => {
    const { code, output } = await promtool(["check", "rules", rules]);
    expect(code, output).to.equal(0);
  });

  it("pass their promtool unit tests (each alert fires when it should, not before)", async () => {
    const { code, output } = await promtool(["test", "rules", ruleTests]);
    expect(code, output).to.equal(0);
    expect(output).to.contain("SUCCESS");
  });
});
