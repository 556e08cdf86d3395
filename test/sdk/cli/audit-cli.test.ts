/**
 * `kycnet audit` end to end: a real JSON-RPC chain (`hardhat node` child process), contracts
 * deployed with the dev mnemonic accounts, a customer's story written through the node's ledger
 * adapter and the customer SDK, then `./bin/kycnet audit ... --json` run as a child process.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, ZeroHash, hexlify, randomBytes, type Signer } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { deployKycnet } from "../../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import type { ContractAddresses, LedgerClient } from "../../../node/src/ledger/ledger-client.ts";
import { createSubjectKey, grantConsent, revokeConsent } from "@kycnet/sdk/customer";
import { findAttestation } from "@kycnet/sdk/chain";
import {
  AssuranceLevel,
  Method,
  RevocationReason,
  commitRecord,
  discloseFields,
  encodePipelineVersion,
  fieldMaskOf,
  type AttestationData,
  type FieldDisclosure,
  type Hex,
} from "@kycnet/sdk/protocol";
import { devMember } from "../../node/ledger/fixture.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const person = {
  idNumber: "001203004567",
  oldIdNumber: "",
  fullName: "Lê Văn Tám",
  dateOfBirth: "1985-07-01",
  sex: "M",
  nationality: "VNM",
  address: "Huế",
  issueDate: "2021-06-01",
  expiryDate: "2045-07-01",
  documentType: "CCCD",
  faceTemplate: "0x" + "11".repeat(32),
};
const randomHash = (): Hex => hexlify(randomBytes(32)) as Hex;

/** `kycnet audit --json` output: the fields these tests read by name (each present when that check reports it). */
interface AuditReport extends Record<string, unknown> {
  readonly issuedAt: string;
  readonly status: string;
  readonly findings: readonly string[];
  readonly error: { readonly code: string };
  readonly signature: Record<string, unknown>;
  readonly history: readonly { readonly kind: string }[];
  readonly disclosures: readonly Record<string, unknown>[];
}

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json(): AuditReport;
}

/** Runs ./bin/kycnet with no KYCNET_* variables unless given. */
function kycnet(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "KYCNET_RPC_URL" && k !== "KYCNET_ADDRESSES"),
  );
  return new Promise((resolve) => {
    execFile(
      join(ROOT, "bin/kycnet"),
      [...args],
      { cwd: ROOT, env: { ...clean, NO_COLOR: "1", ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) as AuditReport });
      },
    );
  });
}

describe("kycnet audit (CLI, JSON-RPC chain)", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let dir: string;
  let addressesFile: string;
  let addresses: ContractAddresses;
  let ledgerA: LedgerClient;
  let valid: { uid: Hex; field: FieldDisclosure; consentId: Hex };
  let revoked: { uid: Hex; validAt: bigint };

  before(async () => {
    chain = await startLocalChain();
    dir = await mkdtemp(join(tmpdir(), "kycnet-audit-cli-"));
    const provider = createRpcProvider(chain.url, { chainId: chain.chainId });
    const [deployer, bankA, bankB, bankC] = [0, 1, 2, 3].map((i) =>
      HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
    ) as Signer[];
    addresses = await deployKycnet(deployer!, {
      members: [
        await devMember(bankA!, "Bank A"),
        await devMember(bankB!, "Bank B"),
        await devMember(bankC!, "Bank C"),
      ],
      threshold: 2,
    });
    addressesFile = join(dir, "addresses.json");
    await writeFile(addressesFile, JSON.stringify({ ...addresses, chainId: chain.chainId.toString() }));
    const [a, b, c] = await Promise.all(
      [bankA!, bankB!, bankC!].map((runner) => createEthersLedger({ runner, addresses })),
    );
    ledgerA = a!;
    const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
    const record = async (subject: Hex, recordRoot: Hex): Promise<AttestationData> => {
      const t = await now();
      return {
        subject,
        recordRoot,
        method: Method.FULL_EKYC,
        assuranceLevel: AssuranceLevel.LEVEL_1,
        pipelineVersion: encodePipelineVersion("ekyc/cli-test"),
        issuedAt: t,
        expiresAt: t + 86_400n * 365n,
        refCommitment: ZeroHash as Hex,
      };
    };

    // The customer's story: onboarded at A, consents to B, A discloses two fields, the consent is revoked.
    const commitment = commitRecord(person);
    const subjectKey = createSubjectKey();
    const batch = await ledgerA.anchorBatch([
      await record(subjectKey.address as Hex, commitment.root),
      await record(createSubjectKey().address as Hex, randomHash()),
    ]);
    const consentChain = { chainId: chain.chainId, consentRegistry: addresses.consents };
    const signed = await grantConsent({
      subjectKey,
      attestationUid: batch.uids[0]!,
      grantee: await b!.account(),
      purpose: "ONBOARDING",
      fields: ["fullName", "dateOfBirth"],
      validFor: 3600,
      chain: consentChain,
      now: await now(),
    });
    const { proof } = await findAttestation(provider, addresses.attestations, batch.uids[0]!);
    await b!.grantConsentBySig(signed.grant, proof, signed.signature);
    await ledgerA.recordDisclosure(signed.consentId, fieldMaskOf(["fullName", "dateOfBirth"]), randomHash());
    const revocation = await revokeConsent({
      subjectKey,
      consentId: signed.consentId,
      chain: consentChain,
      now: await now(),
    });
    await c!.revokeConsentBySig(revocation.revocation, revocation.signature);
    valid = { uid: batch.uids[0]!, field: discloseFields(commitment, ["fullName"])[0]!, consentId: signed.consentId };

    // A second attestation, revoked by its issuer.
    const validAt = await now();
    await ledgerA.revokeAttestation(batch.proofs[1]!, RevocationReason.FRAUD_SUSPECTED);
    revoked = { uid: batch.uids[1]!, validAt };
    provider.destroy();
  });

  after(async () => {
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const common = () => ["--rpc", chain.url, "--addresses", addressesFile, "--json"];
  const fieldArgs = (overrides: Partial<FieldDisclosure> = {}) => {
    const f = { ...valid.field, ...overrides };
    return [
      "audit",
      "field",
      valid.uid,
      "--name",
      f.name,
      "--value",
      f.value,
      "--salt",
      f.salt,
      "--proof",
      f.proof.join(","),
      ...common(),
    ];
  };

  describe("exit 0: every check passed", () => {
    it("attestation: anchored by an active member, method and pipeline version, VALID", async () => {
      const r = await kycnet(["audit", "attestation", valid.uid, ...common()]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.json()).to.include({
        check: "attestation",
        exitCode: 0,
        issuerName: "Bank A",
        issuerActiveAtAnchoring: true,
        method: "FULL_EKYC",
        pipelineVersion: "ekyc/cli-test",
        status: "VALID",
      });
      expect(r.json().issuedAt).to.match(/^\d+$/); // bigints as strings
    });

    it("attestation --at: a revoked attestation was VALID before its revocation", async () => {
      const r = await kycnet(["audit", "attestation", revoked.uid, "--at", String(revoked.validAt), ...common()]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.json()).to.include({ status: "REVOKED", statusAt: "VALID" });
    });

    it("consent: signed by the subject key; granted, disclosed, revoked", async () => {
      const r = await kycnet(["audit", "consent", valid.consentId, ...common()]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const report = r.json();
      expect(report.signature).to.include({ via: "grantBySig", valid: true });
      expect(report.history.map((e: { kind: string }) => e.kind)).to.deep.equal(["GRANTED", "DISCLOSED", "REVOKED"]);
      expect(report.status).to.equal("REVOKED");
    });

    it("disclosures: each under an ACTIVE consent naming that grantee", async () => {
      const r = await kycnet(["audit", "disclosures", "--attestation", valid.uid, ...common()]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.json().disclosures).to.have.length(1);
      expect(r.json().disclosures[0]).to.include({ granteeName: "Bank B", consentStatusThen: "ACTIVE" });
    });

    it("field: the value matches the anchored root", async () => {
      const r = await kycnet(fieldArgs());
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.json()).to.include({ field: "fullName", matches: true });
    });

    it("reads --rpc and --addresses from KYCNET_RPC_URL and KYCNET_ADDRESSES, and prints tables without --json", async () => {
      const r = await kycnet(["audit", "attestation", valid.uid], {
        KYCNET_RPC_URL: chain.url,
        KYCNET_ADDRESSES: addressesFile,
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include("Bank A").and.include("FULL_EKYC").and.include("PASSED");
    });
  });

  describe("exit 1: a check found a problem", () => {
    it("attestation revoked: a finding with the status", async () => {
      const r = await kycnet(["audit", "attestation", revoked.uid, ...common()]);
      expect(r.code).to.equal(1);
      expect(r.json()).to.include({ status: "REVOKED", revocationReason: "FRAUD_SUSPECTED" });
      expect(r.json().findings).to.deep.equal(["attestation is REVOKED"]);
    });

    it("attestation unknown: status UNKNOWN", async () => {
      const r = await kycnet(["audit", "attestation", randomHash(), ...common()]);
      expect(r.code).to.equal(1);
      expect(r.json()).to.include({ status: "UNKNOWN" });
      expect(r.json().error.code).to.equal("ATTESTATION_NOT_FOUND");
    });

    it("searches events only from the addresses file's fromBlock (an attestation anchored earlier is not found)", async () => {
      const late = join(dir, "late.json");
      await writeFile(late, JSON.stringify({ ...addresses, fromBlock: 1_000_000 }));
      const r = await kycnet(["audit", "attestation", valid.uid, "--rpc", chain.url, "--addresses", late, "--json"]);
      expect(r.code).to.equal(1);
      expect(r.json().error.code).to.equal("ATTESTATION_NOT_FOUND");
    });

    it("consent unknown", async () => {
      const r = await kycnet(["audit", "consent", randomHash(), ...common()]);
      expect(r.code).to.equal(1);
      expect(r.json().error.code).to.equal("CONSENT_NOT_FOUND");
    });

    it("field: a value that is not the committed one", async () => {
      const r = await kycnet(fieldArgs({ value: "LÊ VĂN TÂM" }));
      expect(r.code).to.equal(1);
      expect(r.json()).to.include({ matches: false });
      expect(r.stdout).to.not.include("TÂM"); // the value is never echoed
    });
  });

  // Each run starts Node + tsx (seconds): one case per path to exit 2 (argument check, commander usage,
  // configuration); the parsers' other bad inputs are covered without a process in audit-input.test.ts.
  describe("exit 2: bad usage or input, before any network call", () => {
    const cases: Array<[string, () => string[], Record<string, string>?]> = [
      ["a malformed uid", () => ["audit", "attestation", "0x1234", ...common()]],
      ["a malformed proof hash", () => fieldArgs({ proof: ["0xnothex"] as Hex[] })],
      ["a missing required option", () => ["audit", "disclosures", ...common()]],
      ["no addresses at all", () => ["audit", "attestation", valid.uid, "--rpc", chain.url, "--json"]],
    ];
    for (const [what, args] of cases) {
      it(`exits 2 for ${what}, with a one-line message and no stack trace`, async () => {
        const r = await kycnet(args());
        expect(r.code, r.stdout + r.stderr).to.equal(2);
        expect(r.stderr).to.not.match(/\n\s+at /);
      });
    }
  });

  describe("exit 3: chain unreachable or not the addresses' chain", () => {
    it("exits 3 with CHAIN_UNREACHABLE when nothing answers at --rpc", async () => {
      const r = await kycnet([
        "audit",
        "attestation",
        valid.uid,
        "--rpc",
        "http://127.0.0.1:9",
        "--addresses",
        addressesFile,
        "--json",
      ]);
      expect(r.code).to.equal(3);
      expect(r.json().error.code).to.equal("CHAIN_UNREACHABLE");
    });

    it("exits 3 with WRONG_CHAIN when the addresses file names another chain", async () => {
      const other = join(dir, "other-chain.json");
      await writeFile(other, JSON.stringify({ ...addresses, chainId: 999 }));
      const r = await kycnet(["audit", "attestation", valid.uid, "--rpc", chain.url, "--addresses", other, "--json"]);
      expect(r.code).to.equal(3);
      expect(r.json().error.code).to.equal("WRONG_CHAIN");
    });

    it("exits 3 with CONTRACTS_NOT_FOUND when the addresses hold no contracts on this chain", async () => {
      const empty = JSON.stringify({
        consortium: `0x${"00".repeat(19)}01`,
        attestations: addresses.attestations,
        consents: addresses.consents,
      });
      const r = await kycnet(["audit", "attestation", valid.uid, "--rpc", chain.url, "--json"], {
        KYCNET_ADDRESSES: empty,
      });
      expect(r.code).to.equal(3);
      expect(r.json().error.code).to.equal("CONTRACTS_NOT_FOUND");
    });
  });
});
