import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ComFile } from "../../../../../node/src/ekyc/document/chip/com.ts";
import { Dg1File } from "../../../../../node/src/ekyc/document/chip/dg1.ts";
import { Dg2File, parseFacialRecord } from "../../../../../node/src/ekyc/document/chip/dg2.ts";
import { ChipFileError } from "../../../../../node/src/ekyc/document/chip/errors.ts";
import { facialRecord } from "../../../../../scripts/chip/lds-writer.ts";
import { Dg13File } from "../../../../../node/src/ekyc/document/chip/dg13.ts";
import { Dg14File } from "../../../../../node/src/ekyc/document/chip/dg14.ts";
import { Dg15File } from "../../../../../node/src/ekyc/document/chip/dg15.ts";
import { elementaryFileForName } from "../../../../../node/src/ekyc/document/chip/lds.ts";
import { OID } from "../../../../../node/src/ekyc/document/chip/oids.ts";
import { decodePortrait, portraitInfo } from "../../../../../node/src/ekyc/document/chip/portrait.ts";
import { SodFile } from "../../../../../node/src/ekyc/document/chip/sod.ts";
import { td1Lines } from "../../../../../scripts/cards/mrz.ts";
import { chip } from "./support.ts";
import { chipReference, skipWithoutChipReference } from "../../../../support/chip-reference.ts";

const BSI = chipReference("bsi-tr03105-5");

describe("chip elementary files", function () {
  this.timeout(60_000);

  describe("file names", () => {
    it("accepts EF_ prefix, .bin suffix and any case, and nothing else", () => {
      for (const name of ["EF_DG1.bin", "EF_DG1", "DG1.bin", "dg1", "ef_dg1.BIN", "EF.DG1", "Ef_Dg1.Bin"])
        expect(elementaryFileForName(name)).to.equal("DG1");
      expect(elementaryFileForName("EF_SOD.bin")).to.equal("SOD");
      expect(elementaryFileForName("com")).to.equal("COM");
      expect(elementaryFileForName("EF_DG13.bin")).to.equal("DG13");
      for (const name of ["EF_DG0.bin", "EF_DG17.bin", "EF_DG01.bin", "DG1.txt", "manifest.json", "EF_DG1.bin.bak"])
        expect(elementaryFileForName(name)).to.equal(null);
    });
  });

  describe("generated CCCD chip (RSA, JPEG portrait)", () => {
    it("DG1 holds the TD1 MRZ of the card, dates as YYYY-MM-DD", async () => {
      const c = await chip("rsa", "valid");
      const dg1 = Dg1File.parse(c.files.DG1!);
      expect(dg1.mrzLines).to.deep.equal(td1Lines(c.person));
      expect(dg1.mrz.format).to.equal("TD1");
      expect(dg1.mrz.documentNumber).to.equal(c.person.idNumber.slice(3));
      expect(dg1.mrz.optionalData).to.equal(c.person.idNumber);
      expect(dg1.mrz.dateOfBirth).to.equal(c.person.dateOfBirth);
      expect(dg1.mrz.valid).to.equal(true);
    });

    it("DG13 holds the Vietnamese fields with diacritics", async () => {
      const c = await chip("rsa", "valid", 3);
      const d = Dg13File.parse(c.files.DG13!).data;
      expect(d.idNumber).to.equal(c.person.idNumber);
      expect(d.fullName).to.equal(c.person.fullName);
      expect(d.dateOfBirth).to.equal(c.person.dateOfBirth);
      expect(d.sex).to.equal(c.person.sex);
      expect(d.nationality).to.equal("Việt Nam");
      expect(d.ethnicity).to.equal("Kinh");
      expect(d.religion).to.equal("Không");
      expect(d.placeOfOrigin).to.equal(c.person.placeOfOrigin);
      expect(d.placeOfResidence).to.equal(c.person.address);
      expect(d.identifyingMarks).to.be.a("string").and.not.equal("");
      expect(d.issueDate).to.equal(c.person.issueDate);
      expect(d.expiryDate).to.equal(c.person.expiryDate === "" ? null : c.person.expiryDate);
      expect(d.fatherName).to.be.a("string").and.not.equal("");
      expect(d.motherName).to.be.a("string").and.not.equal("");
      expect(d.oldIdNumber).to.equal(c.person.oldIdNumber === "" ? null : c.person.oldIdNumber);
    });

    it("DG2 holds one JPEG portrait whose header matches the facial record", async () => {
      const c = await chip("rsa", "valid");
      const dg2 = Dg2File.parse(c.files.DG2!);
      expect(dg2.images).to.have.length(1);
      expect(dg2.headers[0]).to.deep.equal({ formatOwner: "0101", formatType: "0008" });
      expect(dg2.portrait.mime).to.equal("image/jpeg");
      const info = await portraitInfo(dg2.portrait);
      expect(info).to.deep.equal({
        mime: "image/jpeg",
        width: dg2.portrait.declaredWidth,
        height: dg2.portrait.declaredHeight,
      });
      const pixels = await decodePortrait(dg2.portrait);
      expect(pixels.pixels.length).to.equal(info.width * info.height * pixels.channels);
    });

    it("DG2: the image type comes from the image bytes when the data type byte is mislabelled", async () => {
      const c = await chip("rsa", "valid");
      const dg2 = Dg2File.parse(c.files.DG2!);
      const record = facialRecord({ image: dg2.portrait.image, format: "jp2", width: 10, height: 10, sex: "F" });
      const parsed = parseFacialRecord(record);
      expect(parsed[0]).to.deep.include({ mime: "image/jpeg", dataType: 1 });
      const notAnImage = facialRecord({ image: new Uint8Array(64), format: "jpeg", width: 1, height: 1, sex: "F" });
      expect(() => parseFacialRecord(notAnImage)).to.throw(ChipFileError, /neither JPEG nor JPEG 2000/);
    });

    it("COM lists the data groups; DG14 announces Chip Authentication; DG15 holds an RSA key", async () => {
      const c = await chip("rsa", "valid");
      const com = ComFile.parse(c.files.COM!);
      expect(com.ldsVersion).to.equal("0107");
      expect(com.dataGroups).to.deep.equal([1, 2, 13, 14, 15]);
      const dg14 = Dg14File.parse(c.files.DG14!);
      expect(dg14.supportsChipAuthentication).to.equal(true);
      expect(dg14.activeAuthenticationAlgorithm).to.equal(null);
      expect(Dg15File.parse(c.files.DG15!).publicKey.asymmetricKeyType).to.equal("rsa");
    });

    it("SOD exposes the LDSSecurityObject, its hashes and the Document Signer certificate", async () => {
      const c = await chip("rsa", "valid");
      const sod = SodFile.parse(c.files.SOD!);
      expect(sod.securityObject.version).to.equal(0);
      expect(sod.securityObject.digest).to.equal("sha256");
      expect([...sod.securityObject.dataGroupHashes.keys()]).to.deep.equal([1, 2, 13, 14, 15]);
      expect(sod.findSignerCertificate()).to.not.equal(null);
      expect(sod.signedAttributes?.contentType).to.equal(OID.ldsSecurityObject);
    });
  });

  describe("generated chip (ECDSA, JPEG 2000 portrait)", () => {
    it("decodes the JPEG 2000 portrait with OpenJPEG to the declared size", async () => {
      const c = await chip("ecdsa", "valid");
      const dg2 = Dg2File.parse(c.files.DG2!);
      expect(dg2.portrait.mime).to.equal("image/jp2");
      const info = await portraitInfo(dg2.portrait);
      expect([info.width, info.height]).to.deep.equal([dg2.portrait.declaredWidth, dg2.portrait.declaredHeight]);
      const decoded = await decodePortrait(dg2.portrait);
      expect(decoded.channels).to.equal(3);
      expect(decoded.pixels.length).to.equal(info.width * info.height * 3);
      // A real picture, not a blank: the pixel values vary.
      expect(new Set(decoded.pixels.subarray(0, 3000)).size).to.be.greaterThan(10);
    });

    it("DG14 names the ECDSA active-authentication algorithm; DG15 holds an EC key", async () => {
      const c = await chip("ecdsa", "valid");
      expect(Dg14File.parse(c.files.DG14!).activeAuthenticationAlgorithm).to.equal(OID.ecdsaPlainSha256);
      expect(Dg15File.parse(c.files.DG15!).publicKey.asymmetricKeyType).to.equal("ec");
    });
  });

  describe("BSI TR-03105-5 reference data (a real LDS 1.7 data set)", function () {
    before(function () {
      skipWithoutChipReference(this);
    });
    it("parses the SOD (RSASSA-PSS, SHA-256, five hashes) and the TD3 DG1", () => {
      const sod = SodFile.parse(new Uint8Array(readFileSync(`${BSI}/EF_SOD.bin`)));
      expect(sod.securityObject.digest).to.equal("sha256");
      expect([...sod.securityObject.dataGroupHashes.keys()]).to.deep.equal([1, 2, 3, 14, 4]);
      expect(sod.signerInfo.signatureAlgorithm.algorithmId).to.equal(OID.rsaPss);
      const dg1 = Dg1File.parse(new Uint8Array(readFileSync(`${BSI}/EF_DG1.bin`)), { now: new Date("2014-01-01") });
      expect(dg1.mrz.format).to.equal("TD3");
      expect([dg1.mrz.surname, dg1.mrz.givenNames, dg1.mrz.documentNumber]).to.deep.equal([
        "MUSTERMANN",
        "ERIKA",
        "C11T002JM",
      ]);
      expect(dg1.mrz.dateOfBirth).to.equal("1996-08-12");
      expect(dg1.mrz.valid).to.equal(true);
    });

    it("parses DG14 with explicit EC domain parameters (Chip and Terminal Authentication)", () => {
      const dg14 = Dg14File.parse(new Uint8Array(readFileSync(`${BSI}/EF_DG14.bin`)));
      expect(dg14.securityInfos.map((s) => s.protocol)).to.deep.equal([
        "ChipAuthenticationPublicKey",
        "ChipAuthentication",
        "TerminalAuthentication",
      ]);
      expect(dg14.supportsChipAuthentication).to.equal(true);
    });
  });
});
