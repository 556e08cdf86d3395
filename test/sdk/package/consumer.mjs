// A customer's Node project using the packed @kycnet/sdk: plain ESM, no TypeScript, no tsx. It imports
// every entry point by its package name (so through the tarball's `exports` map and its built JavaScript)
// and prints what each computed as one JSON line; pack.test.ts checks the values.
// Usage: node consumer.mjs <commitments.json> <scratch dir>. Does nothing when merely imported (a test runner
// globbing test/ for .mjs files).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as root from "@kycnet/sdk";
import { InvalidArgumentError, isKycnetError } from "@kycnet/sdk/errors";
import { commitRecord, consentGrantDigest, toConsentGrant } from "@kycnet/sdk/protocol";
import { ConsentRegistryAbi, parseAddresses } from "@kycnet/sdk/chain";
import { createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { createCustomerWallet, loadCustomerWallet, saveCustomerWallet } from "@kycnet/sdk/customer/node";
import { toJsonSafe } from "@kycnet/sdk/auditor";
import { BANK_API_ROUTES, createBankClient } from "@kycnet/sdk/bank";
import { parseTime } from "@kycnet/sdk/cli";
import sdkPackage from "@kycnet/sdk/package.json" with { type: "json" };

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) await main(...process.argv.slice(2));

async function main(vectorsPath, scratch) {
  const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
  const record = vectors.records[0];
  const salts = Object.fromEntries(record.leaves.map((l) => [l.name, l.salt]));
  const vectorGrant = vectors.grants[0];
  const { chainId, verifyingContract } = vectorGrant.domain;
  const domain = { chainId: BigInt(chainId), verifyingContract };

  // customer: a fresh key signs a grant; the test recovers the signer from the signature.
  const subjectKey = createSubjectKey();
  const signed = await grantConsent({
    subjectKey,
    attestationUid: `0x${"ab".repeat(32)}`,
    grantee: domain.verifyingContract,
    purpose: "ONBOARDING",
    fields: ["fullName"],
    validFor: 600,
    chain: { chainId: domain.chainId, consentRegistry: domain.verifyingContract },
    now: 1_800_000_000n,
  });

  // customer/node: the wallet file round trip (low scrypt cost: a test).
  const wallet = createCustomerWallet();
  const walletUid = `0x${"cd".repeat(32)}`;
  await wallet.add({ attestationUid: walletUid, issuer: verifyingContract, subjectKey }, "pass", { scryptN: 1 << 10 });
  const walletFile = join(scratch, "wallet.json");
  await saveCustomerWallet(walletFile, wallet);
  const reopened = await (await loadCustomerWallet(walletFile)).unlock(walletUid, "pass");

  // bank: one real call through a stub fetch, to see the URL and header the client builds.
  const seen = [];
  const bank = createBankClient({
    baseUrl: "http://bank.invalid",
    apiKey: "k",
    fetch: async (url, init) => {
      seen.push({ url: String(url), authorization: new Headers(init.headers).get("authorization") });
      const view = { consentId: `0x${"ef".repeat(32)}`, status: "ACTIVE", checkedAt: "2026-01-01T00:00:00Z" };
      return new Response(JSON.stringify(view), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
  const consentStatus = await bank.consentStatus(`0x${"ef".repeat(32)}`);

  let deepImport;
  try {
    await import("@kycnet/sdk/dist/protocol/index.js");
    deepImport = "allowed";
  } catch (error) {
    deepImport = error.code;
  }

  const addresses = parseAddresses(
    JSON.stringify({
      consortium: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      attestations: `0x${"22".repeat(20)}`,
      consents: `0x${"33".repeat(20)}`,
    }),
  );

  console.log(
    JSON.stringify(
      toJsonSafe({
        version: sdkPackage.version,
        rootRoot: root.commitRecord(record.input, salts).root,
        rootIsKycnetError: root.isKycnetError(new root.InvalidArgumentError("f", "r"), "INVALID_ARGUMENT"),
        errorsCode: isKycnetError(new InvalidArgumentError("f", "r"), "INVALID_ARGUMENT"),
        protocolRoot: commitRecord(record.input, salts).root,
        protocolGrantDigest: consentGrantDigest(domain, toConsentGrant(vectorGrant.grant)),
        chainConsortium: addresses.consortium,
        chainAbiHasGrantBySig: ConsentRegistryAbi.some((item) => item.name === "grantBySig"),
        customer: {
          subject: subjectKey.address,
          signature: signed.signature,
          consentId: signed.consentId,
          grant: signed.grant,
          domain,
        },
        walletReopened: reopened.address === subjectKey.address,
        auditorJson: toJsonSafe({ n: 10n ** 20n }),
        bankRoute: BANK_API_ROUTES.getConsentStatus.path,
        bankCall: { seen, status: consentStatus.status },
        cliTime: parseTime("2026-11-23T14:00:00Z"),
        deepImport,
      }),
    ),
  );
}
