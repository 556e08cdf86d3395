import { expect } from "chai";
import sharp from "sharp";
import { decodeImage, cropResize, pixelHash, type RgbImage } from "../../../../node/src/ekyc/biometrics/image.ts";
import { evalBytes } from "./helpers.ts";
import { expectCode } from "../../../support/expect-code.ts";

describe("biometrics image decoding", () => {
  it("decodes a grey PNG into RGB pixels and hashes the bytes", async () => {
    const bytes = await evalBytes("amy", 1);
    const img = await decodeImage(bytes);
    expect([img.width, img.height, img.data.length]).to.deep.equal([150, 150, 150 * 150 * 3]);
    expect(img.sha256).to.match(/^[0-9a-f]{64}$/);
  });
  it("downscales anything above the maximum side (bounded memory)", async () => {
    const big = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: "#336699" } })
      .jpeg()
      .toBuffer();
    const img = await decodeImage(big, { maxBytes: 10_000_000, maxPixels: 40_000_000, maxSide: 600 });
    expect([img.width, img.height]).to.deep.equal([600, 200]);
  });
  it("rejects empty input with FACE_IMAGE_INVALID", async () => {
    await expectCode(decodeImage(new Uint8Array()), "FACE_IMAGE_INVALID");
  });
  it("rejects bytes that are not an image with FACE_IMAGE_INVALID", async () => {
    await expectCode(decodeImage(new TextEncoder().encode("not an image at all, just text")), "FACE_IMAGE_INVALID");
  });
  it("rejects a truncated PNG with FACE_IMAGE_INVALID", async () => {
    const bytes = await evalBytes("amy", 1);
    await expectCode(decodeImage(bytes.subarray(0, bytes.length / 2)), "FACE_IMAGE_INVALID");
  });
  it("rejects input over the byte limit with FACE_IMAGE_TOO_LARGE before decoding", async () => {
    await expectCode(
      decodeImage(new Uint8Array(2048), { maxBytes: 1024, maxPixels: 1e6, maxSide: 100 }),
      "FACE_IMAGE_TOO_LARGE",
    );
  });
  it("rejects an image over the pixel limit with FACE_IMAGE_TOO_LARGE from its header", async () => {
    const wide = await sharp({ create: { width: 400, height: 300, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    await expectCode(decodeImage(wide, { maxBytes: 1e7, maxPixels: 100_000, maxSide: 2000 }), "FACE_IMAGE_TOO_LARGE");
  });
  it("crops and resizes through an affine map, and hashes pixels", () => {
    const src: RgbImage = {
      width: 4,
      height: 4,
      data: new Uint8Array(48).map((_, i) => (Math.floor(i / 12) < 2 ? 0 : 200)),
    };
    const out = cropResize(src, 0, 2, 4, 2, 2, 1);
    expect([...out.data]).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(pixelHash(src)).to.not.equal(pixelHash(out));
  });
});
