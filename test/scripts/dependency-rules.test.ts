/**
 * The layering rules of docs/architecture.md §2 bite: dependency-cruiser, run with the project's own
 * configuration on a small tree that breaks each rule once, reports each break, and lets the
 * allowed imports through. (scripts/lint.sh runs the same configuration on the real tree.)
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

const TREE: Record<string, string> = {
  "node/src/ekyc/decision/engine.ts": `import "../../vault/vault.ts";\nexport const a = 1;\n`,
  "node/src/vault/vault.ts": `export const v = 1;\n`,
  "node/src/onboarding/ports.ts": `export const p = 1;\n`,
  "node/src/onboarding/sessions.ts": `export const s = 1;\n`,
  "node/src/api/routes.ts": `import "../onboarding/ports.ts";\nimport "../onboarding/sessions.ts";\n`,
  "node/src/custody/signer.ts": `import "../api/routes.ts";\n`,
  "node/src/exchange/errors.ts": `import "./messages.ts";\nexport const e = 1;\n`,
  "node/src/exchange/messages.ts": `import "./errors.ts";\nexport const m = 1;\n`,
  "sdk/src/customer/key.ts": `import { randomBytes } from "node:crypto";\nexport const k = randomBytes(1);\n`,
  "sdk/src/customer/index.ts": `export * from "./key.ts";\n`,
  "sdk/src/customer/node.ts": `export * from "./index.ts";\nexport * from "./file.ts";\n`,
  "sdk/src/customer/file.ts": `import { readFile } from "node:fs/promises";\nexport const f = readFile;\n`,
  "sdk/src/bank/client.ts": `import "../../../node/src/vault/vault.ts";\n`,
  "tsconfig.json": JSON.stringify({
    compilerOptions: { allowImportingTsExtensions: true, noEmit: true, module: "NodeNext" },
  }),
};

describe("dependency rules (.dependency-cruiser.cjs)", function () {
  this.timeout(60_000);
  let violations: Violation[] = [];
  let dir = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-deps-"));
    for (const [path, text] of Object.entries(TREE)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const bin = join(ROOT, "node_modules/.bin/depcruise");
    const config = join(ROOT, ".dependency-cruiser.cjs");
    // depcruise exits non-zero when it finds violations: the JSON report is what we read.
    const out = await run(bin, ["--config", config, "--output-type", "json", "node/src", "sdk/src"], {
      cwd: dir,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(out.stdout) as { summary: { violations: Violation[] } };
    violations = report.summary.violations;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const broke = (rule: string, from: string, to: string) =>
    violations.some((v) => v.rule.name === rule && v.from === from && v.to === to);

  it("the pipeline may not import the vault", () => {
    expect(broke("pipeline-is-pure", "node/src/ekyc/decision/engine.ts", "node/src/vault/vault.ts")).to.equal(true);
  });
  it("the API may import the application layer's ports, and nothing else of it", () => {
    expect(broke("api-sees-only-ports", "node/src/api/routes.ts", "node/src/onboarding/sessions.ts")).to.equal(true);
    expect(violations.some((v) => v.to === "node/src/onboarding/ports.ts")).to.equal(false);
  });
  it("custody may not import the rest of the node", () => {
    expect(broke("custody-sees-only-the-sdk", "node/src/custody/signer.ts", "node/src/api/routes.ts")).to.equal(true);
  });
  it("the SDK may not import the node", () => {
    expect(broke("sdk-never-imports-the-node", "sdk/src/bank/client.ts", "node/src/vault/vault.ts")).to.equal(true);
  });
  it("nothing the SDK's browser entry points reach may be a Node built-in; its Node-only entry point may", () => {
    const portable = violations.filter((v) => v.rule.name === "sdk-browser-entry-points-are-portable");
    expect(portable.map((v) => `${v.from} → ${v.to}`)).to.deep.equal(["sdk/src/customer/index.ts → crypto"]);
  });
  it("two modules may not import each other", () => {
    expect(violations.some((v) => v.rule.name === "no-circular" && v.from === "node/src/exchange/errors.ts")).to.equal(
      true,
    );
  });
});
