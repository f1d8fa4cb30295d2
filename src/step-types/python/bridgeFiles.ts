/**
 * Where the bridge's Python files are. The same code runs from three places: src/ (tests import
 * the TypeScript), dist/step-types/python/ (the library) and dist/cli/ or dist/cli/chunks/ (the
 * bundled CLI); the build copies bridge/*.py to dist/step-types/python/bridge/.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StepError } from "../../errors/nomaflowError.js";

const CANDIDATES = ["./bridge/", "../step-types/python/bridge/", "../../step-types/python/bridge/"];

export interface BridgeFiles {
  /** Absolute path of launcher.py. */
  launcher: string;
  /**
   * Running from the TypeScript sources (tests): Python must not write __pycache__ into the
   * source tree. Elsewhere Python caches the bridge's bytecode beside it, as for any package.
   */
  inSourceTree: boolean;
}

/** Looked up for each step (a few stat calls), so a rebuilt dist/ is found again. */
export function bridgeFiles(): BridgeFiles {
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    const launcher = fileURLToPath(new URL(`${candidate}launcher.py`, import.meta.url));
    if (existsSync(launcher)) return { launcher, inSourceTree: import.meta.url.endsWith(".ts") };
    tried.push(launcher);
  }
  throw new StepError(`this installation of nomaflow is missing the python bridge (looked for ${tried.join(", ")})`, {
    retryable: false,
    hint: "reinstall nomaflow, or run `npm run build` in a source checkout",
  });
}
