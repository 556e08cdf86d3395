import { readFileSync } from "node:fs";
import { expect } from "chai";
import { AttestationRegistryAbi, ConsentRegistryAbi, ConsortiumRegistryAbi } from "@kycnet/sdk/chain";

const compiled = (name: string): unknown =>
  (
    JSON.parse(
      readFileSync(new URL(`../../artifacts/contracts/${name}.sol/${name}.json`, import.meta.url), "utf8"),
    ) as { abi: unknown }
  ).abi;

describe("sdk/chain ABIs", () => {
  // The SDK ships these ABIs without the compiler; if a contract changed, regenerate them with
  // `node --import tsx scripts/gen-abis.ts`.
  for (const [name, abi] of [
    ["ConsortiumRegistry", ConsortiumRegistryAbi],
    ["AttestationRegistry", AttestationRegistryAbi],
    ["ConsentRegistry", ConsentRegistryAbi],
  ] as const) {
    it(`${name} matches the compiled contract`, () => {
      expect(JSON.parse(JSON.stringify(abi))).to.deep.equal(compiled(name));
    });
  }
});
