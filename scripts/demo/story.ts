/**
 * The demo (README's first command): a consortium of three banks on one machine, everything real
 * but the people. A local chain; one SoftHSM2 token per bank; bank A the genesis member, B and C
 * admitted by vote; three nodes as separate processes (`kycnet node start`); the national-ID
 * registry simulator. Then the story: a customer is onboarded at A with full eKYC at level 2 (the
 * card's chip read and verified against the consortium's test CSCA, with active authentication; the
 * rendered card; selfie frames answering a liveness challenge, matched against the chip portrait),
 * the attestation is anchored, the customer consents
 * for B, B re-onboards the customer with a fresh selfie (the record fetched from A over libp2p),
 * C is refused, the customer revokes, B is refused, and the auditor reports from chain data alone.
 * Ctrl-C stops everything; a second run starts clean. With `--keep` the consortium (chain, registry
 * simulator, three nodes) stays up after the story, and the demo prints commands to try against it
 * (`kycnet audit ...` on the story's attestations and consent, the nodes' APIs) until Ctrl-C.
 * With `--postgres` each bank's vault is a database on a throwaway PostgreSQL (Debian's binaries,
 * scripts/postgres/cluster.ts) instead of LevelDB.
 */
import { citizenRecordOf } from "../cards/people.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAuditor } from "@kycnet/sdk/auditor";
import { BankApiError, createBankClient, type BankClient } from "@kycnet/sdk/bank";
import { collectionConsent, createSubjectKey, grantConsent, revokeConsent } from "@kycnet/sdk/customer";
import { packageChipFiles } from "@kycnet/sdk/bank";
import { RECORD_FIELDS, fieldsOfMask, type Hex } from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { createRegistrySimulator } from "../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { CitizenPhotos } from "../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import { colour, renderFacts, renderTable, stepper } from "../../node/src/cli/output.ts";
import { answerChallenge } from "../chip/aa.ts";
import { createTestPki, generateChip, type GeneratedChip } from "../chip/generate.ts";
import { pem } from "../chip/pki.ts";
import { DEMO_HSM_PIN, prepareConsortium } from "../consortium/setup.ts";
import { startLocalChain } from "../lib/local-chain.ts";
import { startPostgresCluster } from "../postgres/cluster.ts";
import { makeDemoCustomer } from "./customer.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIR = join(ROOT, ".kycnet/demo");
const KEEP = process.argv.includes("--keep");
const POSTGRES = process.argv.includes("--postgres");
const say = (s = "") => process.stdout.write(`${s}\n`);
const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-6)}`;
const date = (t: bigint) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
const timings: Array<{ step: string; ms: number }> = [];
/** The version of the (made-up) privacy notice the demo customer agrees to before the collection. */
const DEMO_NOTICE = "demo-notice-2026-01";
const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  try {
    return await run();
  } finally {
    timings.push({ step: label, ms: Math.round(performance.now() - t) });
  }
};

const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null
        ? Promise.resolve()
        : new Promise((r) => {
            c.once("exit", r);
            setTimeout(r, 5000);
          }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    say(colour.yellow("\nstopping…"));
    // Ctrl-C is how a kept consortium is meant to end: a success, not an interruption.
    void stopAll().then(() => process.exit(KEEP ? 0 : 130));
  });

async function waitReady(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`node exited (${child.exitCode}); see ${log}`);
    try {
      if ((await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`node at ${url} not ready in time; see ${log}`);
}

/** The customer's phone reads the card's chip: the node's challenge, signed by the chip, sent with the files. */
async function readChip(client: BankClient, sessionId: string, chip: GeneratedChip) {
  const { challenge } = await client.createChipChallenge(sessionId);
  const response = answerChallenge(chip.activeAuthenticationKey, Buffer.from(challenge, "hex"));
  return client.uploadChip(sessionId, packageChipFiles({ ...chip.files }, { challenge, response }));
}

/** Answers the node's liveness challenge with the customer's frames, then asks for the decision. */
async function selfieAndDecide(
  client: BankClient,
  sessionId: string,
  customer: Awaited<ReturnType<typeof makeDemoCustomer>>,
) {
  const challenge = await client.createLivenessChallenge(sessionId);
  const frames = await customer.framesFor(challenge, Date.now());
  await client.uploadSelfie(sessionId, challenge.challengeId, frames);
  return { steps: challenge.steps, decision: await client.decide(sessionId) };
}

async function waitAnchored(client: BankClient, uid: Hex): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await client.attestationStatus(uid)).status === "VALID") return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`attestation ${uid} not anchored in time`);
}

const refusal = async (run: () => Promise<unknown>): Promise<string> => {
  try {
    await run();
  } catch (error) {
    if (error instanceof BankApiError) return `${error.status} ${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("the request was accepted but must be refused");
};

const step = stepper(11);
const started = performance.now();
say(
  colour.bold(
    "kycnet demo: verify once at bank A, re-onboard at bank B in a minute, with consent and a fresh face match\n",
  ),
);
try {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });

  const chain = await step("Starting a local chain (Hardhat EDR, JSON-RPC on 127.0.0.1)", () => startLocalChain());
  stops.push(() => chain.stop());

  const model = await loadOnnxFaceModel();
  const customer = await step(
    "Making a customer: a rendered CCCD card of a made-up person, selfie frames from an eval face",
    () => makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model }),
  );
  // The registry keeps the model: it compares a level-2 chip portrait with its photo of the citizen.
  stops.push(() => model.close());
  const p = customer.person;
  // The card's chip, signed by a test CSCA that every bank's node trusts (config chip.trustList).
  const pki = createTestPki("rsa");
  const chip = await generateChip({
    index: 0,
    seed: 7,
    pki,
    variant: "valid",
    holder: { person: p, portrait: customer.portrait },
  });
  const trustList = join(DIR, "csca.pem");
  writeFileSync(trustList, pem("CERTIFICATE", pki.csca.der));
  const registryPhotos = new CitizenPhotos(model);
  await registryPhotos.enrol(p.idNumber, customer.portrait);
  const registry = createRegistrySimulator({ citizens: [citizenRecordOf(p)], photos: registryPhotos });
  const registryUrl = await registry.start();
  stops.push(() => registry.stop());

  const setup = await step("Provisioning three banks: SoftHSM2 tokens, keys inside, contracts, admission by vote", () =>
    prepareConsortium({
      dir: DIR,
      rpcUrl: chain.url,
      chainId: chain.chainId,
      registryUrl,
      bankNames: ["Bank A", "Bank B", "Bank C"],
      threshold: 2,
      chipTrustList: trustList,
    }),
  );
  say(renderTable(setup.banks.map((b) => ({ bank: b.name, "HSM account": b.account, api: b.apiUrl }))));
  say(
    renderTable(
      setup.governance.map((g) => ({
        proposal: g.action,
        proposer: g.proposer,
        "approved by": g.approvers.join(", ") || "(proposer alone: threshold 1)",
      })),
    ),
  );

  // --postgres: one database per bank on one throwaway cluster; the password only in the environment.
  const storeEnv: Record<string, string> = {};
  if (POSTGRES) {
    await step("Starting PostgreSQL (one database per bank's vault)", async () => {
      const cluster = await startPostgresCluster();
      stops.push(() => cluster.destroy());
      for (const bank of setup.banks) {
        const url = new URL(await cluster.createDatabase(`vault_${bank.slug.replace(/[^a-z0-9]/g, "_")}`));
        storeEnv.KYCNET_PG_PASSWORD = decodeURIComponent(url.password);
        const config = JSON.parse(readFileSync(bank.configPath, "utf8")) as Record<string, unknown>;
        const store = { kind: "postgres", host: url.hostname, port: Number(url.port), user: url.username };
        config.vault = { store: { ...store, database: url.pathname.slice(1) } };
        writeFileSync(bank.configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
      }
    });
  }

  await step(
    "Starting three nodes (kycnet node start), each with its HSM, vault, pipeline and libp2p host",
    async () => {
      await Promise.all(
        setup.banks.map(async (bank) => {
          const log = join(DIR, `${bank.slug}.log`);
          const child = spawn(
            process.execPath,
            ["--import", "tsx", join(ROOT, "node/src/cli/main.ts"), "node", "start", "--config", bank.configPath],
            {
              cwd: ROOT,
              env: { ...process.env, ...storeEnv, KYCNET_HSM_PIN: DEMO_HSM_PIN },
              stdio: ["ignore", "pipe", "pipe"],
            },
          );
          const out = createWriteStream(log);
          child.stdout.pipe(out);
          child.stderr.pipe(out);
          children.push(child);
          await waitReady(bank.apiUrl, child, log);
        }),
      );
    },
  );
  const [bankA, bankB, bankC] = setup.banks as [
    (typeof setup.banks)[number],
    (typeof setup.banks)[number],
    (typeof setup.banks)[number],
  ];
  const a = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.operator });
  const b = createBankClient({ baseUrl: bankB.apiUrl, apiKey: bankB.apiKeys.operator });
  const c = createBankClient({ baseUrl: bankC.apiUrl, apiKey: bankC.apiKeys.operator });

  // --- onboarding at bank A ------------------------------------------------------------------
  const subjectA = createSubjectKey();
  const onboarding = await step(
    `Bank A onboards ${p.fullName} at level 2: NFC chip (passive + active authentication), card (QR, MRZ, OCR, tamper), liveness, face match against the chip portrait, registry, sanctions`,
    () =>
      timed("full eKYC with chip at bank A (server side)", async () => {
        const { sessionId } = await a.createSession(subjectA.address as Hex);
        // The app shows the bank's notice; the customer agrees before anything is captured (Decree 13).
        const consent = await a.recordCollectionConsent(
          sessionId,
          collectionConsent({ version: DEMO_NOTICE, chip: true }),
        );
        const chipResult = await readChip(a, sessionId, chip);
        await a.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
        await a.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
        // The customer checks what was read and confirms it (seed 003, Bước 3).
        const reading = await a.readDocumentFields(sessionId);
        await a.confirmDocumentFields(sessionId, { corrections: [] });
        return { consent, reading, chip: chipResult, ...(await selfieAndDecide(a, sessionId, customer)) };
      }),
  );
  say(
    renderFacts({
      "consent to the collection": `notice ${onboarding.consent.noticeVersion}, purpose ${onboarding.consent.purpose}, recorded ${onboarding.consent.recordedAt}`,
      "fields read, confirmed by the customer": onboarding.reading.fields
        .filter((f) => f.value !== "")
        .map((f) => `${f.field} (${f.source ?? "-"} ${f.confidence})`)
        .join(", "),
      chip: `${onboarding.chip.status}, active authentication ${onboarding.chip.activeAuthentication}, data groups ${onboarding.chip.dataGroupsVerified.join(", ")} verified`,
      "liveness challenge": onboarding.steps.join(" → "),
      decision: onboarding.decision.outcome,
      "assurance level": `${onboarding.decision.assuranceLevel} (daily limit ${onboarding.decision.dailyLimitVnd ?? "-"} VND)`,
      "attestation uid": onboarding.decision.attestationUid,
      reasons: onboarding.decision.reasons.map((r) => r.code).join(", ") || "none",
    }),
  );
  if (onboarding.decision.outcome !== "PASS") throw new Error("onboarding did not pass");
  if (onboarding.decision.assuranceLevel !== 2) throw new Error("onboarding did not reach level 2");
  const uidA = onboarding.decision.attestationUid!;
  await step("Bank A's outbox anchors the attestation (salted commitments only)", () =>
    timed("anchoring at bank A", () => waitAnchored(a, uidA)),
  );

  // --- consent and re-onboarding at bank B ------------------------------------------------------
  const chainInfo = { chainId: setup.chainId, consentRegistry: setup.addresses.consents };
  const consent = await step("The customer's app signs a consent for bank B (EIP-712, all fields, 30 days)", () =>
    grantConsent({
      subjectKey: subjectA,
      attestationUid: uidA,
      grantee: bankB.account,
      purpose: "ONBOARDING",
      fields: [...RECORD_FIELDS],
      validFor: 30 * 86_400,
      chain: chainInfo,
    }),
  );
  const subjectB = createSubjectKey();
  const reuse = await step(
    "Bank B re-onboards: relays the consent, fetches A's record over libp2p, fresh selfie, REUSE attestation",
    () =>
      timed("re-onboarding at bank B (server side)", async () => {
        const session = await timed("  consent relay + record fetch + field verification", () =>
          b.createReuseSession({
            subject: subjectB.address as Hex,
            attestationUid: uidA,
            grant: consent.grant,
            signature: consent.signature,
          }),
        );
        const result = await timed("  liveness + face match against A's template + vault", () =>
          selfieAndDecide(b, session.sessionId, customer),
        );
        return { session, ...result };
      }),
  );
  say(
    renderFacts({
      "record from": reuse.session.issuer,
      "source uid": short(reuse.session.sourceUid),
      decision: reuse.decision.outcome,
      "B's attestation uid": reuse.decision.attestationUid,
      "consent fields": fieldsOfMask(consent.grant.fieldMask).length + " of 11",
    }),
  );
  if (reuse.decision.outcome !== "PASS") throw new Error("re-onboarding did not pass");
  await timed("anchoring at bank B", () => waitAnchored(b, reuse.decision.attestationUid!));

  // --- refusals --------------------------------------------------------------------------------
  const byC = await step("Bank C presents the customer's consent for bank B: refused", () =>
    refusal(() =>
      c.createReuseSession({
        subject: createSubjectKey().address as Hex,
        attestationUid: uidA,
        grant: consent.grant,
        signature: consent.signature,
      }),
    ),
  );
  say(colour.dim(`      ${byC}`));
  const afterRevocation = await step(
    "The customer revokes the consent (relayed by bank B); B asks A again: refused",
    async () => {
      const revocation = await revokeConsent({ subjectKey: subjectA, consentId: consent.consentId, chain: chainInfo });
      await b.relayConsentRevocation(consent.consentId, revocation.revocation, revocation.signature);
      return refusal(() =>
        b.createReuseSession({
          subject: createSubjectKey().address as Hex,
          attestationUid: uidA,
          grant: consent.grant,
          signature: consent.signature,
        }),
      );
    },
  );
  say(colour.dim(`      ${afterRevocation}`));

  // --- auditor -----------------------------------------------------------------------------------
  const provider = createRpcProvider(chain.url, { chainId: chain.chainId });
  stops.push(async () => provider.destroy());
  const auditor = createAuditor({ provider, addresses: setup.addresses });
  const [reportA, reportB, reportConsent] = await step(
    "The auditor checks both attestations and the consent trail from chain data alone",
    () =>
      Promise.all([
        auditor.inspectAttestation(uidA),
        auditor.inspectAttestation(reuse.decision.attestationUid!),
        auditor.inspectConsent(consent.consentId),
      ]),
  );
  say(colour.bold("\nWhat the auditor sees"));
  say(
    renderTable(
      [reportA, reportB].map((r) => ({
        uid: short(r.uid),
        issuer: r.issuerName,
        "member when anchored": r.issuerActiveAtAnchoring,
        method: r.method,
        level: r.assuranceLevel,
        pipeline: r.pipelineVersion,
        "source (salted commitment)": BigInt(r.refCommitment) === 0n ? "" : short(r.refCommitment),
        status: r.status,
        findings: r.findings.length === 0 ? "none" : r.findings.join("; "),
      })),
    ),
  );
  say(
    renderTable(
      reportConsent.history.map((e) => ({
        block: e.blockNumber,
        event: e.kind,
        at: date(e.at),
        by: short(e.by),
        fields: e.fieldMask === undefined ? "" : `${fieldsOfMask(e.fieldMask).length} fields`,
        "consent then": e.consentStatusThen ?? "",
      })),
    ),
  );
  say(
    renderFacts({
      "consent now": reportConsent.status,
      findings: reportConsent.findings.length === 0 ? "none" : reportConsent.findings.join("; "),
    }),
  );

  say(colour.bold("\nTimings"));
  say(renderTable(timings.map((t) => ({ step: t.step, ms: t.ms }))));
  say(colour.green(`\ndemo done in ${((performance.now() - started) / 1000).toFixed(1)} s; node logs in ${DIR}`));

  if (KEEP) {
    const addressesFile = join(DIR, "addresses.json");
    writeFileSync(addressesFile, `${JSON.stringify(setup.addresses, null, 2)}\n`);
    const kycnet = join(ROOT, "bin/kycnet");
    const audit = `${kycnet} audit --rpc ${chain.url} --addresses ${addressesFile}`;
    say(colour.bold("\nThe consortium is still running (--keep). Try:"));
    say(
      [
        `  ${audit} attestation ${uidA}`,
        `  ${audit} attestation ${reuse.decision.attestationUid!}`,
        `  ${audit} consent ${consent.consentId}`,
        `  ${audit} disclosures --attestation ${uidA}`,
        ...setup.banks.map((bank) => `  curl -s ${bank.apiUrl}/ready                     # ${bank.name}`),
        `  curl -s -H 'authorization: Bearer ${bankA.apiKeys.reviewer}' ${bankA.apiUrl}/v1/review/cases`,
        `  open ${bankA.apiUrl}/docs`,
      ].join("\n"),
    );
    say(colour.dim("Ctrl-C stops the nodes, the registry simulator and the chain."));
    say("demo: consortium kept running");
    await new Promise<never>(() => undefined);
  }
} finally {
  await stopAll();
}
