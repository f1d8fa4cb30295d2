/**
 * Where the page's built files are: `dist/console/` of the package this module belongs to. The
 * module may be the CLI's bundle (`dist/cli/nomaflow.js`), one of its chunks (`dist/cli/chunks/`),
 * the compiled library (`dist/console/`) or the source under test (`src/console/`): the package's
 * folder is the nearest one up holding package.json.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function consoleAssetsDir(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return join(folder, "dist", "console");
    if (dirname(folder) === folder) return join(start, "console");
  }
}
