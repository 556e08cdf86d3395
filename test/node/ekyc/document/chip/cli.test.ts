import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHIP_VARIANTS, EXPECTED_FAILURES, writeChip } from "../../../../../scripts/chip/generate.ts";
import { answerChallenge } from "../../../../../scripts/chip/aa.ts";
import { pem } from "../../../../../scripts/chip/pki.ts";
import { chip, testPki } from "./support.ts";
import { chipReference, skipWithoutChipReference } from "../../../../support/chip-reference.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kycnet(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "./bin/kycnet",
      ["chip", "verify", ...args],
      { cwd: process.cwd(), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("kycnet chip verify", function () {
  this.timeout(300_000);
  let root: string;
  const csca = { rsa: "", ecdsa: "" };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "kycnet-chip-cli-"));
    for (const key of ["rsa", "ecdsa"] as const) {
      csca[key] = join(root, `csca-${key}.pem`);
      await writeFile(csca[key], pem("CERTIFICATE", testPki(key).csca.der));
    }
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("prints one JSON object with the contract's fields and exits 0 for a valid chip", async () => {
    const c = await chip("rsa", "valid", 40);
    const dir = join(root, "valid");
    await writeChip(dir, c.files);
    const run = await kycnet([dir, "--csca", csca.rsa, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.status).to.equal("VALID");
    expect(out.failures).to.deep.equal([]);
    expect(out.mrz).to.deep.include({ documentNumber: c.person.idNumber.slice(3), dateOfBirth: c.person.dateOfBirth });
    expect((out.mrz as { expiryDate: string }).expiryDate).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(out.faceImage).to.deep.include({ mime: "image/jpeg" });
    expect((out.faceImage as { width: number }).width).to.be.greaterThan(0);
    const ds = out.documentSigner as Record<string, string>;
    expect(Object.keys(ds)).to.include.members(["subject", "issuer", "serialNumber", "notBefore", "notAfter"]);
    expect(ds.subject).to.match(/CN=Document Signer/);
    // The CLI's one --json format (node/src/cli/output.ts): the whole of stdout is one pretty-printed document.
    expect(run.stdout).to.equal(`${JSON.stringify(out, null, 2)}\n`);
  });

  it("accepts the file names without EF_ or .bin, in any case", async () => {
    const c = await chip("ecdsa", "valid", 41);
    const dir = join(root, "names");
    await mkdir(dir, { recursive: true });
    const names: Record<string, string> = {
      SOD: "sod",
      DG1: "ef_dg1.BIN",
      DG2: "DG2.bin",
      DG13: "Ef_Dg13",
      DG14: "dg14.bin",
      DG15: "EF_DG15",
      COM: "COM.BIN",
    };
    for (const [id, bytes] of Object.entries(c.files)) await writeFile(join(dir, names[id]!), bytes);
    await writeFile(join(dir, "notes.txt"), "not a chip file");
    const run = await kycnet([dir, "--csca", csca.ecdsa, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({ status: "VALID" });
  });

  for (const variant of CHIP_VARIANTS.filter((v) => v !== "valid" && v !== "cloned-chip")) {
    it(`exits 1 with ${EXPECTED_FAILURES[variant][0]!.code} for the ${variant} variant`, async () => {
      const c = await chip("rsa", variant, 42);
      const dir = join(root, variant);
      await writeChip(dir, c.files);
      const run = await kycnet([dir, "--csca", csca.rsa, "--json"]);
      expect(run.code, run.stderr).to.equal(1);
      const out = JSON.parse(run.stdout) as {
        status: string;
        failures: Array<{ code: string; dataGroup: number | null }>;
      };
      expect(out.status).to.equal("INVALID");
      expect(out.failures.map((f) => ({ code: f.code, dataGroup: f.dataGroup }))).to.deep.equal(
        EXPECTED_FAILURES[variant],
      );
    });
  }

  it("--aa-challenge and --aa-response: a genuine chip passes, a clone exits 1 with AA_FAILED", async () => {
    const challenge = "0123456789abcdef";
    for (const variant of ["valid", "cloned-chip"] as const) {
      const c = await chip("ecdsa", variant, 43);
      const dir = join(root, `aa-${variant}`);
      await writeChip(dir, c.files);
      const answer = join(root, `aa-${variant}.bin`);
      await writeFile(answer, answerChallenge(c.activeAuthenticationKey, Buffer.from(challenge, "hex")));
      const run = await kycnet([
        dir,
        "--csca",
        csca.ecdsa,
        "--json",
        "--aa-challenge",
        challenge,
        "--aa-response",
        answer,
      ]);
      const out = JSON.parse(run.stdout) as { failures: unknown[]; activeAuthentication: { valid: boolean } };
      expect(run.code, run.stderr).to.equal(variant === "valid" ? 0 : 1);
      expect(out.activeAuthentication.valid).to.equal(variant === "valid");
      if (variant === "cloned-chip")
        expect(out.failures).to.deep.equal([
          { code: "AA_FAILED", dataGroup: 15, detail: (out.failures[0] as { detail: string }).detail },
        ]);
    }
  });

  it("a 10 MB EF.SOD exits 1 with SOD_MALFORMED", async () => {
    const c = await chip("rsa", "valid", 44);
    const dir = join(root, "huge-sod");
    await writeChip(dir, { ...c.files, SOD: new Uint8Array(10 * 1024 * 1024).fill(0x77, 0, 1) });
    const run = await kycnet([dir, "--csca", csca.rsa, "--json"]);
    expect(run.code, run.stderr).to.equal(1);
    expect((JSON.parse(run.stdout) as { failures: Array<{ code: string }> }).failures.map((f) => f.code)).to.deep.equal(
      ["SOD_MALFORMED"],
    );
  });

  it("the BSI reference data set exits 1: no trusted CSCA for it, DG2 not supplied", async function () {
    skipWithoutChipReference(this);
    const dir = join(root, "bsi");
    await cp(chipReference("bsi-tr03105-5"), dir, { recursive: true });
    const run = await kycnet([dir, "--csca", csca.rsa, "--json", "--now", "2014-01-01"]);
    expect(run.code, run.stderr).to.equal(1);
    const out = JSON.parse(run.stdout) as {
      failures: Array<{ code: string; dataGroup: number | null }>;
      mrz: { documentNumber: string };
    };
    expect(out.failures.map((f) => `${f.code}:${f.dataGroup}`)).to.deep.equal([
      "DS_NOT_TRUSTED:null",
      "DG_REQUIRED_MISSING:2",
    ]);
    expect(out.mrz.documentNumber).to.equal("C11T002JM");
  });

  it("prints a readable table without --json", async () => {
    const dir = join(root, "valid");
    const run = await kycnet([dir, "--csca", csca.rsa]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/Chip: VALID/);
    expect(run.stdout).to.match(/SOD_SIGNATURE/);
    expect(run.stdout).to.match(/document signer/);
  });

  describe("exits 2 for bad usage or unreadable input", () => {
    const cases: Array<[string, () => string[]]> = [
      ["a missing directory", () => [join(root, "nope"), "--csca", csca.rsa]],
      ["a directory without chip files", () => [root + "/empty", "--csca", csca.rsa]],
      ["no --csca", () => [join(root, "valid")]],
      ["an unreadable --csca", () => [join(root, "valid"), "--csca", join(root, "missing.pem")]],
      ["a --csca that is not a certificate", () => [join(root, "valid"), "--csca", join(root, "broken.pem")]],
      ["two files naming one elementary file", () => [join(root, "duplicate"), "--csca", csca.rsa]],
      [
        "a malformed --aa-challenge",
        () => [join(root, "valid"), "--csca", csca.rsa, "--aa-challenge", "xyz", "--aa-response", csca.rsa],
      ],
      ["--aa-challenge without --aa-response", () => [join(root, "valid"), "--csca", csca.rsa, "--aa-challenge", "00"]],
    ];
    before(async () => {
      await mkdir(join(root, "empty"), { recursive: true });
      await writeFile(join(root, "empty", "readme.txt"), "nothing");
      await writeFile(join(root, "broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
      await cp(join(root, "valid"), join(root, "duplicate"), { recursive: true });
      await cp(join(root, "valid", "EF_DG1.bin"), join(root, "duplicate", "dg1"));
    });
    for (const [what, args] of cases) {
      it(what, async () => {
        const run = await kycnet(args());
        expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(2);
        expect(run.stdout).to.equal("");
      });
    }
  });
});
