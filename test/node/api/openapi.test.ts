import { expect } from "chai";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { ErrorCode } from "@kycnet/sdk/errors";
import { RevocationReason, Decision } from "@kycnet/sdk/protocol";
import { DECISION_NAMES, REVOCATION_REASON_NAMES } from "../../../node/src/api/schemas.ts";
import { ERROR_CATALOGUE, buildProblem, problemType } from "../../../node/src/api/errors.ts";
import { createHarness, type Harness } from "./harness.ts";

const EXPECTED_OPERATIONS = [
  "post /v1/onboarding/sessions",
  "post /v1/onboarding/reuse-sessions",
  "put /v1/onboarding/sessions/{id}/documents/{side}",
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
  "get /health",
  "get /ready",
  "get /metrics",
];

interface Operation {
  operationId?: string;
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
