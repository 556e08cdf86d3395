/**
 * The compile-time link between the codes thrown anywhere and the HTTP catalogue: `ErrorCode`
 * (@kycnet/sdk/errors, extended by node/src/errors.ts) and `ERROR_CATALOGUE` (node/src/api/errors.ts),
 * a record over it. The `@ts-expect-error` lines make `tsc` (run by scripts/test.sh) fail as soon
 * as a check they rely on stops working. The mocha cases run `tsc`'s checker on small programs to
 * show where each failure is reported: a code declared without a catalogue entry fails in
 * api/errors.ts, a class throwing an undeclared code fails where it throws.
 */
import { expect } from "chai";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { isKycnetError, KycnetError } from "@kycnet/sdk/errors";
import {
  ERROR_CATALOGUE,
  problemFromError,
  type CatalogueEntry,
  type ErrorCatalogue,
} from "../../../node/src/api/errors.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Type-checks `source` as one more file of the repository (it exists only in memory) and returns what tsc says. */
function typeCheck(source: string): { file: string; message: string }[] {
  const virtualFile = join(ROOT, "test/node/api/__compile-check__.ts");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noUncheckedIndexedAccess: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (name) => name === virtualFile || fileExists(name);
  host.readFile = (name) => (name === virtualFile ? source : readFile(name));
  host.getSourceFile = (name, language, ...rest) =>
    name === virtualFile ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const program = ts.createProgram([virtualFile], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file === undefined ? "(global)" : d.file.fileName.slice(ROOT.length + 1),
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

// Checked by tsc alone: each line below must NOT compile, or `tsc` reports the unused @ts-expect-error.

// @ts-expect-error "NO_SUCH_CODE" is not an ErrorCode: declared neither in sdk/src/errors.ts nor node/src/errors.ts
const undeclaredDirect = () => new KycnetError("NO_SUCH_CODE", "x");
class UndeclaredSubclass extends KycnetError {
  constructor() {
    // @ts-expect-error a subclass's code is checked the same way
    super("NO_SUCH_CODE", "x");
  }
}
// @ts-expect-error every ErrorCode needs an entry
export const catalogueMissingCodes: ErrorCatalogue = { INVALID_ARGUMENT: ERROR_CATALOGUE.INVALID_ARGUMENT };
// @ts-expect-error an entry for a code that is not declared
export const catalogueExtraCode: ErrorCatalogue = { ...ERROR_CATALOGUE, NO_SUCH_CODE: ERROR_CATALOGUE.INTERNAL };
// @ts-expect-error a 5xx entry must carry the fixed public text that replaces the error's message
export const serverEntryWithoutPublicText: CatalogueEntry = { status: 503, title: "Something unavailable" };
// @ts-expect-error a status the API does not answer with
export const notAnErrorStatus: CatalogueEntry = { status: 299, title: "Not an error" };
// @ts-expect-error switching on a misspelt code is refused too
export const misspeltSwitch = (error: unknown) => isKycnetError(error, "SESION_NOT_FOUND");

describe("error codes, checked at compile time", function () {
  this.timeout(120_000);

  it("answers a bare 500 at run time for an error whose undeclared code got past the types", () => {
    for (const error of [undeclaredDirect(), new UndeclaredSubclass()]) {
      expect(problemFromError(error, "r")).to.include({ status: 500, code: "INTERNAL" });
    }
  });

  it("compiles the catalogue cleanly as it is (so the failures below are caused by the change alone)", () => {
    const source = [
      `import { ERROR_CATALOGUE } from "../../../node/src/api/errors.ts";`,
      `export const n = Object.keys(ERROR_CATALOGUE).length;`,
    ].join("\n");
    expect(typeCheck(source)).to.deep.equal([]);
  });

  it("fails in node/src/api/errors.ts when a code is declared but given no catalogue entry", () => {
    const diagnostics = typeCheck(
      [
        `import "../../../node/src/api/errors.ts";`,
        `declare module "@kycnet/sdk/errors" {`,
        `  interface KycnetErrorCodes { BRAND_NEW_FAILURE: true }`,
        `}`,
      ].join("\n"),
    );
    expect(diagnostics).to.have.length(1);
    expect(diagnostics[0]!.file).to.equal("node/src/api/errors.ts");
    expect(diagnostics[0]!.message).to.contain("BRAND_NEW_FAILURE");
  });

  it("fails where a class throws a code that was never declared, and accepts a declared one", () => {
    const diagnostics = typeCheck(
      [
        `import { KycnetError } from "@kycnet/sdk/errors";`,
        `import "../../../node/src/errors.ts";`,
        `export class Declared extends KycnetError { constructor() { super("HSM_PIN_LOCKED", "locked"); } }`,
        `export class Undeclared extends KycnetError { constructor() { super("BRAND_NEW_FAILURE", "new"); } }`,
      ].join("\n"),
    );
    expect(diagnostics).to.have.length(1);
    expect(diagnostics[0]!.file).to.equal("test/node/api/__compile-check__.ts");
    expect(diagnostics[0]!.message).to.contain("BRAND_NEW_FAILURE");
  });
});
