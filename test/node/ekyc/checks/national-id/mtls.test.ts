/**
 * The HTTP adapter's mTLS options against the registry simulator serving https and requiring a
 * client certificate from its CA. The certificates are made for the test with the `openssl` CLI:
 * a CA, the registry's server certificate (127.0.0.1) and the bank's client certificate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import { HttpNationalIdRegistry } from "../../../../../node/src/ekyc/checks/national-id/http-adapter.ts";
import type { IdentityCheckResult } from "../../../../../node/src/ekyc/checks/national-id/port.ts";
import {
  createRegistrySimulator,
  type RegistrySimulator,
} from "../../../../../node/src/ekyc/checks/national-id/simulator/server.ts";

function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=registry-ca");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\n");
  for (const [name, subject, ext] of [
    ["server", "/CN=registry", ["-extfile", "server.ext"]],
    ["client", "/CN=bank-a", []],
  ] as const) {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      ...ext,
    );
  }
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    ca: read("ca.pem"),
    server: { key: read("server.key"), cert: read("server.pem") },
    client: { key: read("client.key"), cert: read("client.pem") },
  };
}

const statusOf = (r: IdentityCheckResult) => (r.status === "UNAVAILABLE" ? r.code : r.status);

describe("HttpNationalIdRegistry over mTLS", function () {
  this.timeout(60_000);
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let simulator: RegistrySimulator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-mtls-"));
    certs = makeCertificates(dir);
    simulator = createRegistrySimulator({ seed: 6, citizens: 10, tls: { ...certs.server, ca: certs.ca } });
    await simulator.start();
  });
  after(async () => {
    await simulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const query = () => {
    const c = simulator.citizens[0]!;
    return { idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth };
  };
  const fast = { attemptTimeoutMs: 2_000, deadlineMs: 5_000, backoffMs: 5, maxAttempts: 1 };

  it("serves https on the simulator", () => {
    expect(simulator.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers with the bank's client certificate and the registry's CA", async () => {
    const registry = new HttpNationalIdRegistry({
      baseUrl: simulator.url,
      ...fast,
      tls: { ca: certs.ca, ...certs.client },
    });
    expect(statusOf(await registry.checkIdentity(query()))).to.equal("MATCH");
  });

  it("is refused by the registry without a client certificate", async () => {
    const registry = new HttpNationalIdRegistry({ baseUrl: simulator.url, ...fast, tls: { ca: certs.ca } });
    expect(statusOf(await registry.checkIdentity(query()))).to.equal("REGISTRY_NETWORK_ERROR");
  });

  it("refuses a registry whose certificate does not chain to the configured CA", async () => {
    const registry = new HttpNationalIdRegistry({
      baseUrl: simulator.url,
      ...fast,
      tls: { ca: certs.client.cert, ...certs.client },
    });
    expect(statusOf(await registry.checkIdentity(query()))).to.equal("REGISTRY_NETWORK_ERROR");
  });

  it("refuses TLS options on an http URL", () => {
    let error: unknown;
    try {
      new HttpNationalIdRegistry({ baseUrl: "http://127.0.0.1:1", tls: { ca: certs.ca } });
    } catch (e) {
      error = e;
    }
    expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
  });
});
