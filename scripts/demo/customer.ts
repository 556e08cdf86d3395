/**
 * A made-up demo customer: a rendered CCCD card (front with the portrait, QR and printed fields;
 * back with the MRZ) whose portrait is one eval-set photo of a person, and selfie frames answering
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
import { loadThresholds } from "../../node/src/ekyc/biometrics/matching.ts";
import { FRONT_PORTRAIT } from "../../node/src/ekyc/document/layout.ts";
import { capture } from "../cards/capture.ts";
import { makePerson, qrPayload, type SyntheticPerson } from "../cards/people.ts";
import { td1Lines } from "../cards/mrz.ts";
import { createRng } from "../cards/random.ts";
import { renderBack, renderFront } from "../cards/render.ts";
import { framesFor, type SyntheticScript } from "../faces/synthetic-frames.ts";

export interface DemoCustomer {
  readonly person: SyntheticPerson;
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
   * the same models and made again, turning further, until they show the actions. The node checks
   * them again, independently.
   */
  framesFor(
    challenge: SyntheticScript,
    startMs: number,
  ): Promise<Array<{ bytes: Uint8Array; mime: "image/jpeg"; capturedAtMs: number }>>;
}

const evalPhoto = (who: string, n: number) => readFile(join(DEFAULT_FACE_EVAL_DIR, who, `${who}${n}.png`));

export async function makeDemoCustomer(options: {
  seed: number;
  face: { person: string; portrait: number; selfie: number };
  model: FaceModel;
}): Promise<DemoCustomer> {
  const rng = createRng(options.seed);
  const person = makePerson(rng);
  const portrait = await sharp(await evalPhoto(options.face.person, options.face.portrait))
    .resize(FRONT_PORTRAIT.width, FRONT_PORTRAIT.height, { fit: "cover" })
    .png()
    .toBuffer();
  const front = await capture(await renderFront(person, portrait, qrPayload(person)), rng, { jpegQuality: 92 });
  const back = await capture(await renderBack(person, td1Lines(person)), rng, { jpegQuality: 92 });

  const still = decodeImage(new Uint8Array(await evalPhoto(options.face.person, options.face.selfie)));
  const image = await still;
  const face = await readFace(options.model, image);
  const prepared = {
    image,
    cx: (face.box.x1 + face.box.x2) / 2,
    halfWidth: (face.box.x2 - face.box.x1) / 2,
    points68: face.landmarks.points68!,
  };
  let sessions = options.seed * 1000;
  return {
    person,
    portrait,
    front: new Uint8Array(front),
    back: new Uint8Array(back),
    async framesFor(challenge, startMs) {
      const frames = await rehearsed(options.model, prepared, challenge, startMs, () => ++sessions);
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
    },
  };
}

/** Frames the local models read as the challenge's actions (at most 6 tries, turning further each time). */
async function rehearsed(
  model: FaceModel,
  face: Parameters<typeof framesFor>[0],
  challenge: SyntheticScript,
  startMs: number,
  nextSession: () => number,
): Promise<ReturnType<typeof framesFor>> {
  const thresholds = loadThresholds();
  let frames = framesFor(face, challenge, startMs, { session: nextSession() });
  for (let attempt = 1; attempt < 6; attempt++) {
    const local: Challenge = {
      nonce: "rehearsal",
      steps: challenge.steps as ChallengeStep[],
      promptsAtMs: challenge.promptsAtMs,
      issuedAt: startMs,
      expiresAt: startMs + 30_000,
    };
    const copy = frames.map((f) => ({ image: { ...f.image, data: f.image.data.slice() }, timestampMs: f.timestampMs }));
    // a frame list the node will refuse anyway, or a model already closed: send the frames as made
    const check = await verifyChallenge(model, local, copy, thresholds, { now: startMs + 5_000 }).catch(() => null);
    if (check === null || check.passed) break;
    frames = framesFor(face, challenge, startMs, {
      session: nextSession(),
      turnDegrees: 58 + attempt * 2,
      smileStrength: 0.3 + attempt * 0.03,
    });
  }
  return frames;
}
