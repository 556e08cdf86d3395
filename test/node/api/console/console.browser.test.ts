/**
 * The reviewer console in a real browser (Debian's chromium driven by puppeteer-core) over a node's
 * real review side: two customers onboarded through the real pipeline (OCR engines, ONNX face model,
 * registry simulator, LevelDB vault), so each case carries the evidence that decision saw. A node
 * without a sanctions list decides REVIEW (SANCTIONS_NOT_SCREENED); the four-eyes rule here names
 * that reason, so both cases need two different reviewers to approve.
 *
 * Bad input: a name read from the card (OCR) that is a `<script>` and an `onerror=`
 * attribute, and a reviewer's comment with the same; CSRF (missing or wrong token, a cross-site form
 * from another site), session fixation and wrong roles get 403. Screenshots go to docs/ (1024x700).
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import sharp from "sharp";
import type { Hex } from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel, type FaceModel } from "../../../../node/src/ekyc/biometrics/index.ts";
import { HttpNationalIdRegistry } from "../../../../node/src/ekyc/checks/national-id/http-adapter.ts";
import {
  createRegistrySimulator,
  type RegistrySimulator,
} from "../../../../node/src/ekyc/checks/national-id/simulator/server.ts";
import { createDocumentEngines, type DocumentEngines } from "../../../../node/src/ekyc/document/index.ts";
import type { OnboardingService } from "../../../../node/src/onboarding/ports.ts";
import { readEvidenceSummary } from "../../../../node/src/onboarding/review/case-evidence.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../../../scripts/demo/customer.ts";
import { startConsoleNode, type ConsoleKeyId, type ConsoleNode } from "./console-node.ts";
import { verifiedRecord } from "../../vault/fixtures.ts";

const ROOT = join(import.meta.dirname, "../../../..");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];
const VIEWPORT = { width: 1024, height: 700 };
const HOSTILE_NAME = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;
const HOSTILE_COMMENT = `<script>window.__xss=3</script><img src=y onerror="window.__xss=4"> looks forged`;

async function onboard(service: OnboardingService, customer: DemoCustomer) {
  const { sessionId } = await service.createSession(Wallet.createRandom().address as Hex);
  await service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
  await service.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
  await service.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
  const challenge = await service.createLivenessChallenge(sessionId);
  await service.uploadSelfieFrames(sessionId, challenge.challengeId, await customer.framesFor(challenge, Date.now()));
  return service.decide(sessionId);
}

/**
 * A small PNG of the page (palette-compressed): into docs/ with KYCNET_UPDATE_SCREENSHOTS=1, else into a
 * temporary folder, so a test run never changes tracked files.
 */
const SCREENSHOT_DIR =
  process.env.KYCNET_UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs") : mkdtempSync(join(tmpdir(), "kycnet-shots-"));
async function screenshot(page: Page, name: string): Promise<void> {
  const shot = await page.screenshot({ type: "png" });
  await sharp(shot).png({ palette: true, compressionLevel: 9, colours: 128 }).toFile(join(SCREENSHOT_DIR, name));
}

describe("api/console: the reviewer console in headless Chromium", function () {
  this.timeout(600_000);
  let model: FaceModel;
  let engines: DocumentEngines;
  let simulator: RegistrySimulator;
  let node: ConsoleNode;
  let browser: Browser;
  let attackerSite: Server;
  let caseOf: { plain: string; hostile: string };
  const contexts: BrowserContext[] = [];

  before(async () => {
    model = await loadOnnxFaceModel();
    engines = await createDocumentEngines();
    const plain = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    const citizen = ({ person: p }: DemoCustomer) => ({
      idNumber: p.idNumber,
      oldIdNumber: p.oldIdNumber,
      fullName: p.fullName,
      dateOfBirth: p.dateOfBirth,
      sex: p.sex,
      address: p.address,
    });
    simulator = createRegistrySimulator({ citizens: [citizen(plain)] });
    const registry = new HttpNationalIdRegistry({ baseUrl: await simulator.start(), deadlineMs: 10_000 });
    node = await startConsoleNode({
      fourEyesReasons: ["SANCTIONS_NOT_SCREENED"],
      engines: { documents: engines, faceModel: model, registry },
    });
    const decided = [await onboard(node.onboarding!, plain), await onboard(node.onboarding!, plain)];
    for (const d of decided) expect(d.outcome, JSON.stringify(d.reasons)).to.equal("REVIEW");
    caseOf = { plain: decided[0]!.reviewCaseId!, hostile: decided[1]!.reviewCaseId! };
    // A card printing a hostile name is refused by the tamper checks before any case opens, so the
    // second case's sealed summary gets one as if OCR had read it: the console must show it as text.
    const hostileCase = await node.queue.getCase(caseOf.hostile);
    const summary = readEvidenceSummary(await node.evidence.open(hostileCase.recordId, "summary", "test"));
    const fields = summary.fields.map((f) =>
      f.field === "fullName" ? { ...f, value: HOSTILE_NAME, readings: { ...f.readings, ocr: HOSTILE_NAME } } : f,
    );
    const hostileSummary = new TextEncoder().encode(JSON.stringify({ ...summary, fields }));
    await node.evidence.seal(hostileCase.recordId, new Map([["summary", hostileSummary]]), "test");
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, defaultViewport: VIEWPORT });
    // Another site (localhost, not 127.0.0.1) whose page posts a form to the console.
    attackerSite = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<form id="f" method="post" action="${node.url}/console/cases/${caseOf.plain}/claim"><input name="csrf" value="guess"></form>` +
          `<script>document.getElementById("f").submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attackerSite.listen(0, "localhost", resolve));
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    attackerSite?.close();
    await node?.close();
    await simulator?.stop();
    await engines?.close();
    await model?.close();
  });

  /** A fresh browser profile (own cookies) signed in with `keyId`'s API key through the sign-in form. */
  async function signedIn(keyId: ConsoleKeyId): Promise<Page> {
    const context = await browser.createBrowserContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${node.url}/console`);
    expect(new URL(page.url()).pathname).to.equal("/console/sign-in");
    await page.type("#apiKey", node.keys[keyId]);
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    return page;
  }

  // Strings, not functions: this project's TypeScript has no DOM library.
  const text = async (page: Page) => String(await page.evaluate("document.body.innerText"));
  const xss = (page: Page) => page.evaluate("window.__xss");
  const cookieOf = async (page: Page) =>
    (await page.browserContext().cookies()).find((c) => c.name === "kycnet_console");

  /** Clicks a submit button and waits until the page (swapped in place by hx-boost) shows `expected`. */
  async function submit(page: Page, selector: string, expected: string): Promise<void> {
    await page.click(selector);
    await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(expected)})`, { timeout: 20_000 });
  }

  it("signs a reviewer in from the keyboard: an HttpOnly, SameSite=Strict session cookie; the queue lists both cases", async () => {
    const page = await signedIn("reviewer-1");
    const cookie = await cookieOf(page);
    expect(cookie?.httpOnly).to.equal(true);
    expect(cookie?.sameSite).to.equal("Strict");
    expect(cookie?.path).to.equal("/console");
    expect(await page.evaluate("document.cookie")).to.equal("");
    const body = await text(page);
    expect(body).to.include(caseOf.plain).and.to.include(caseOf.hostile);
    expect(body).to.include("SANCTIONS_NOT_SCREENED");
    // Every form control has a label.
    const unlabelled = await page.evaluate(
      `[...document.querySelectorAll("select, input:not([type=hidden]), textarea")].filter((e) => e.labels.length === 0).map((e) => e.id)`,
    );
    expect(unlabelled).to.deep.equal([]);
    await screenshot(page, "console-queue.png");
  });

  it("filters the queue by status, reason, case kind and age", async () => {
    const page = await signedIn("reviewer-1");
    await page.select("#status", "CLAIMED");
    await submit(page, "form.filters button", "No case matches.");
    await page.goto(`${node.url}/console?reason=SANCTIONS_NOT_SCREENED&status=OPEN`);
    expect(await text(page)).to.include(caseOf.plain);
    await page.goto(`${node.url}/console?reason=SANCTIONS_HIT`);
    expect(await text(page)).to.include("No case matches.");
    await page.goto(`${node.url}/console?olderThanHours=24`);
    expect(await text(page)).to.include("No case matches.");
    await page.goto(`${node.url}/console?kind=ONBOARDING`);
    expect(await text(page))
      .to.include(caseOf.plain)
      .and.to.match(/\bonboarding\b/);
    await page.select("#kind", "DUPLICATE");
    await submit(page, "form.filters button", "No case matches.");
  });

  it("shows a case's evidence side by side: card portrait against the selfie, readings by source, scores", async () => {
    const page = await signedIn("reviewer-1");
    await page.goto(`${node.url}/console/cases/${caseOf.plain}`);
    await page.waitForNetworkIdle();
    const images = (await page.evaluate(
      `[...document.querySelectorAll("figure img")].map((i) => ({ alt: i.getAttribute("alt"), width: i.naturalWidth }))`,
    )) as Array<{ alt: string; width: number }>;
    expect(images.map((i) => i.alt)).to.include.members(["Card front (portrait)", "Selfie, first frame", "Card back"]);
    for (const image of images) expect(image.width, String(image.alt)).to.be.greaterThan(100);
    const body = await text(page);
    expect(body)
      .to.match(/fullName/)
      .and.to.match(/Similarity\s+0\.\d{3}/);
    expect(body).to.include("Registry").and.to.include("MATCH");
    expect(body).to.include("not screened (no list loaded)");
    expect(body).to.include("Kind: onboarding. Approve anchors the record; reject destroys it.");
    await screenshot(page, "console-case.png");
    // The images are served only to a signed-in reviewer, never cached.
    const anonymous = await fetch(`${node.url}/console/cases/${caseOf.plain}/images/front`);
    expect(anonymous.status).to.equal(403);
    const response = await page.goto(`${node.url}/console/cases/${caseOf.plain}/images/front`);
    expect(response?.headers()["cache-control"]).to.equal("no-store");
    expect(response?.headers()["content-type"]).to.equal("image/jpeg");
  });

  it("shows a name read from the card with <script> and onerror= as text", async () => {
    const page = await signedIn("reviewer-1");
    await page.goto(`${node.url}/console/cases/${caseOf.hostile}`);
    const body = await text(page);
    expect(body).to.include("<script>window.__xss=1</script>");
    expect(await xss(page)).to.equal(undefined);
    expect(await page.$$("img[src=x]")).to.have.length(0);
  });

  it("approves a high-risk case with four eyes: the first approval reopens it, only a different reviewer completes it", async () => {
    const first = await signedIn("reviewer-1");
    await first.goto(`${node.url}/console/cases/${caseOf.plain}`);
    await submit(first, "form[action$='/claim'] button", "You claimed this case.");
    await first.type("#comment-approve", "portrait and selfie agree");
    await submit(first, "form[action$='/approve'] button", "First approval recorded");
    expect(await text(first)).to.include("OPEN");
    // The same reviewer cannot give the second approval.
    await submit(first, "form[action$='/claim'] button", "409");
    expect(await text(first)).to.include("four eyes");

    const second = await signedIn("reviewer-2");
    await second.goto(`${node.url}/console/cases/${caseOf.plain}`);
    expect(await text(second)).to.include("First approval by reviewer-1");
    await submit(second, "form[action$='/claim'] button", "You claimed this case.");
    await second.type("#comment-approve", "agreed");
    await submit(second, "form[action$='/approve'] button", "Approved.");
    expect(await text(second)).to.include("APPROVED");
    const c = await node.queue.getCase(caseOf.plain);
    expect((await node.vault.getRecordMeta(c.recordId)).status).to.equal("ACTIVE");
    const actions = node.apiAudit.entries
      .filter((e) => e.target === caseOf.plain)
      .map((e) => `${e.actor} ${e.action} ${e.outcome}`);
    expect(actions).to.include.members([
      "reviewer-1 console.review.approve SUCCEEDED",
      "reviewer-2 console.review.approve SUCCEEDED",
    ]);
  });

  it("rejects with a comment holding <script> and onerror=, shown as text; the evidence is erased with the record", async () => {
    const page = await signedIn("reviewer-2");
    await page.goto(`${node.url}/console/cases/${caseOf.hostile}`);
    await submit(page, "form[action$='/claim'] button", "You claimed this case.");
    await page.type("#comment-reject", HOSTILE_COMMENT);
    await submit(page, "form[action$='/reject'] button", "Rejected.");
    const body = await text(page);
    expect(body).to.include(HOSTILE_COMMENT);
    expect(await xss(page)).to.equal(undefined);
    expect(await page.$$("img[src=y]")).to.have.length(0);
    const c = await node.queue.getCase(caseOf.hostile);
    expect(await node.evidence.listParts(c.recordId)).to.deep.equal([]);
    expect(body).to.include("No evidence is kept for this case");
  });

  describe("bad input", () => {
    it("refuses a POST with a missing or wrong CSRF token (403)", async () => {
      const page = await signedIn("reviewer-1");
      const post = (body: string) =>
        `fetch("/console/cases/${caseOf.hostile}/claim", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: ${JSON.stringify(body)} }).then((r) => r.status)`;
      const statuses = [await page.evaluate(post("")), await page.evaluate(post("csrf=wrong"))];
      expect(statuses).to.deep.equal([403, 403]);
    });

    it("refuses a form posted from another site (403: SameSite=Strict keeps the cookie off it)", async () => {
      const page = await signedIn("reviewer-1");
      const { port } = attackerSite.address() as AddressInfo;
      const navigation = page.waitForNavigation({ waitUntil: "load" });
      await page.goto(`http://localhost:${port}/`);
      const response = await navigation.catch(() => null);
      expect(new URL(page.url()).pathname).to.equal(`/console/cases/${caseOf.plain}/claim`);
      expect(response?.status() ?? 0).to.equal(403);
    });

    it("defeats session fixation: sign-in issues a new session id and deletes the planted one (403 with it)", async () => {
      const attacker = await fetch(`${node.url}/console/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ apiKey: node.keys["operator-1"] }).toString(),
        redirect: "manual",
      });
      const planted = /kycnet_console=([^;]+)/.exec(attacker.headers.get("set-cookie") ?? "")![1]!;
      const context = await browser.createBrowserContext();
      contexts.push(context);
      await context.setCookie({ name: "kycnet_console", value: planted, domain: "127.0.0.1", path: "/console" });
      const page = await context.newPage();
      await page.goto(`${node.url}/console/sign-in`);
      await page.type("#apiKey", node.keys["reviewer-1"]);
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
      const issued = await cookieOf(page);
      expect(issued?.value).to.be.a("string").and.not.equal(planted);
      const withPlanted = await fetch(`${node.url}/console/operator`, {
        headers: { cookie: `kycnet_console=${planted}` },
        redirect: "manual",
      });
      expect(withPlanted.status).to.equal(303);
      const postWithPlanted = await fetch(`${node.url}/console/sign-out`, {
        method: "POST",
        headers: { cookie: `kycnet_console=${planted}`, "content-type": "application/x-www-form-urlencoded" },
        body: "csrf=x",
        redirect: "manual",
      });
      expect(postWithPlanted.status).to.equal(303);
      const claim = await fetch(`${node.url}/console/cases/${caseOf.hostile}/claim`, {
        method: "POST",
        headers: { cookie: `kycnet_console=${planted}`, "content-type": "application/x-www-form-urlencoded" },
        body: "csrf=x",
      });
      expect(claim.status).to.equal(403);
    });

    it("shows the operator the queues (anchoring depth and oldest entry, webhooks waiting and dead), the members, and the latest consents and disclosures", async () => {
      // One record accepted and waiting for anchoring (no chain here), and consent events in the audit log.
      const { record, attestation } = verifiedRecord(41);
      await node.vault.storeVerifiedRecord({ record, attestation: attestation(1_800_000_000n), actor: "op" });
      await node.audit.append({ actor: "operator-1", action: "onboarding.collection-consent", target: "ses_1" });
      await node.audit.append({
        actor: "exchange",
        action: "record.opened",
        target: "rec_00000000000000000000000000000001",
        details: { purpose: "disclosure-under-consent" },
      });
      await node.audit.append({
        actor: "reviewer-1",
        action: "record.opened",
        target: "rec_2",
        details: { purpose: "review" },
      });
      const operator = await signedIn("operator-1");
      expect(new URL(operator.url()).pathname).to.equal("/console/operator");
      const page = await text(operator);
      // The approved cases of the tests before are waiting too: one more record is one more on the page.
      const waiting = (p: string) => Number(/Records waiting for anchoring\s+(\d+)/.exec(p)?.[1]);
      expect(waiting(page)).to.be.at.least(1);
      const another = verifiedRecord(42);
      await node.vault.storeVerifiedRecord({
        record: another.record,
        attestation: another.attestation(1_800_000_000n),
        actor: "op",
      });
      await operator.reload();
      expect(waiting(await text(operator))).to.equal(waiting(page) + 1);
      expect(page).to.match(/Oldest waiting record\s+queued \d+ min ago/);
      expect(page).to.match(/Records parked after failed anchoring\s+0/);
      expect(page).to.match(/Webhooks dead-lettered\s+\d+/);
      expect(page).to.match(/Bank A \(this bank\)\s+0x(aa){20}\s+active/);
      expect(page).to.match(/Bank B\s+0x(bb){20}\s+not active/);
      expect(page).to.include("consent to the collection").and.to.include("record disclosed under consent");
      expect(page).not.to.include("rec_2"); // a reviewer's reading is not a disclosure
      // The new tables are named by their headings (screen readers announce them).
      const named = (await operator.evaluate(
        `[...document.querySelectorAll("table[aria-labelledby]")].map((t) => document.getElementById(t.getAttribute("aria-labelledby")).textContent)`,
      )) as string[];
      expect(named).to.include.members(["Queues", "Members", "Consents and disclosures"]);
      await screenshot(operator, "console-operator.png");
    });

    it("gives the wrong role 403: an operator on review pages, a reviewer on operator pages, an auditor at sign-in", async () => {
      const operator = await signedIn("operator-1");
      expect(new URL(operator.url()).pathname).to.equal("/console/operator");
      expect(await text(operator))
        .to.include("vault")
        .and.to.include("up");
      expect((await operator.goto(`${node.url}/console`))?.status()).to.equal(403);
      expect((await operator.goto(`${node.url}/console/cases/${caseOf.plain}`))?.status()).to.equal(403);
      const reviewer = await signedIn("reviewer-1");
      expect((await reviewer.goto(`${node.url}/console/operator`))?.status()).to.equal(403);
      const auditor = await fetch(`${node.url}/console/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ apiKey: node.keys["auditor-1"] }).toString(),
        redirect: "manual",
      });
      expect(auditor.status).to.equal(403);
      expect(auditor.headers.get("set-cookie")).to.equal(null);
    });
  });
});
