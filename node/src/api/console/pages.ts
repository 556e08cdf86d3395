/**
 * The console's pages: one per task (sign-in, queue, case, operator), server-rendered, usable without
 * JavaScript (plain links and forms, Post/Redirect/Get) and enhanced by htmx (`hx-boost`: links and
 * forms swap the page body without a reload). Every control has a label; every value goes through
 * `html`, which escapes it.
 */
import { CASE_KINDS, type CaseKind } from "@kycnet/sdk/bank";
import type {
  AttestationStatusView,
  CaseDetail,
  ConsentStatusView,
  ConsoleSession,
  OperationsReads,
  ReviewCasePage,
} from "../../onboarding/ports.ts";
import { html, type SafeHtml } from "./html.ts";

export interface PageFrame {
  readonly title: string;
  readonly session: ConsoleSession | null;
  readonly notice?: string;
}

export function layout(frame: PageFrame, body: SafeHtml): SafeHtml {
  const s = frame.session;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles": false, "allowEval": false, "selfRequestsOnly": true, "responseHandling": [{"code": "204", "swap": false}, {"code": "...", "swap": true}]}'
        />
        <title>${frame.title} · kycnet console</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/htmx.min.js" defer></script>
      </head>
      <body hx-boost="true">
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <strong>kycnet console</strong>
          <nav aria-label="Console">
            ${s?.role === "reviewer" ? html`<a href="/console">Review queue</a>` : ""}
            ${s?.role === "operator" ? html`<a href="/console/operator">Operations</a>` : ""}
          </nav>
          ${
            s
              ? html`<span>Signed in as ${s.keyId} (${s.role})</span>
                  <form method="post" action="/console/sign-out">
                    <input type="hidden" name="csrf" value="${s.csrfToken}" />
                    <button type="submit">Sign out</button>
                  </form>`
              : ""
          }
        </header>
        <main id="main">${frame.notice ? html`<p class="notice" role="status">${frame.notice}</p>` : ""} ${body}</main>
      </body>
    </html>`;
}

export function signInPage(error?: string): SafeHtml {
  return layout(
    { title: "Sign in", session: null },
    html`<h1>Sign in</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
      <form method="post" action="/console/sign-in" hx-boost="false">
        <label for="apiKey"
          >Your reviewer or operator API key
          <input id="apiKey" name="apiKey" type="password" autocomplete="off" required maxlength="256" autofocus />
        </label>
        <p><button type="submit">Sign in</button></p>
      </form>
      <p>The key is exchanged for a session cookie (HttpOnly, SameSite=Strict); it is not kept by the browser.</p>`,
  );
}

export interface QueueView {
  readonly page: ReviewCasePage;
  readonly filter: { status?: string; reason?: string; kind?: string; olderThanHours?: number };
  readonly reasonCodes: readonly string[];
  readonly nextHref: string | null;
  readonly now: Date;
}

const STATUSES = ["OPEN", "CLAIMED", "APPROVED", "REJECTED"] as const;
const KIND_LABELS: Readonly<Record<CaseKind, string>> = {
  ONBOARDING: "onboarding",
  RESCREEN: "sanctions re-screen",
  DUPLICATE: "duplicate identity",
  SOURCE_REVOKED: "source revoked",
};
/** What approving and rejecting do, per kind (the buttons are the same for every kind). */
const KIND_OUTCOMES: Readonly<Record<CaseKind, string>> = {
  ONBOARDING: "Approve anchors the record; reject destroys it.",
  RESCREEN: "The record stays as it is: approve clears the hit, reject confirms it.",
  DUPLICATE: "Approve anchors the record despite the collision; reject destroys it.",
  SOURCE_REVOKED: "Approve keeps this bank's attestation; reject revokes it on chain with the source's reason.",
};
const AGES = [
  { hours: 1, label: "older than 1 hour" },
  { hours: 4, label: "older than 4 hours" },
  { hours: 24, label: "older than 1 day" },
  { hours: 72, label: "older than 3 days" },
] as const;

function age(createdAt: string, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

export function queuePage(session: ConsoleSession, view: QueueView, notice?: string): SafeHtml {
  const { filter, page } = view;
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}" ${selected ? html` selected` : ""}>${label}</option>`;
  return layout(
    { title: "Review queue", session, ...(notice ? { notice } : {}) },
    html`<h1>Review queue</h1>
      <form class="filters" method="get" action="/console" role="search" aria-label="Filter cases">
        <label for="status"
          >Status
          <select id="status" name="status">
            ${option("", "any", filter.status === undefined)}
            ${STATUSES.map((s) => option(s, s.toLowerCase(), filter.status === s))}
          </select>
        </label>
        <label for="reason"
          >Reason
          <select id="reason" name="reason">
            ${option("", "any", filter.reason === undefined)}
            ${view.reasonCodes.map((r) => option(r, r, filter.reason === r))}
          </select>
        </label>
        <label for="kind"
          >Kind
          <select id="kind" name="kind">
            ${option("", "any", filter.kind === undefined)}
            ${CASE_KINDS.map((k) => option(k, KIND_LABELS[k], filter.kind === k))}
          </select>
        </label>
        <label for="age"
          >Age
          <select id="age" name="olderThanHours">
            ${option("", "any", filter.olderThanHours === undefined)}
            ${AGES.map((a) => option(String(a.hours), a.label, filter.olderThanHours === a.hours))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <table>
        <caption class="skip">
          Cases, oldest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Case</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Reasons</th>
            <th scope="col">Age</th>
            <th scope="col">Reviewer</th>
          </tr>
        </thead>
        <tbody>
          ${
            page.cases.length === 0
              ? html`<tr>
                  <td colspan="6">No case matches.</td>
                </tr>`
              : page.cases.map(
                  (c) =>
                    html`<tr>
                      <td><a href="/console/cases/${c.caseId}">${c.caseId}</a></td>
                      <td>${KIND_LABELS[c.kind]}</td>
                      <td>${c.status}</td>
                      <td>${c.reasons.map((r) => r.code).join(", ")}</td>
                      <td>${age(c.createdAt, view.now)}</td>
                      <td>${c.reviewer ?? ""}</td>
                    </tr>`,
                )
          }
        </tbody>
      </table>
      ${view.nextHref ? html`<p><a href="${view.nextHref}" rel="next">Next page</a></p>` : ""}`,
  );
}

const pct = (n: number | null) => (n === null ? "n/a" : n.toFixed(3));

function evidenceImages(detail: CaseDetail): SafeHtml {
  const caseId = detail.case.caseId;
  const reference = detail.images.includes("chip-portrait") ? "chip-portrait" : "front";
  const figure = (part: string, caption: string) =>
    detail.images.includes(part)
      ? html`<figure>
          <img src="/console/cases/${caseId}/images/${part}" alt="${caption}" />
          <figcaption>${caption}</figcaption>
        </figure>`
      : "";
  const frames = detail.images.filter((p) => p.startsWith("frame-"));
  return html`<h2 id="faces">Reference against selfie</h2>
    <div class="side-by-side">
      ${figure(reference, reference === "chip-portrait" ? "Chip portrait (signed)" : "Card front (portrait)")}
      ${frames.length > 0 ? figure(frames[0]!, "Selfie, first frame") : html`<p>No selfie frame kept.</p>`}
      ${figure("back", "Card back")}
    </div>
    ${
      frames.length > 1
        ? html`<details>
            <summary>All ${frames.length} selfie frames</summary>
            <div class="side-by-side">${frames.map((f) => figure(f, `Selfie ${f}`))}</div>
          </details>`
        : ""
    }`;
}

function evidenceTables(detail: CaseDetail): SafeHtml {
  const e = detail.evidence;
  if (e === null)
    return html`<p class="notice">No evidence is kept for this case (opened before evidence was kept, or erased).</p>`;
  const sources = ["qr", "mrz", "ocr"];
  return html`<h2>Field readings by source</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value kept</th>
          ${sources.map((s) => html`<th scope="col">${s.toUpperCase()}</th>`)}
          <th scope="col">Agreement</th>
        </tr>
      </thead>
      <tbody>
        ${e.fields.map(
          (f) =>
            html`<tr class="${f.agreement === "disagree" ? "disagree" : ""}">
              <th scope="row">${f.field}</th>
              <td>${f.value}</td>
              ${sources.map((s) => html`<td>${f.readings[s] ?? ""}</td>`)}
              <td>${f.agreement}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      e.disagreements.length > 0
        ? html`<ul>
            ${e.disagreements.map((d) => html`<li class="flag">${d.field}: ${d.reason}</li>`)}
          </ul>`
        : ""
    }
    ${customerAnswers(e)}
    <div class="grid">
      <section aria-labelledby="scores">
        <h2 id="scores">Face and liveness</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">Matched against</th>
              <td>${e.face.reference}</td>
            </tr>
            <tr>
              <th scope="row">Similarity</th>
              <td>${pct(e.face.similarity)}</td>
            </tr>
            <tr>
              <th scope="row">Score (0-100)</th>
              <td>${e.face.score === null ? "n/a" : e.face.score.toFixed(1)} ${e.face.band ?? ""}</td>
            </tr>
            <tr>
              <th scope="row">Active liveness</th>
              <td>
                ${e.face.activeLivenessPassed === null ? "n/a" : e.face.activeLivenessPassed ? "passed" : "failed"}
              </td>
            </tr>
            <tr>
              <th scope="row">Passive liveness (min)</th>
              <td>${pct(e.face.passiveLivenessMin)}</td>
            </tr>
            <tr>
              <th scope="row">Face reasons</th>
              <td>${e.face.reasons.join(", ")}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <section aria-labelledby="checks">
        <h2 id="checks">Checks</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">Registry</th>
              <td>${e.registry ? `${e.registry.status} ${e.registry.detail}` : "not asked"}</td>
            </tr>
            <tr>
              <th scope="row">Sanctions</th>
              <td>
                ${
                  e.sanctions === null
                    ? "not screened (no list loaded)"
                    : e.sanctions.hits.length === 0
                      ? `no hit (${e.sanctions.listVersion})`
                      : html`<ul>
                          ${e.sanctions.hits.map(
                            (h) =>
                              html`<li class="flag">
                                ${h.matchedName} (${h.source} ${h.reference}) score ${h.score.toFixed(3)}, birth date
                                ${h.dateOfBirth}, nationality ${h.nationality}
                              </li>`,
                          )}
                        </ul>`
                }
              </td>
            </tr>
            <tr>
              <th scope="row">Chip</th>
              <td>${e.chip ? `${e.chip.status} ${e.chip.failures.join(", ")}` : "not read"}</td>
            </tr>
            ${
              e.source
                ? html`<tr>
                    <th scope="row">Source attestation</th>
                    <td>${e.source.uid} (issuer ${e.source.issuer})</td>
                  </tr>`
                : ""
            }
          </tbody>
        </table>
        <h2>Tamper signals</h2>
        ${
          e.signals.length === 0
            ? html`<p>None.</p>`
            : html`<ul>
                ${e.signals.map((s) => html`<li class="${s.score >= 0.5 ? "flag" : ""}">${s.code} ${s.score.toFixed(2)}: ${s.reason}</li>`)}
              </ul>`
        }
      </section>
    </div>`;
}

/** What the customer said: their corrections of the fields read (with the source of the value read), and their consent. */
function customerAnswers(e: NonNullable<CaseDetail["evidence"]>): SafeHtml {
  const confirmation = e.customerConfirmation;
  const consent = e.collectionConsent;
  return html`<h2 id="customer">The customer's answers</h2>
    ${
      confirmation === null
        ? html`<p>The customer was not asked to confirm the fields read.</p>`
        : confirmation.corrections.length === 0
          ? html`<p>The customer confirmed every field as read (${confirmation.confirmedAt}).</p>`
          : html`<table aria-labelledby="customer">
              <caption>
                Corrections by the customer (${confirmation.confirmedAt})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value read</th>
                  <th scope="col">Source of the value read</th>
                  <th scope="col">Customer's value</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                ${confirmation.corrections.map(
                  (c) =>
                    html`<tr class="${c.outcome === "REVIEW" ? "disagree" : ""}">
                      <th scope="row">${c.field}</th>
                      <td>${c.read}</td>
                      <td>${c.source ?? "nothing read"}</td>
                      <td>${c.corrected}</td>
                      <td>${c.outcome === "REVIEW" ? "for the reviewer (value read kept)" : "kept (value used)"}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
    <p>
      Consent to the collection:
      ${
        consent === null
          ? "not recorded with this case"
          : `notice ${consent.noticeVersion}, purpose ${consent.purpose}, recorded ${consent.recordedAt}, covering ${consent.fields.join(", ")}`
      }
    </p>`;
}

function actions(detail: CaseDetail, session: ConsoleSession): SafeHtml {
  const c = detail.case;
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrfToken}" />`;
  const decide = (verb: "approve" | "reject", label: string) =>
    html`<form method="post" action="/console/cases/${c.caseId}/${verb}">
      ${csrf}
      <label for="comment-${verb}"
        >Reason for ${verb === "approve" ? "approving" : "rejecting"}
        <textarea id="comment-${verb}" name="comment" required maxlength="2000"></textarea>
      </label>
      <button type="submit">${label}</button>
    </form>`;
  if (c.status === "OPEN")
    return html`<form method="post" action="/console/cases/${c.caseId}/claim">
      ${csrf}<button type="submit">Claim this case</button>
    </form>`;
  if (c.status === "CLAIMED" && c.reviewer === session.keyId)
    return html`<div class="actions">${decide("approve", "Approve")}${decide("reject", "Reject")}</div>`;
  if (c.status === "CLAIMED") return html`<p>Claimed by ${c.reviewer ?? ""}.</p>`;
  return html`<p>
    Decided: ${c.status} by ${c.reviewer ?? ""} at ${c.decidedAt ?? ""}. Comment:
    <q>${detail.resolutionComment ?? ""}</q>
  </p>`;
}

export function casePage(session: ConsoleSession, detail: CaseDetail, notice?: string): SafeHtml {
  const c = detail.case;
  return layout(
    { title: `Case ${c.caseId}`, session, ...(notice ? { notice } : {}) },
    html`<p><a href="/console">Back to the queue</a></p>
      <h1>Case ${c.caseId} <small>${c.status}</small></h1>
      <p>Kind: ${KIND_LABELS[c.kind]}. ${KIND_OUTCOMES[c.kind]}</p>
      <p>
        Decision: REVIEW (${detail.decisionMethod}) because: ${detail.decisionReasons.map((r) => r.message).join("; ")}
      </p>
      ${
        detail.needsFourEyes
          ? html`<p class="notice">
              High-risk case: two different reviewers must approve
              it.${
                detail.firstApproval
                  ? html` First approval by ${detail.firstApproval.reviewer} at ${detail.firstApproval.at}:
                      <q>${detail.firstApproval.comment}</q>`
                  : ""
              }
            </p>`
          : ""
      }
      <section aria-label="Actions">${actions(detail, session)}</section>
      ${evidenceImages(detail)} ${evidenceTables(detail)}`,
  );
}

/** The operations page's queues, members and consent activity (null: this node does not provide them). */
export interface OperationsView {
  readonly anchoring: Awaited<ReturnType<OperationsReads["anchoring"]>>;
  readonly webhooks: { readonly pending: number; readonly delivered: number; readonly dead: number };
  readonly members: Awaited<ReturnType<OperationsReads["members"]>>;
  readonly consentActivity: Awaited<ReturnType<OperationsReads["consentActivity"]>>;
  readonly now: Date;
}

export interface OperatorView {
  readonly readiness: ReadonlyArray<{ name: string; up: boolean }>;
  readonly operations: OperationsView | null;
  readonly attestation: AttestationStatusView | null;
  readonly consent: ConsentStatusView | null;
  readonly lookupError: string | null;
}

export function operatorPage(session: ConsoleSession, view: OperatorView): SafeHtml {
  return layout(
    { title: "Operations", session },
    html`<h1>Operations</h1>
      <h2>Health (anchoring, chain, vault, HSM)</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          ${view.readiness.map(
            (r) =>
              html`<tr>
                <th scope="row">${r.name}</th>
                <td class="${r.up ? "" : "flag"}">${r.up ? "up" : "down"}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${view.operations === null ? "" : operationsSections(view.operations)}
      ${view.lookupError ? html`<p class="error" role="alert">${view.lookupError}</p>` : ""}
      <div class="grid">
        <section aria-labelledby="att">
          <h2 id="att">Attestation</h2>
          <form method="get" action="/console/operator">
            <label for="uid"
              >Attestation uid<input id="uid" name="uid" pattern="0x[0-9a-fA-F]{64}" maxlength="66"
            /></label>
            <button type="submit">Look up</button>
          </form>
          ${view.attestation ? html`<p>${view.attestation.uid}: <strong>${view.attestation.status}</strong> (checked ${view.attestation.checkedAt})</p>` : ""}
        </section>
        <section aria-labelledby="con">
          <h2 id="con">Consent</h2>
          <form method="get" action="/console/operator">
            <label for="consentId"
              >Consent id<input id="consentId" name="consentId" pattern="0x[0-9a-fA-F]{64}" maxlength="66"
            /></label>
            <button type="submit">Look up</button>
          </form>
          ${view.consent ? html`<p>${view.consent.consentId}: <strong>${view.consent.status}</strong> (checked ${view.consent.checkedAt})</p>` : ""}
        </section>
      </div>`,
  );
}

/** Queues (anchoring outbox, webhook outbox), members, and the latest consents and disclosures. */
function operationsSections(o: OperationsView): SafeHtml {
  const oldest = o.anchoring.oldestQueuedAt;
  return html`<div class="grid">
      <section aria-labelledby="queues">
        <h2 id="queues">Queues</h2>
        <table aria-labelledby="queues">
          <tbody>
            <tr>
              <th scope="row">Records waiting for anchoring</th>
              <td>${String(o.anchoring.waiting)}</td>
            </tr>
            <tr>
              <th scope="row">Oldest waiting record</th>
              <td class="${oldest !== null && o.now.getTime() - Date.parse(oldest) > 3_600_000 ? "flag" : ""}">
                ${oldest === null ? "none waits" : `queued ${age(oldest, o.now)} ago (${oldest})`}
              </td>
            </tr>
            <tr>
              <th scope="row">Records parked after failed anchoring</th>
              <td class="${o.anchoring.parked > 0 ? "flag" : ""}">${String(o.anchoring.parked)}</td>
            </tr>
            <tr>
              <th scope="row">Webhooks waiting</th>
              <td>${String(o.webhooks.pending)}</td>
            </tr>
            <tr>
              <th scope="row">Webhooks dead-lettered</th>
              <td class="${o.webhooks.dead > 0 ? "flag" : ""}">${String(o.webhooks.dead)}</td>
            </tr>
            <tr>
              <th scope="row">Webhooks delivered</th>
              <td>${String(o.webhooks.delivered)}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <section aria-labelledby="members">
        <h2 id="members">Members</h2>
        <table aria-labelledby="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Account</th>
              <th scope="col">On chain</th>
            </tr>
          </thead>
          <tbody>
            ${o.members.map(
              (m) =>
                html`<tr>
                  <th scope="row">${m.name}${m.self ? " (this bank)" : ""}</th>
                  <td><code>${m.account}</code></td>
                  <td class="${m.active ? "" : "flag"}">${m.active ? "active" : "not active"}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
    </div>
    <section aria-labelledby="consents">
      <h2 id="consents">Consents and disclosures</h2>
      ${
        o.consentActivity.length === 0
          ? html`<p>None recorded lately.</p>`
          : html`<table aria-labelledby="consents">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">By</th>
                  <th scope="col">On</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                ${o.consentActivity.map(
                  (a) =>
                    html`<tr>
                      <td>${a.at}</td>
                      <td>${ACTIVITY_NAMES[a.action] ?? a.action}</td>
                      <td>${a.actor}</td>
                      <td><code>${a.target}</code></td>
                      <td>${a.outcome}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}

const ACTIVITY_NAMES: Readonly<Record<string, string>> = {
  "onboarding.collection-consent": "consent to the collection",
  "onboarding.reuse.create": "consent relayed (re-onboarding)",
  "consent.revoke.relay": "consent revocation relayed",
  "record.opened": "record disclosed under consent",
};

export function errorPage(session: ConsoleSession | null, status: number, title: string, detail: string): SafeHtml {
  return layout(
    { title, session },
    html`<h1>${status} ${title}</h1>
      <p class="error" role="alert">${detail}</p>
      <p><a href="/console">Back to the console</a></p>`,
  );
}
