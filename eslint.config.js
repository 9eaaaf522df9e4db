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
  {
    // Dependencies point one way: the operator and agent never import the CLI.
    files: ["operator/**/*.ts", "agent/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/cli/**"], message: "Nothing imports from cli/." }] }],
    },
  },
  {
    // kube/ is the layer every program stands on: it imports none of them.
    files: ["kube/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/operator/**", "**/agent/**", "**/cli/**", "**/gateway/**"], message: "kube/ imports nothing from the programs." }] },
      ],
    },
  },
);
