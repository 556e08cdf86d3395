/**
 * Onboarding routes (operator): create a session, upload the two sides of the ID card as raw image
 * bodies, get a liveness challenge, upload selfie frames (JSON, base64), ask for the decision, read
 * the session. Heavy work (OCR, face models) is the OnboardingService's to run off this thread.
 */
import { ApiError } from "../errors.ts";
import { assertImage, decodeBase64Image, IMAGE_MIMES, mediaTypeOf } from "../media.ts";
import type { ApiInstance, RouteContext } from "../route-context.ts";
import {
  Accepted, DecisionView, DocumentParams, LivenessChallenge, SessionCreated, SessionIdParams, SessionView, selfieBody, withProblems,
} from "../schemas.ts";
import type { ImageMime, SelfieFrame } from "../services.ts";

const TAGS = ["onboarding"];
const security = [{ apiKey: [] }];

export function registerOnboardingRoutes(app: ApiInstance, { services, config }: RouteContext): void {
  const limits = config.bodyLimits;

  // Document images arrive as the raw request body; Fastify enforces the route's bodyLimit while reading.
  app.addContentTypeParser([...IMAGE_MIMES], { parseAs: "buffer", bodyLimit: limits.documentBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.post("/onboarding/sessions", {
    config: { roles: ["operator"], audit: "onboarding.session.create" },
    schema: {
      tags: TAGS, security, operationId: "createOnboardingSession", summary: "Start an onboarding session",
      response: withProblems({ 201: SessionCreated }),
    },
  }, async (_request, reply) => {
    const created = await services.onboarding.createSession();
    return reply.code(201).send(created);
  });

  app.put("/onboarding/sessions/:id/documents/:side", {
    config: { roles: ["operator"], audit: "onboarding.document.upload", heavy: true },
    bodyLimit: limits.documentBytes,
    schema: {
      tags: TAGS, security, operationId: "uploadDocument",
      summary: "Upload one side of the ID card",
      description: `Raw JPEG or PNG bytes as the body, Content-Type image/jpeg or image/png, at most ${limits.documentBytes} bytes.`,
      params: DocumentParams,
      body: {
        content: {
          "image/jpeg": { schema: { description: "JPEG bytes" } },
          "image/png": { schema: { description: "PNG bytes" } },
        },
      },
      response: withProblems({ 200: Accepted }),
    },
  }, async (request) => {
    const mime = mediaTypeOf(request.headers["content-type"]) as ImageMime;
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "the body must be image/jpeg or image/png bytes");
    const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    assertImage(bytes, mime, `${request.params.side} image`);
    await services.onboarding.uploadDocument(request.params.id, request.params.side, bytes, mime);
    return { accepted: true as const };
  });

  app.post("/onboarding/sessions/:id/liveness-challenge", {
    config: { roles: ["operator"], audit: "onboarding.liveness.challenge" },
    schema: {
      tags: TAGS, security, operationId: "createLivenessChallenge", summary: "Issue a single-use active liveness challenge",
      params: SessionIdParams,
      response: withProblems({ 201: LivenessChallenge }),
    },
  }, async (request, reply) => {
    const challenge = await services.onboarding.createLivenessChallenge(request.params.id);
    return reply.code(201).send(challenge);
  });

  app.post("/onboarding/sessions/:id/selfie", {
    config: { roles: ["operator"], audit: "onboarding.selfie.upload", heavy: true },
    bodyLimit: limits.selfieRequestBytes,
    schema: {
      tags: TAGS, security, operationId: "uploadSelfieFrames",
      summary: "Upload the selfie frames answering a liveness challenge",
      description:
        `JSON with 1-${limits.maxFrames} frames, each a base64 JPEG/PNG of at most ${limits.frameBytes} decoded bytes, ` +
        `with its capture time; the whole request at most ${limits.selfieRequestBytes} bytes.`,
      params: SessionIdParams,
      body: selfieBody(limits),
      response: withProblems({ 200: Accepted }),
    },
  }, async (request) => {
    const frames: SelfieFrame[] = request.body.frames.map((frame, i) => {
      const bytes = decodeBase64Image(frame.image, limits.frameBytes, `frames[${i}]`);
      assertImage(bytes, frame.mime, `frames[${i}]`);
      return { bytes, mime: frame.mime, capturedAtMs: frame.capturedAtMs };
    });
    await services.onboarding.uploadSelfieFrames(request.params.id, request.body.challengeId, frames);
    return { accepted: true as const };
  });

  app.post("/onboarding/sessions/:id/decision", {
    config: { roles: ["operator"], audit: "onboarding.decide", heavy: true },
    schema: {
      tags: TAGS, security, operationId: "decideOnboarding",
      summary: "Run the checks and return the decision with its reasons (idempotent once decided)",
      params: SessionIdParams,
      response: withProblems({ 200: DecisionView }),
    },
  }, async (request) => services.onboarding.decide(request.params.id));

  app.get("/onboarding/sessions/:id", {
    config: { roles: ["operator", "reviewer", "auditor"] },
    schema: {
      tags: TAGS, security, operationId: "getOnboardingSession", summary: "Session progress and decision (no personal data)",
      params: SessionIdParams,
      response: withProblems({ 200: SessionView }),
    },
  }, async (request) => services.onboarding.getSession(request.params.id));
}
