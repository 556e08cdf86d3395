/**
 * A made-up demo customer: a rendered CCCD card (front with the portrait, QR and printed fields;
 * back with the MRZ), or with `passport: true` a foreign national's passport data page (TD3),
 * whose portrait is one eval-set photo of a person, and selfie frames answering
 * any liveness challenge, synthesised from another photo of the same person (see
 * scripts/faces/synthetic-frames.ts for what such frames can and cannot show).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { DEFAULT_FACE_EVAL_DIR } from "../../node/src/ekyc/biometrics/eval-set.ts";
import { decodeImage } from "../../node/src/ekyc/biometrics/image.ts";
import { readFace } from "../../node/src/ekyc/biometrics/face-reader.ts";
import type { FaceModel } from "../../node/src/ekyc/biometrics/face-model.ts";
import {
  verifyChallenge,
  type Challenge,
  type ChallengeStep,
} from "../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { FrameMemory } from "../../node/src/ekyc/biometrics/liveness/frame-memory.ts";
import { loadThresholds } from "../../node/src/ekyc/biometrics/matching.ts";
import { FRONT_PORTRAIT } from "../../node/src/ekyc/document/layout.ts";
import { capture } from "../cards/capture.ts";
import { makePassportHolder, photographPage, renderPassportPage, type PassportHolder } from "../cards/passport.ts";
import { makePerson, qrPayload, type SyntheticPerson } from "../cards/people.ts";
import { td1Lines } from "../cards/mrz.ts";
import { createRng } from "../cards/random.ts";
import { renderBack, renderFront } from "../cards/render.ts";
import { framesFor, stillFace, type SyntheticScript } from "../faces/synthetic-frames.ts";

export interface DemoCustomer {
  readonly person: SyntheticPerson;
  /** With `passport: true`: the foreign national and a photo of their passport's data page (JPEG). */
  readonly passport?: { readonly holder: PassportHolder; readonly page: Uint8Array };
  readonly front: Uint8Array;
  readonly back: Uint8Array;
  /** The card's portrait (PNG): the photo the chip of this card holds too (scripts/chip). */
  readonly portrait: Buffer;
  /**
   * JPEG frames answering a liveness challenge (its steps, each after its prompt), timestamps from
   * `startMs`. Each call is a new session: the still gets another light, roll and small yaw
   * (synthetic-frames.ts `sessionVariant`), so the node's memory of earlier frames does not take a
   * second onboarding of the same customer for a replay. Synthetic turns and smiles of a still
   * photo are not always read as such (bench:liveness measures how often), so the customer
   * "rehearses" like a capture app that says "turn further": the frames are checked locally with
   * the same models (on the JPEG bytes it sends, against its own earlier sessions) and made again,
   * turning further, until they show the actions. The node checks them again, independently.
   */
  framesFor(challenge: SyntheticScript, startMs: number): Promise<SentFrame[]>;
}

/** A selfie frame as the app sends it. */
export interface SentFrame {
  readonly bytes: Uint8Array;
  readonly mime: "image/jpeg";
  readonly capturedAtMs: number;
}

const evalPhoto = (who: string, n: number) => readFile(join(DEFAULT_FACE_EVAL_DIR, who, `${who}${n}.png`));

export async function makeDemoCustomer(options: {
  seed: number;
  face: { person: string; portrait: number; selfie: number };
  model: FaceModel;
  /** Also make a passport data page for a foreign national with the same face. */
  passport?: boolean;
}): Promise<DemoCustomer> {
  const rng = createRng(options.seed);
  const person = makePerson(rng);
  const portrait = await sharp(await evalPhoto(options.face.person, options.face.portrait))
    .resize(FRONT_PORTRAIT.width, FRONT_PORTRAIT.height, { fit: "cover" })
    .png()
    .toBuffer();
  const front = await capture(await renderFront(person, portrait, qrPayload(person)), rng, { jpegQuality: 92 });
  const back = await capture(await renderBack(person, td1Lines(person)), rng, { jpegQuality: 92 });
  let passport: DemoCustomer["passport"];
  if (options.passport === true) {
    const holder = makePassportHolder(rng);
    const page = await photographPage(await renderPassportPage(holder, portrait), rng);
    passport = { holder, page: new Uint8Array(page) };
  }

  const still = decodeImage(new Uint8Array(await evalPhoto(options.face.person, options.face.selfie)));
  const image = await still;
  const prepared = stillFace(image, await readFace(options.model, image));
  let sessions = options.seed * 1000;
  // This customer's own earlier sessions, as the node remembers them: a synthetic session too close
  // to an earlier one (the same still photo under it) is made again rather than sent.
  const memory = new FrameMemory(1_000);
  return {
    person,
    ...(passport === undefined ? {} : { passport }),
    portrait,
    front: new Uint8Array(front),
    back: new Uint8Array(back),
    async framesFor(challenge, startMs) {
      return rehearsed(options.model, prepared, challenge, startMs, () => ++sessions, memory);
    },
  };
}

/** The frames as the app sends them: JPEG at quality 92, with their capture times. */
async function asSent(frames: ReturnType<typeof framesFor>): Promise<SentFrame[]> {
  return Promise.all(
    frames.map(async (f) => ({
      bytes: new Uint8Array(
        await sharp(f.image.data, { raw: { width: f.image.width, height: f.image.height, channels: 3 } })
          .jpeg({ quality: 92 })
          .toBuffer(),
      ),
      mime: "image/jpeg" as const,
      capturedAtMs: f.timestampMs,
    })),
  );
}

/**
 * Frames the local models read as the challenge's actions, checked exactly as the node will check
 * them (the JPEG bytes sent, against this customer's earlier sessions), made again up to 12 times,
 * turning further each time: an app telling its user "turn further". The node checks them anew.
 */
async function rehearsed(
  model: FaceModel,
  face: Parameters<typeof framesFor>[0],
  challenge: SyntheticScript,
  startMs: number,
  nextSession: () => number,
  memory: FrameMemory,
): Promise<SentFrame[]> {
  const thresholds = loadThresholds();
  let sent = await asSent(framesFor(face, challenge, startMs, { session: nextSession() }));
  for (let attempt = 1; attempt < 12; attempt++) {
    const local: Challenge = {
      nonce: "rehearsal",
      steps: challenge.steps as ChallengeStep[],
      promptsAtMs: challenge.promptsAtMs,
      issuedAt: startMs,
      expiresAt: startMs + 30_000,
    };
    const frames = sent.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs }));
    // a frame list the node will refuse anyway, or a model already closed: send the frames as made
    const check = await verifyChallenge(model, local, frames, thresholds, { now: startMs + 5_000, memory }).catch(
      () => null,
    );
    if (check === null || check.passed) break;
    const strength = Math.min(attempt, 5);
    sent = await asSent(
      framesFor(face, challenge, startMs, {
        session: nextSession(),
        turnDegrees: 45 + strength * 3,
        smileStrength: 0.3 + strength * 0.03,
      }),
    );
  }
  return sent;
}
