// Lint rules: typescript-eslint's recommended set, plus the habits STYLE.md asks for.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // Dependencies point one way, and no program imports another: what two programs share lives in
  // kube/ (Kubernetes), operator/api/ (the Sprite API) or sprite-client/ (what a program does with a Sprite).
  ...[
    ["operator", ["agent", "cli", "gateway"]],
    ["agent", ["operator/sprite", "operator/runtime", "cli", "gateway"]],
    ["cli", ["agent", "operator/sprite", "operator/runtime", "gateway"]],
    ["gateway", ["agent", "operator/sprite", "operator/runtime", "cli"]],
  ].map(([program, others]) => ({
    files: [`${program}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: others.map((other) => `**/${other}/**`), message: "No program imports another: shared code lives in kube/, operator/api/ or sprite-client/." }] },
      ],
    },
  })),
  {
    // sprite-client/ serves the programs and imports none of them (its tests may hold two side by side).
    files: ["sprite-client/**/*.ts"],
    ignores: ["sprite-client/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/operator/sprite/**", "**/operator/runtime/**", "**/agent/**", "**/cli/**", "**/gateway/**"], message: "sprite-client/ imports only kube/ and operator/api/." }] },
      ],
    },
  },
  {
    // kube/ is the layer every program stands on: it imports none of them, and knows no Sprite.
    files: ["kube/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/operator/**", "**/agent/**", "**/cli/**", "**/gateway/**", "**/sprite-client/**"], message: "kube/ imports nothing from the programs." }] },
      ],
    },
  });
