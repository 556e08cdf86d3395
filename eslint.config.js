// ESLint for the TypeScript of the node, the SDK, scripts, tests and benchmarks: typescript-eslint's
// recommended rules with type information (the project's tsconfig), formatting left to prettier.
// The layering rules (which folder may import which) are dependency-cruiser's: .dependency-cruiser.cjs.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".toolchain/", "artifacts/", "cache/", "types/", "sdk/dist/", "models/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // Async implementations of Promise-returning ports (fakes, memory adapters) need no await: `async` is what
      // turns a synchronous throw into the rejection their callers handle.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests read untyped JSON (HTTP bodies, CLI output, vectors) and assert on it, and use chai's property
    // assertions (`expect(x).to.be.true`): the unsafe-any rules would only ask for casts that assert nothing more.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Reports `\`0x${"ab".repeat(32)}\` as Hex` as unnecessary although tsc needs it (the literal is a string).
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
    },
  },
  { files: ["**/*.js", "**/*.cjs", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  {
    // CommonJS configuration files and mocha's reporter, loaded by tools that require() them.
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Plain ESM scripts run by Node (the packed SDK's consumer test): Node's globals, fetch's classes included.
    files: ["**/*.mjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Headers: "readonly",
        Request: "readonly",
        Response: "readonly",
      },
    },
  },
  prettier,
);
