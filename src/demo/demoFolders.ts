/**
 * Where `nomaflow demo` keeps its embedded databases inside a project (`.nomaflow/demo/`, which
 * git ignores), and the recipe's variables that point the project's connectors at them.
 */
import { join } from "node:path";

export const DEMO_DIR = join(".nomaflow", "demo");

export interface DemoFolders {
  /** `<project>/.nomaflow/demo`, absolute. */
  root: string;
  opsDb: string;
  reportingDb: string;
  /** Written once both databases are seeded; a run that finds it does not seed again. */
  marker: string;
}

export function demoFolders(projectRoot: string): DemoFolders {
  const root = join(projectRoot, DEMO_DIR);
  return { root, opsDb: join(root, "ops-db"), reportingDb: join(root, "reporting-db"), marker: join(root, "seeded.json") };
}
