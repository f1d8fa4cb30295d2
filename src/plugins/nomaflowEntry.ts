/** Where the running Nomaflow's public module is, for plugins that `import … from "nomaflow"`. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let found: string | null | undefined;

/**
 * `dist/index.js` of the package this code belongs to (found by walking up to its package.json),
 * or null when it is not there (a source checkout that was never built).
 */
export function nomaflowEntry(): string | null {
  if (found !== undefined) return found;
  found = null;
  for (let folder = dirname(fileURLToPath(import.meta.url)); dirname(folder) !== folder; folder = dirname(folder)) {
    const manifest = join(folder, "package.json");
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name !== "nomaflow") continue;
    } catch {
      continue;
    }
    const entry = join(folder, "dist", "index.js");
    found = existsSync(entry) ? entry : null;
    break;
  }
  return found;
}
