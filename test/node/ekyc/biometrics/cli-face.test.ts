import { expect } from "chai";
import { execFile } from "node:child_process";
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EVAL_DIR, flatImage, png } from "./helpers.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const kycnet = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(ROOT, "bin/kycnet"), args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
const face = (p: string, n: number) => path.join(EVAL_DIR, p, `${p}${n}.png`);

describe("kycnet face (CLI)", function () {
  type Run = Awaited<ReturnType<typeof kycnet>>;
  let same: Run, other: Run, noFace: Run, calib: Run;
  before(async () => {
    const blank = path.join(await mkdtemp(path.join(tmpdir(), "kycnet-face-")), "blank.png");
    await writeFile(blank, await png(flatImage(120, 128)));
    // one process each (model load ~1 s), run side by side to keep the file fast
    [same, other, noFace, calib] = await Promise.all([
      kycnet("face", "compare", face("leonard", 1), face("leonard", 3), "--json"),
      kycnet("face", "compare", face("leonard", 1), face("amy", 3), "--json"),
      kycnet("face", "compare", blank, face("amy", 3), "--json"),
      kycnet("face", "calibrate", EVAL_DIR, "--json"),
    ]);
  });

  describe("face compare --json", () => {
    it("prints similarity, decision accept and both faces' boxes for the same person", () => {
      expect(same.code, same.stderr).to.equal(0);
      const s = JSON.parse(same.stdout) as {
        similarity: number;
        decision: string;
        faces: { a: { box: unknown }; b: { box: unknown } };
      };
      expect(s.decision).to.equal("accept");
      expect(s.similarity).to.be.within(0.39, 1);
      expect(s.faces.a.box).to.have.keys("x1", "y1", "x2", "y2");
      expect(s.faces.b.box).to.have.keys("x1", "y1", "x2", "y2");
    });
    it("decides reject for two different people, and exits 1 (a negative result)", () => {
      expect(other.code, other.stderr).to.equal(1);
      expect((JSON.parse(other.stdout) as { decision: string }).decision).to.equal("reject");
    });
    it("exits 2 with FACE_NOT_FOUND when an image has no face", () => {
      expect(noFace.code).to.equal(2);
      expect(noFace.stderr).to.match(/FACE_NOT_FOUND/);
    });
  });

  describe("face calibrate --json", () => {
    it("reproduces the committed thresholds from the eval folder, with a table and no detection failure", () => {
      expect(calib.code, calib.stderr).to.equal(0);
      const c = JSON.parse(calib.stdout) as {
        accept: number;
        review: number;
        committed: { accept: number; review: number };
        table: unknown[];
        detectionFailures: string[];
      };
      expect({ accept: c.accept, review: c.review }).to.deep.equal(c.committed);
      expect(c.table.length).to.be.greaterThan(10);
      expect(c.detectionFailures).to.deep.equal([]);
    });
  });
});
