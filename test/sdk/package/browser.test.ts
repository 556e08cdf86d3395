/**
 * The customer SDK in a real browser: `@kycnet/sdk/customer` (the built package, by name) bundled by
 * esbuild for `platform: "browser"`, loaded into headless Chromium, where it makes a subject key and signs
 * a consent grant and its revocation with Web Crypto randomness. The signatures are checked against the
 * EIP-712 digests the ConsentRegistry itself computes on a Hardhat consortium, then relayed
 * (`grantBySig`, `revokeBySig`): the contract accepts them only if the browser signed the right bytes.
 * Also: every browser entry point bundles for the browser, and the Node-only ones do not.
 * Chromium is the Debian package (scripts/bootstrap.sh), driven by puppeteer-core; no network beyond loopback.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { build } from "esbuild";
import { Contract, recoverAddress } from "ethers";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { ConsentRegistryAbi, findAttestation } from "@kycnet/sdk/chain";
import {
  ConsentStatus,
  consentGrantDigest,
  consentIdOf,
  consentRevocationDigest,
  fieldMaskOf,
  toConsentGrant,
  toConsentRevocation,
  type Hex,
} from "@kycnet/sdk/protocol";
import { deployedConsortium } from "../../node/ledger/fixture.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// Not /bank: it bundles, but its selfie upload base64-encodes with Node's Buffer (sdk/README.md says so).
const BROWSER_ENTRY_POINTS = ["", "/errors", "/protocol", "/chain", "/customer", "/auditor"];
const NODE_ONLY_ENTRY_POINTS = ["/customer/node", "/cli"];

/** Bundles `import * as sdk from "@kycnet/sdk<entry>"` for a browser; returns the script or esbuild's errors. */
type Bundled = { code: string } | { errors: string[] };

async function bundleForBrowser(entry: string, globalName = "kycnetSdk"): Promise<Bundled> {
  try {
    const result = await build({
      stdin: { contents: `export * from "@kycnet/sdk${entry}";`, resolveDir: repoRoot, loader: "js" },
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName,
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    return { code: result.outputFiles[0]!.text };
  } catch (error) {
    return { errors: ((error as { errors?: Array<{ text: string }> }).errors ?? []).map((e) => e.text) };
  }
}

describe("sdk/package: the customer SDK in headless Chromium", function () {
  this.timeout(180_000);

  describe("esbuild, platform browser", () => {
    for (const entry of BROWSER_ENTRY_POINTS) {
      it(`bundles @kycnet/sdk${entry} with no Node built-in`, async () => {
        const bundled = await bundleForBrowser(entry);
        expect(bundled, JSON.stringify(bundled).slice(0, 500)).to.have.property("code");
      });
    }
    for (const entry of NODE_ONLY_ENTRY_POINTS) {
      it(`refuses @kycnet/sdk${entry} (Node only: it reads files)`, async () => {
        const bundled = await bundleForBrowser(entry);
        expect(bundled).to.have.property("errors");
        expect((bundled as { errors: string[] }).errors.join("\n")).to.match(/node:fs/);
      });
    }
  });

  describe("signing in the page, checked by the ConsentRegistry", () => {
    let f: Awaited<ReturnType<typeof deployedConsortium>>;
    let browser: Browser;
    let page: Page;
    let profile: string;

    before(async () => {
      f = await deployedConsortium();
      const bundled = await bundleForBrowser("/customer", "kycnetCustomer");
      if (!("code" in bundled)) throw new Error(`the customer SDK does not bundle: ${bundled.errors.join("; ")}`);
      profile = await mkdtemp(join(tmpdir(), "kycnet-chromium-"));
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        userDataDir: profile,
      });
      page = await browser.newPage();
      // Nothing leaves the machine: the page is about:blank and the bundle is injected, so any request is a defect.
      await page.setRequestInterception(true);
      page.on("request", (request) => void request.abort());
      await page.addScriptTag({ content: bundled.code });
    });

    after(async () => {
      await browser?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
      await f?.connection.close();
    });

    it("runs in a browser, not in Node", async () => {
      const where = await page.evaluate(() => ({
        userAgent: navigator.userAgent,
        hasProcess: typeof (globalThis as { process?: unknown }).process !== "undefined",
      }));
      expect(where.userAgent).to.match(/HeadlessChrome/);
      expect(where.hasProcess).to.equal(false);
    });

    it("signs a grant and its revocation in the page; the contract recovers the page key, accepts both", async () => {
      // In the page: a fresh key, kept there (the private key never leaves the browser).
      const subject = (await page.evaluate(() => {
        type Sdk = { createSubjectKey(): { address: string } };
        const sdk = (globalThis as unknown as { kycnetCustomer: Sdk }).kycnetCustomer;
        const key = sdk.createSubjectKey();
        (globalThis as unknown as { subjectKey: unknown }).subjectKey = key;
        return key.address;
      })) as Hex;

      // Bank A anchors an attestation naming that key as subject.
      const batch = await f.ledgerA.anchorBatch([await f.record(subject)]);
      const uid = batch.uids[0]!;
      const grantee = await f.ledgerB.account();
      const chain = { chainId: (await f.provider.getNetwork()).chainId, consentRegistry: f.addresses.consents };
      const now = await f.now();

      // In the page: the customer signs the grant for bank B, and a revocation of it.
      const signed = await page.evaluate(
        async (input) => {
          type Signed = Record<string, unknown>;
          const sdk = (
            globalThis as unknown as {
              kycnetCustomer: { grantConsent(i: unknown): Promise<Signed>; revokeConsent(i: unknown): Promise<Signed> };
            }
          ).kycnetCustomer;
          const subjectKey = (globalThis as unknown as { subjectKey: unknown }).subjectKey;
          const consentChain = { chainId: BigInt(input.chainId), consentRegistry: input.consentRegistry };
          const grant = await sdk.grantConsent({
            subjectKey,
            attestationUid: input.uid,
            grantee: input.grantee,
            purpose: "ONBOARDING",
            fields: ["fullName", "dateOfBirth"],
            validFor: 3600,
            chain: consentChain,
            now: BigInt(input.now),
          });
          const revocation = await sdk.revokeConsent({
            subjectKey,
            consentId: grant.consentId,
            chain: consentChain,
            now: BigInt(input.now),
          });
          // As JSON (bigints as strings). No named helper here: tsx would wrap it in a __name() the page lacks.
          const json = JSON.stringify({ grant, revocation }, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
          return JSON.parse(json) as { grant: Signed; revocation: Signed };
        },
        { uid, grantee, chainId: String(chain.chainId), consentRegistry: chain.consentRegistry, now: String(now) },
      );

      const grant = toConsentGrant(signed.grant.grant as Record<string, unknown>);
      const grantSignature = signed.grant.signature as string;
      expect(grant).to.include({ attestationUid: uid, grantee, fieldMask: fieldMaskOf(["fullName", "dateOfBirth"]) });
      expect(signed.grant.consentId).to.equal(consentIdOf(grant));

      // The contract's own EIP-712 digest: the browser's signature recovers to the subject key.
      const registry = new Contract(f.addresses.consents, ConsentRegistryAbi, f.provider);
      const grantDigest = (await registry.getFunction("grantDigest")(grant)) as Hex;
      const domain = { chainId: chain.chainId, verifyingContract: chain.consentRegistry };
      expect(grantDigest).to.equal(consentGrantDigest(domain, grant));
      expect(recoverAddress(grantDigest, grantSignature)).to.equal(subject);

      // Bank B relays it: the registry checks the signature itself.
      const { proof } = await findAttestation(f.provider, f.addresses.attestations, uid);
      const relayed = await f.ledgerB.grantConsentBySig(grant, proof, grantSignature);
      expect(relayed.consentId).to.equal(signed.grant.consentId);
      expect(Number(await registry.getFunction("statusOf")(relayed.consentId))).to.equal(ConsentStatus.ACTIVE);

      const revocation = toConsentRevocation(signed.revocation.revocation as Record<string, unknown>);
      const revocationSignature = signed.revocation.signature as string;
      const revocationDigest = (await registry.getFunction("revocationDigest")(revocation)) as Hex;
      expect(revocationDigest).to.equal(consentRevocationDigest(domain, revocation));
      expect(recoverAddress(revocationDigest, revocationSignature)).to.equal(subject);
      await f.ledgerC.revokeConsentBySig(revocation, revocationSignature);
      expect(Number(await registry.getFunction("statusOf")(relayed.consentId))).to.equal(ConsentStatus.REVOKED);
    });

    it("draws a different key each time (Web Crypto randomness in the page)", async () => {
      const addresses = await page.evaluate(() => {
        type Sdk = { createSubjectKey(): { address: string } };
        const sdk = (globalThis as unknown as { kycnetCustomer: Sdk }).kycnetCustomer;
        return Array.from({ length: 8 }, () => sdk.createSubjectKey().address);
      });
      expect(new Set(addresses).size).to.equal(8);
    });
  });
});
