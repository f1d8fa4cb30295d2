import { readFileSync } from "node:fs";

// src/ and dist/ both sit one level below package.json, so one relative URL serves tests and builds.
const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** The package version, as `nomaflow --version` prints it and run logs record it. */
export const VERSION: string = packageJson.version;
