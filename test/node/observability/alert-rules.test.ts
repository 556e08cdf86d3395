/**
 * The alert rules in ops/prometheus/alerts.yml, by Prometheus's own tool (Debian `prometheus`):
 * `promtool check rules` accepts them, `promtool test rules` (alerts.test.yml) shows each alert fire
 * on the series that should raise it and stay quiet otherwise, and every metric the rules name is
 * one the node actually exposes (so a renamed metric cannot leave an alert silently dead).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { createMetrics } from "../../../node/src/observability/metrics.ts";

const RULES_DIR = join(import.meta.dirname, "../../../ops/prometheus");
const run = promisify(execFile);

describe("Prometheus alert rules (promtool)", () => {
  it("are valid rules", async () => {
    const { stdout } = await run("promtool", ["check", "rules", "alerts.yml"], { cwd: RULES_DIR });
    expect(stdout).to.contain("SUCCESS");
  });

  it("fire on failed record opens, a failed vault check, refused peers and stale sanctions lists, and not otherwise", async () => {
    const { stdout } = await run("promtool", ["test", "rules", "alerts.test.yml"], { cwd: RULES_DIR });
    expect(stdout).to.contain("SUCCESS");
  });

  it("name only metrics the node exposes", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordVaultCheck({ ok: true, problems: 0, seconds: 0.01 });
    metrics.countRecordOpenFailure("CIPHERTEXT_REJECTED");
    metrics.countRefusedPeer("not_member");
    metrics.watch({ sanctionsListAgeSeconds: () => 60, sanctionsLastConfirmedTimestampSeconds: () => 1_796_000_000 });
    const exposed = await metrics.render();
    const named = [...readFileSync(join(RULES_DIR, "alerts.yml"), "utf8").matchAll(/\bkycnet_[a-z_]+/g)].map(
      (m) => m[0],
    );
    expect(named).to.not.be.empty;
    for (const name of new Set(named)) expect(exposed, name).to.match(new RegExp(`^${name}(\\{| )`, "m"));
  });
});
