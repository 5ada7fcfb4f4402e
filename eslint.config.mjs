// TypeScript lint for the whole repository (scripts, tests, agent, indexer). Type-aware rules are
// left out on purpose: they need a full program per workspace and add minutes to CI.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "artifacts/**", "cache/**", "typechain-types/**", "coverage/**", "dist/**", "**/.ponder/**", "**/generated/**", "bench/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      // Hardhat/CommonJS scripts load artifacts and optional packages with require().
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // chai's `expect(x).to.be.true` style is an expression statement.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // The dashboard's script runs in the browser, as a classic script.
    files: ["agent/src/server/dashboard/assets/*.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
);
