import { readFileSync } from "node:fs";

/** Set by the bundler; absent when running from src/ or from tsc's output. */
declare const __NOMAFLOW_VERSION__: string | undefined;

function readVersion(): string {
  // src/identity/ and dist/identity/ both sit two levels below package.json.
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** The package version, as `nomaflow --version` prints it and run logs record it. */
export const VERSION: string = typeof __NOMAFLOW_VERSION__ === "string" ? __NOMAFLOW_VERSION__ : readVersion();
