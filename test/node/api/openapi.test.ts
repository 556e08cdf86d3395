import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { ErrorCode } from "@kycnet/sdk/errors";
import { RevocationReason, Decision } from "@kycnet/sdk/protocol";
import { DECISION_NAMES, REVOCATION_REASON_NAMES } from "../../../node/src/api/schemas.ts";
import { ERROR_CATALOGUE, buildProblem, problemType } from "../../../node/src/api/errors.ts";
import { ROLES_EXTENSION } from "../../../node/src/api/openapi.ts";
import type { Role } from "../../../node/src/onboarding/ports.ts";
import { createHarness, type Harness } from "./harness.ts";

const ROLES: readonly Role[] = ["operator", "reviewer", "auditor"];

interface RedoclyProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string }[];
}

/** Runs the pinned `@redocly/cli lint` with its `recommended` rules on a document; returns every problem. */
async function redoclyLint(document: unknown): Promise<RedoclyProblem[]> {
  const dir = await mkdtemp(join(tmpdir(), "kycnet-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(document));
    const args = ["redocly", "lint", "--extends", "recommended", "--format", "json", file];
    // Exit code 1 means "problems found": the report on stdout is what the test reads either way.
    const { stdout } = await promisify(execFile)("npx", ["--no-install", ...args], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    return (JSON.parse(stdout) as { problems: RedoclyProblem[] }).problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const EXPECTED_OPERATIONS = [
  "post /v1/onboarding/sessions",
  "post /v1/onboarding/reuse-sessions",
  "post /v1/onboarding/sessions/{id}/collection-consent",
  "put /v1/onboarding/sessions/{id}/documents/{side}",
  "post /v1/onboarding/sessions/{id}/document-reading",
  "post /v1/onboarding/sessions/{id}/field-confirmation",
  "post /v1/onboarding/sessions/{id}/chip-challenge",
  "put /v1/onboarding/sessions/{id}/chip",
  "post /v1/onboarding/sessions/{id}/liveness-challenge",
  "post /v1/onboarding/sessions/{id}/selfie",
  "post /v1/onboarding/sessions/{id}/decision",
  "get /v1/onboarding/sessions/{id}",
  "get /v1/review/cases",
  "post /v1/review/cases/{id}/claim",
  "post /v1/review/cases/{id}/approve",
  "post /v1/review/cases/{id}/reject",
  "get /v1/attestations/{uid}/status",
  "post /v1/attestations/{uid}/revoke",
  "get /v1/consents/{id}/status",
  "post /v1/consents/{id}/revoke",
  "get /v1/records/{uid}",
  "get /v1/audit/report",
  "get /v1/audit/export",
  "post /v1/data-subject-requests",
  "get /v1/data-subject-requests",
  "post /v1/records/{uid}/close",
  "get /v1/webhooks/messages",
  "post /v1/webhooks/messages/{id}/redrive",
  "get /health",
  "get /ready",
  "get /metrics",
];

interface Operation {
  operationId?: string;
  description?: string;
  [ROLES_EXTENSION]?: Role[];
  security?: unknown[];
  responses: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, unknown> };
}

interface ProblemSchema {
  required: string[];
  properties: Record<string, { oneOf?: { enum: string[]; title: string; description: string }[] }>;
}

describe("API OpenAPI document", () => {
  let h: Harness;
  let doc: {
    openapi: string;
    info: { license?: unknown };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, ProblemSchema> };
  };
  before(async () => {
    h = await createHarness();
    const res = await h.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).to.equal(200);
    doc = res.json();
  });
  after(async () => h.app.close());

  it("is a valid OpenAPI 3 document", async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(doc.openapi).to.match(/^3\./);
  });

  it("passes @redocly/cli lint with the recommended rules: no error, no warning", async function () {
    this.timeout(60_000);
    const problems = await redoclyLint(doc);
    const report = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(report).to.deep.equal([]);
  });

  it("the linter does fail a document with a known problem (the test above can fail)", async function () {
    this.timeout(60_000);
    const broken = structuredClone(doc);
    delete broken.info.license;
    const problems = await redoclyLint(broken);
    expect(problems.map((p) => p.ruleId)).to.deep.equal(["info-license"]);
  });

  it("documents each operation's roles (x-roles and its description) exactly as the guard enforces them", async () => {
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/"))) {
      for (const [method, op] of Object.entries(ops)) {
        const documented = op[ROLES_EXTENSION] ?? [];
        expect(documented, `${method} ${path}`).not.to.be.empty;
        expect(op.description, `${method} ${path}`).to.contain(`Roles allowed: ${documented.join(", ")}.`);
        // Path parameters filled with well-formed ids; no body: an allowed role gets past the guard
        // (to validation or the handler), any other role is refused there with 403.
        const url = path
          .replace("{side}", "front")
          .replace(/\{[a-z]+\}/g, (m) => (m === "{uid}" ? `0x${"ab".repeat(32)}` : "x1"));
        for (const role of ROLES) {
          const res = await h.app.inject({ method: method.toUpperCase() as "GET", url, headers: h.auth(role) });
          const label = `${role} ${method} ${path} → ${res.statusCode}`;
          if (documented.includes(role)) expect(res.statusCode, label).not.to.equal(403);
          else expect(res.statusCode, label).to.equal(403);
        }
      }
    }
  });

  it("declares the observability routes public, with ids and problem answers", () => {
    for (const path of ["/health", "/ready", "/metrics"]) {
      const op = doc.paths[path]!.get!;
      expect(op.operationId, path).to.be.a("string");
      expect(op.security, path).to.deep.equal([]);
      expect(op.responses["4XX"]?.content, path).to.have.property("application/problem+json");
    }
  });

  it("gives the review list a plain string enum for status and an optional limit with its default", () => {
    const list = doc.paths["/v1/review/cases"]!.get! as Operation & {
      parameters: { name: string; required: boolean; schema: Record<string, unknown> }[];
    };
    const status = list.parameters.find((p) => p.name === "status")!;
    expect(status.schema).to.deep.equal({ type: "string", enum: ["OPEN", "CLAIMED", "APPROVED", "REJECTED"] });
    const limit = list.parameters.find((p) => p.name === "limit")!;
    expect(limit.required).to.equal(false);
    expect(limit.schema.default).to.equal(20);
  });

  it("lists every route and nothing else", () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(listed.sort()).to.deep.equal([...EXPECTED_OPERATIONS].sort());
  });

  it("gives every /v1 operation an id, the bearer requirement and problem+json error responses", () => {
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/"))) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).to.be.a("string");
        expect(op.security, `${method} ${path}`).to.deep.equal([{ apiKey: [] }]);
        expect(op.responses["4XX"]?.content ?? op.responses["4xx"]?.content, `${method} ${path}`).to.have.property(
          "application/problem+json",
        );
      }
    }
  });

  it("documents every catalogue code as a problem type (type URI, status, title) in one shared ProblemDetails", () => {
    const problem = doc.components.schemas.ProblemDetails!;
    expect(problem.required).to.include.members(["type", "title", "status", "detail", "instance", "code"]);
    const documented = new Map((problem.properties.code!.oneOf ?? []).map((branch) => [branch.enum[0]!, branch]));
    expect([...documented.keys()].sort()).to.deep.equal(Object.keys(ERROR_CATALOGUE).sort());
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const entry = ERROR_CATALOGUE[code];
      const branch = documented.get(code)!;
      expect(branch.title, code).to.equal(entry.title);
      expect(branch.description, code).to.equal(`HTTP ${entry.status} · type ${problemType(code)}`);
      // The document promises what the API answers.
      const answered = buildProblem(code, "r");
      expect(answered, code).to.include({ type: problemType(code), status: entry.status, title: entry.title });
    }
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/"))) {
      for (const [method, op] of Object.entries(ops)) {
        for (const range of ["4XX", "5XX"]) {
          const media = op.responses[range]?.content?.["application/problem+json"] as { schema?: { $ref?: string } };
          expect(media?.schema?.$ref, `${method} ${path} ${range}`).to.equal("#/components/schemas/ProblemDetails");
        }
      }
    }
  });

  it("documents the raw image bodies of document uploads", () => {
    const put = doc.paths["/v1/onboarding/sessions/{id}/documents/{side}"]!.put!;
    expect(Object.keys(put.requestBody!.content)).to.have.members(["image/jpeg", "image/png"]);
  });

  it("spells the protocol's revocation reasons and decisions exactly as sdk/ does", () => {
    expect([...REVOCATION_REASON_NAMES]).to.have.members(Object.keys(RevocationReason));
    expect([...DECISION_NAMES]).to.have.members(Object.keys(Decision));
  });

  it("serves the docs page and its assets from this node, with no outside URLs", async () => {
    const page = await h.app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).to.equal(200);
    expect(page.headers["content-type"]).to.match(/text\/html/);
    expect(page.body).not.to.match(/(src|href)="(https?:)?\/\//);
    const initializer = await h.app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(initializer.statusCode).to.equal(200);
    const code = initializer.body
      .split("\n")
      .filter((line) => !line.trim().startsWith("//"))
      .join("\n");
    expect(code).not.to.match(/https?:\/\//);
    expect(code).to.contain("validatorUrl: null");
    const spec = await h.app.inject({ method: "GET", url: "/docs/json" });
    expect(spec.json().paths).to.have.property("/v1/onboarding/sessions");
    const bundle = await h.app.inject({ method: "GET", url: "/docs/static/swagger-ui-bundle.js" });
    expect(bundle.statusCode).to.equal(200);
  });
});
