// Lint rules: the recommended sets plus the project's few house rules (see ../shared/STYLE.md).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "runs/", "coverage/", ".nomaflow/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Node everywhere but in the console's page, which runs in a browser (below).
  { ignores: ["src/console/page/**"], languageOptions: { globals: globals.node } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-throw-literal": "error",
      "prefer-promise-reject-errors": "error",
    },
  },
  {
    // Only the CLI layer may end the process (STYLE 4).
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "exit", message: "Only src/cli may call process.exit; throw a typed error instead." },
      ],
    },
  },
  {
    // The console's page runs in a browser. Every value it shows is hostile: text goes in as text,
    // never as HTML; it writes nothing to the browser's console (errors are shown in the page).
    files: ["src/console/page/**/*.ts"],
    languageOptions: { globals: globals.browser },
    rules: {
      "no-console": "error",
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "Build elements with createElement and textContent (dom.ts): every value is hostile." },
        { property: "outerHTML", message: "Build elements with createElement and textContent (dom.ts): every value is hostile." },
        { property: "insertAdjacentHTML", message: "Build elements with createElement and textContent (dom.ts): every value is hostile." },
        { object: "document", property: "write", message: "Build elements with createElement and textContent (dom.ts)." },
      ],
    },
  },
);
