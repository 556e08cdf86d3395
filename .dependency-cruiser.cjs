/**
 * The layering of docs/architecture.md, checked on every import (scripts/lint.sh):
 *   the eKYC pipeline is pure; the API sees only the application layer's ports; custody sees only
 *   the SDK; the SDK never sees the node, and its browser entry points no Node built-in; no cycles.
 */
const { builtinModules } = require("node:module");

/** Every Node built-in, with or without the `node:` prefix (as dependency-cruiser names them). */
const NODE_BUILTINS = `^(node:)?(${builtinModules.map((m) => m.replace(/[/]/g, "\\/")).join("|")})$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No two modules import each other, directly or through others.",
      from: { path: "^(node|sdk)/src" },
      to: { circular: true },
    },
    {
      name: "pipeline-is-pure",
      severity: "error",
      comment: "ekyc/ (document, biometrics, checks, decision) knows no HTTP, chain, network, storage or use case.",
      from: { path: "^node/src/ekyc/" },
      to: { path: "^node/src/(api|ledger|exchange|vault|onboarding|custody|cli|observability)/|^node/src/node\\.ts$" },
    },
    {
      name: "api-sees-only-ports",
      severity: "error",
      comment: "api/ reaches the node only through the application layer's ports (onboarding/ports.ts).",
      from: { path: "^node/src/api/" },
      to: { path: "^node/src/(ekyc|vault|ledger|exchange|custody|cli)/|^node/src/onboarding/(?!ports\\.ts$)" },
    },
    {
      name: "custody-sees-only-the-sdk",
      severity: "error",
      comment: "custody/ (the HSM port and adapters) depends on nothing of the node but itself.",
      from: { path: "^node/src/custody/" },
      to: { path: "^node/src/(?!custody/)" },
    },
    {
      name: "sdk-never-imports-the-node",
      severity: "error",
      comment: "The SDK ships to customers' apps and auditors without the node.",
      from: { path: "^sdk/src/" },
      to: { path: "^(node|scripts|test|bench)/" },
    },
    {
      name: "sdk-browser-entry-points-are-portable",
      severity: "error",
      comment:
        "Nothing a browser or React Native entry point reaches, however indirectly, is a Node built-in (file helpers and the CLI sit in the Node-only entry points customer/node.ts and cli/).",
      from: { path: "^sdk/src/(index\\.ts|errors\\.ts|(protocol|chain|customer|auditor|bank)/index\\.ts)$" },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|sdk/dist|artifacts|cache|types)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "default"],
      extensions: [".ts", ".js", ".d.ts"],
    },
    combinedDependencies: true,
  },
};
