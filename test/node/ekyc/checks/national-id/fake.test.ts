import { expect } from "chai";
import { InMemoryNationalIdRegistry } from "../../../../../node/src/ekyc/checks/national-id/fake.ts";
import { generateCitizens } from "../../../../../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import { CitizenPhotos } from "../../../../../node/src/ekyc/checks/national-id/citizen-photos.ts";
import sharp from "sharp";
import { isKycnetError } from "@kycnet/sdk/errors";
import { evalBytes, sharedOnnxModel } from "../../biometrics/helpers.ts";
import { describeNationalIdRegistryCompliance } from "./compliance.ts";

const citizens = generateCitizens({ seed: 6, count: 200 });
const registry = new InMemoryNationalIdRegistry(citizens);
describeNationalIdRegistryCompliance("in-memory fake", async () => {
  const photos = new CitizenPhotos(await sharedOnnxModel());
  const withPhotos = new InMemoryNationalIdRegistry(citizens, { photos });
  return { registry: withPhotos, citizens, reportCard: (id, status) => withPhotos.reportCard(id, status), photos };
});

describe("InMemoryNationalIdRegistry", () => {
  const c = citizens[0]!;
  const query = { idNumber: c.idNumber, fullName: c.fullName, dateOfBirth: c.dateOfBirth };
  afterEach(() => registry.setUnavailable(false));

  it("answers UNAVAILABLE with REGISTRY_SERVER_ERROR when told to be down", async () => {
    registry.setUnavailable(true);
    const result = await registry.checkIdentity(query);
    expect(result.status).to.equal("UNAVAILABLE");
    expect(result.status === "UNAVAILABLE" && result.code).to.equal("REGISTRY_SERVER_ERROR");
  });
  it("answers UNAVAILABLE with REGISTRY_ABORTED for an aborted signal", async () => {
    const result = await registry.checkIdentity(query, { signal: AbortSignal.abort() });
    expect(result.status === "UNAVAILABLE" && result.code).to.equal("REGISTRY_ABORTED");
  });
});

describe("generateCitizens", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    expect(generateCitizens({ seed: 1, count: 20 })).to.deep.equal(generateCitizens({ seed: 1, count: 20 }));
    expect(generateCitizens({ seed: 1, count: 20 })).to.not.deep.equal(generateCitizens({ seed: 2, count: 20 }));
  });
  it("makes canonical, well-formed citizens with Vietnamese diacritics", () => {
    const people = generateCitizens({ seed: 3, count: 300 });
    expect(new Set(people.map((p) => p.idNumber)).size).to.equal(300);
    for (const p of people) {
      expect(p.idNumber).to.match(/^\d{12}$/);
      expect(p.oldIdNumber).to.match(/^(\d{9})?$/);
      expect(p.fullName).to.equal(p.fullName.normalize("NFC").toUpperCase());
      expect(p.dateOfBirth).to.match(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(people.some((p) => /[ĐƯƠĂÂÊÔ]/u.test(p.fullName))).to.equal(true);
  });
  it("rejects an absurd count", () => {
    expect(() => generateCitizens({ seed: 1, count: -1 })).to.throw(RangeError);
  });
});

describe("CitizenPhotos (the registry's photos)", () => {
  it("takes the calibrated accept threshold by default and refuses one outside (0, 1)", async () => {
    const model = await sharedOnnxModel();
    expect(new CitizenPhotos(model).threshold).to.equal(0.39);
    expect(() => new CitizenPhotos(model, { threshold: 1 })).to.throw(RangeError);
    expect(() => new CitizenPhotos(model, { threshold: Number.NaN })).to.throw(RangeError);
  });
  it("refuses to file a photo without a face, and compares nothing once a photo is removed", async () => {
    const photos = new CitizenPhotos(await sharedOnnxModel());
    const blank = new Uint8Array(
      await sharp({ create: { width: 240, height: 320, channels: 3, background: "#808080" } })
        .png()
        .toBuffer(),
    );
    const error: unknown = await photos.enrol("001090123456", blank).catch((e: unknown) => e);
    expect(isKycnetError(error, "FACE_NOT_FOUND"), String(error)).to.equal(true);
    const face = await evalBytes("amy", 1);
    await photos.enrol("001090123456", face);
    expect(await photos.compare("001090123456", face)).to.equal("MATCH");
    photos.remove("001090123456");
    expect(await photos.compare("001090123456", face)).to.equal("NO_PHOTO");
    expect(photos.stats()).to.deep.equal({ compared: 1, matched: 1 });
  });
});
