/**
 * The SDK as a customer gets it: `npm pack` (its `prepack` script builds dist/), the tarball installed
 * into an empty Node project in a temporary folder, and every entry point imported there by name from a
 * plain .mjs script (consumer.mjs). Fails when the exports map names a file the build did not make, when
 * the build is broken, or when a result differs from the shared vectors.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { verifyTypedData } from "ethers";
import {
  CONSENT_GRANT_TYPES,
  commitRecord,
  consentDomain,
  consentIdOf,
  toConsentGrant,
  type FieldSalts,
  type Hex,
} from "@kycnet/sdk/protocol";

const run = promisify(execFile);
const sdkDir = fileURLToPath(new URL("../../../sdk/", import.meta.url));
const vectorsPath = fileURLToPath(new URL("../../vectors/commitments.json", import.meta.url));
const consumerScript = fileURLToPath(new URL("./consumer.mjs", import.meta.url));

interface Vectors {
  records: Array<{ input: Record<string, string>; leaves: Array<{ name: string; salt: Hex }>; root: Hex }>;
  grants: Array<{ digest: Hex }>;
}

interface ConsumerOutput {
  version: string;
  rootRoot: Hex;
  rootIsKycnetError: boolean;
  errorsCode: boolean;
  protocolRoot: Hex;
  protocolGrantDigest: Hex;
  chainConsortium: string;
  chainAbiHasGrantBySig: boolean;
  customer: {
    subject: Hex;
    signature: string;
    consentId: Hex;
    grant: Record<string, string>;
    domain: { chainId: string; verifyingContract: Hex };
  };
  walletReopened: boolean;
  auditorJson: { n: string };
  bankRoute: string;
  bankCall: { seen: Array<{ url: string; authorization: string }>; status: string };
  cliTime: string;
  deepImport: string;
}

describe("sdk/package: the packed tarball installed in an empty Node project", function () {
  this.timeout(300_000);
  let dir: string;
  let tarball: string;
  let app: string;
  let output: ConsumerOutput;
  const vectors = async () => JSON.parse(await readFile(vectorsPath, "utf8")) as Vectors;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kycnet-sdk-pack-"));
    await run("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: sdkDir, maxBuffer: 16 << 20 });
    const tarballs = (await readdir(dir)).filter((f) => f.endsWith(".tgz"));
    expect(tarballs, "npm pack made one tarball").to.have.length(1);
    tarball = join(dir, tarballs[0]!);
    app = join(dir, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "sdk-consumer", private: true, type: "module" }));
    // The registry is reachable, but the dependencies (ethers, @openzeppelin/merkle-tree) are in the
    // npm cache from the project's own install: use it first.
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--silent", tarball], {
      cwd: app,
      maxBuffer: 16 << 20,
    });
    await copyFile(consumerScript, join(app, "consumer.mjs"));
    const scratch = join(dir, "scratch");
    await mkdir(scratch);
    const { stdout } = await run(process.execPath, ["consumer.mjs", vectorsPath, scratch], { cwd: app });
    output = JSON.parse(stdout.trim().split("\n").at(-1)!) as ConsumerOutput;
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is installed from the tarball (a copy in node_modules, not a link to the workspace)", async () => {
    const installed = join(app, "node_modules", "@kycnet", "sdk");
    expect((await stat(installed)).isDirectory()).to.equal(true);
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as { version: string };
    expect(output.version).to.equal(manifest.version);
  });

  it("ships every file its exports map names (JavaScript and .d.ts), and no build cache", async () => {
    const installed = join(app, "node_modules", "@kycnet", "sdk");
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    const targets = Object.values(manifest.exports).flatMap((t) =>
      typeof t === "string" ? [t] : [t.types, t.default],
    );
    expect(targets.length).to.be.greaterThan(10);
    for (const target of targets) expect((await stat(join(installed, target))).isFile(), target).to.equal(true);
    await stat(join(installed, "dist", ".tsbuildinfo")).then(
      () => expect.fail("dist/.tsbuildinfo is in the package"),
      (error: NodeJS.ErrnoException) => expect(error.code).to.equal("ENOENT"),
    );
  });

  it("@kycnet/sdk and /protocol reproduce the shared commitment vector; /errors types its errors", async () => {
    const record = (await vectors()).records[0]!;
    expect(output.rootRoot).to.equal(record.root);
    expect(output.protocolRoot).to.equal(record.root);
    // The vector is also what this process computes from the workspace source.
    const salts = Object.fromEntries(record.leaves.map((l) => [l.name, l.salt])) as FieldSalts;
    expect(commitRecord(record.input, salts).root).to.equal(record.root);
    expect(output.rootIsKycnetError).to.equal(true);
    expect(output.errorsCode).to.equal(true);
  });

  it("/protocol computes the EIP-712 digest of the shared grant vector", async () => {
    expect(output.protocolGrantDigest).to.equal((await vectors()).grants[0]!.digest);
  });

  it("/customer makes a subject key whose consent signature recovers to it", () => {
    const { subject, signature, consentId, grant, domain } = output.customer;
    const typed = toConsentGrant(grant);
    const signer = verifyTypedData(
      consentDomain({ chainId: BigInt(domain.chainId), verifyingContract: domain.verifyingContract }),
      CONSENT_GRANT_TYPES,
      typed,
      signature,
    );
    expect(signer).to.equal(subject);
    expect(consentId).to.equal(consentIdOf(typed));
  });

  it("/customer/node writes the wallet file and opens it again", () => {
    expect(output.walletReopened).to.equal(true);
  });

  it("/chain parses an addresses file (checksummed) and carries the ABIs; /auditor makes JSON of bigints", () => {
    expect(output.chainConsortium).to.equal("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(output.chainAbiHasGrantBySig).to.equal(true);
    expect(output.auditorJson).to.deep.equal({ n: "100000000000000000000" });
  });

  it("/bank builds the API call; /cli parses an audit time", () => {
    expect(output.bankRoute).to.equal("/v1/consents/{id}/status");
    expect(output.bankCall.status).to.equal("ACTIVE");
    const url = `http://bank.invalid/v1/consents/0x${"ef".repeat(32)}/status`;
    expect(output.bankCall.seen).to.deep.equal([{ url, authorization: "Bearer k" }]);
    expect(output.cliTime).to.equal(String(Date.UTC(2026, 10, 23, 14) / 1000));
  });

  it("refuses a deep import past the exports map", () => {
    expect(output.deepImport).to.equal("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
