/**
 * The `kycnet` command across its sub-commands, spawned as a user would: from a folder outside the
 * repository, through the launcher, with stdout a pipe. One convention for all: exit codes 0
 * positive, 1 negative, 2 usage, 3 environment; `--json` prints one pretty-printed JSON document
 * (also for errors); no ANSI colours into a pipe.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const LISTS = path.join(ROOT, "test/fixtures/sanctions");
// An ANSI escape sequence (ESC [), written without a control character in the pattern.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kycnet(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "bin/kycnet"),
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A `--json` document: the whole of stdout is one JSON value, pretty-printed with two spaces. */
function jsonDocument(run: Run): Record<string, unknown> {
  expect(run.stdout.endsWith("\n"), run.stdout).to.equal(true);
  const value = JSON.parse(run.stdout) as Record<string, unknown>;
  expect(run.stdout).to.equal(`${JSON.stringify(value, null, 2)}\n`);
  return value;
}

describe("kycnet CLI conventions", function () {
  this.timeout(120_000);
  let elsewhere: string;
  const run = (...args: string[]) => kycnet(args, { cwd: elsewhere });

  before(async () => {
    elsewhere = await mkdtemp(path.join(tmpdir(), "kycnet-cli-"));
  });
  after(async () => {
    await rm(elsewhere, { recursive: true, force: true });
  });

  it("runs from a folder outside the repository and prints its version with --version", async () => {
    const r = await run("--version");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).to.equal("");
  });

  it("runs through a symlink elsewhere on disk (as `npm link` installs it)", async () => {
    const { symlink } = await import("node:fs/promises");
    const link = path.join(elsewhere, "kycnet");
    await symlink(path.join(ROOT, "bin/kycnet"), link);
    const r = await new Promise<Run>((resolve) =>
      execFile(link, ["--version"], { cwd: elsewhere }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
  });

  it("documents the exit codes and the --json format in --help", async () => {
    const r = await run("--help");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("Exit codes").and.contain("--json");
  });

  describe("exit 2: usage", () => {
    it("an unknown command: exit 2, no stack trace", async () => {
      const r = await run("no-such-command");
      expect(r.code).to.equal(2);
      expect(r.stderr)
        .to.contain("unknown command")
        .and.not.match(/\n\s+at /);
    });

    it("a bad option value with --json: exit 2 and one JSON error document on stdout", async () => {
      const r = await run("api-key", "new", "--id", "ops", "--role", "admiral", "--json");
      expect(r.code).to.equal(2);
      const doc = jsonDocument(r);
      expect(doc).to.have.nested.property("error.code", "INVALID_ARGUMENT");
      expect(r.stderr)
        .to.contain("--role")
        .and.not.match(/\n\s+at /);
    });

    it("a missing list file: exit 2, naming the file", async () => {
      const missing = path.join(elsewhere, "no-such-list.xml");
      const r = await run("sanctions", "check", "--un", missing, "--json");
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(missing);
      expect(jsonDocument(r)).to.have.nested.property("error.code", "INVALID_ARGUMENT");
    });

    it("a configuration file that does not exist: exit 2", async () => {
      const r = await run("vault", "verify-audit", "--config", path.join(elsewhere, "nope.json"), "--json");
      expect(r.code).to.equal(2);
      expect(jsonDocument(r)).to.have.nested.property("error.code", "CONFIG_NOT_FOUND");
    });
  });

  describe("exit 0 and 1: positive and negative results", () => {
    it("sanctions check --json: the list's summary as one document, exit 0", async () => {
      const r = await run("sanctions", "check", "--un", path.join(LISTS, "un-consolidated.xml"), "--json");
      expect(r.code, r.stderr).to.equal(0);
      const doc = jsonDocument(r);
      expect(doc).to.include.keys("version", "entries", "individuals", "entities", "aliases");
      expect(doc.entries).to.be.a("number").greaterThan(0);
    });

    it("sanctions screen: a hit exits 1, no hit exits 0", async () => {
      const un = path.join(LISTS, "un-consolidated.xml");
      const [hit, clear] = await Promise.all([
        run("sanctions", "screen", "--un", un, "--name", "Tran Van Hung", "--json"),
        run("sanctions", "screen", "--un", un, "--name", "Nguyen Thi Mai Phuong", "--json"),
      ]);
      expect(hit.code, hit.stderr).to.equal(1);
      expect((jsonDocument(hit).hits as unknown[]).length).to.be.greaterThan(0);
      expect(clear.code, clear.stderr).to.equal(0);
      expect(jsonDocument(clear).hits).to.deep.equal([]);
    });

    it("api-key new --json: the same one-document format as every other command", async () => {
      const r = await run("api-key", "new", "--id", "ops-1", "--role", "operator", "--json");
      expect(r.code, r.stderr).to.equal(0);
      expect(jsonDocument(r)).to.have.keys("key", "entry");
    });
  });

  describe("colours", () => {
    // util-linux `script` gives the command a pseudo-terminal, as an interactive shell would.
    const onTerminal = (env: NodeJS.ProcessEnv, ...args: string[]) =>
      new Promise<Run>((resolve) =>
        execFile(
          "script",
          ["-qec", [path.join(ROOT, "bin/kycnet"), ...args].join(" "), "/dev/null"],
          { cwd: elsewhere, env, timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
        ),
      );
    const un = path.join(LISTS, "un-consolidated.xml");

    it("colours a terminal, but prints no ANSI escapes into a pipe or with NO_COLOR", async () => {
      const { NO_COLOR: _unset, ...colourEnv } = process.env;
      const [terminal, noColor, piped] = await Promise.all([
        onTerminal(colourEnv, "sanctions", "check", "--un", un),
        onTerminal({ ...process.env, NO_COLOR: "1" }, "sanctions", "check", "--un", un),
        run("sanctions", "check", "--un", un),
      ]);
      expect(terminal.code, terminal.stderr).to.equal(0);
      expect(terminal.stdout).to.contain("entries").and.match(ANSI);
      expect(noColor.stdout).to.contain("entries").and.not.match(ANSI);
      expect(piped.code, piped.stderr).to.equal(0);
      expect(piped.stdout).to.contain("entries").and.not.match(ANSI);
    });
  });

  it("token init and node start name their environment variables in --help", async () => {
    const [token, node] = await Promise.all([run("token", "init", "--help"), run("node", "start", "--help")]);
    expect(token.stdout).to.contain("KYCNET_HSM_SO_PIN").and.contain("KYCNET_HSM_PIN");
    expect(node.stdout).to.contain("KYCNET_HSM_PIN").and.contain("--json");
  });

  describe("peer init", () => {
    it("names its environment variables and flags in --help", async () => {
      const r = await run("peer", "init", "--help");
      expect(r.code).to.equal(0);
      for (const name of ["KYCNET_HSM_PIN", "KYCNET_HSM_TOKEN_LABEL", "SOFTHSM2_CONF", "--token-label", "--key-file"])
        expect(r.stdout).to.contain(name);
    });

    it("without a token label or PIN: exit 2 naming what is missing, and nothing written", async () => {
      const keyFile = path.join(elsewhere, "new-folder", "peer-key.json");
      const env = { ...process.env, KYCNET_HSM_TOKEN_LABEL: "", KYCNET_HSM_PIN: "" };
      const r = await kycnet(["peer", "init", "--key-file", keyFile], { cwd: elsewhere, env });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain("--token-label");
      expect(
        await stat(path.dirname(keyFile)).then(
          () => true,
          () => false,
        ),
      ).to.equal(false);
    });
  });
});
