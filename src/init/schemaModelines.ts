/**
 * Where a new project's `# yaml-language-server: $schema=…` modelines point. The language server
 * resolves a relative path from the file's own folder, and takes an absolute one (or a file: URL)
 * as is:
 * - nomaflow installed in the project (node_modules/nomaflow, in the folder or a parent): a
 *   relative path into it, which holds for everyone who clones the project and runs npm ci;
 * - else the running nomaflow's schemas/: relative when it is inside the project, otherwise a
 *   file: URL, which works on this machine only (the `init` output says so).
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { nomaflowEntry } from "../plugins/nomaflowEntry.js";

export const CONFIG_SCHEMA = "nomaflow.schema.json";
export const JOB_SCHEMA = "job.schema.json";

export interface SchemaFolder {
  /** Absolute path of the folder holding both schemas. */
  folder: string;
  /** `dependency`: nomaflow installed in the project; `installation`: the running nomaflow. */
  kind: "dependency" | "installation";
}

/** The running nomaflow's schemas/ folder, or undefined when it cannot be found. */
export function runningSchemasFolder(): string | undefined {
  const entry = nomaflowEntry();
  if (entry === null) return undefined;
  const folder = join(dirname(dirname(entry)), "schemas");
  return existsSync(join(folder, JOB_SCHEMA)) ? folder : undefined;
}

/** The schemas a project in `projectDir` should point at; undefined when none is found. */
export function findSchemaFolder(projectDir: string, running: string | undefined = runningSchemasFolder()): SchemaFolder | undefined {
  for (let folder = projectDir; ; folder = dirname(folder)) {
    const installed = join(folder, "node_modules", "nomaflow", "schemas");
    if (existsSync(join(installed, JOB_SCHEMA))) return { folder: installed, kind: "dependency" };
    if (dirname(folder) === folder) break;
  }
  return running === undefined ? undefined : { folder: running, kind: "installation" };
}

/** Whether `path` is `folder` or inside it. */
function isInside(path: string, folder: string): boolean {
  const fromFolder = relative(folder, path);
  return fromFolder === "" || (fromFolder !== ".." && !fromFolder.startsWith(`..${sep}`) && !isAbsolute(fromFolder));
}

/** What the modeline of a file in `fileDir` (inside `projectDir`) says for `schemaFile`. */
export function modelineTarget(schemas: SchemaFolder, projectDir: string, fileDir: string, schemaFile: string): string {
  const schema = join(schemas.folder, schemaFile);
  if (schemas.kind === "dependency" || isInside(schemas.folder, projectDir)) {
    const path = relative(fileDir, schema).split(sep).join("/");
    return path.startsWith("../") ? path : `./${path}`;
  }
  return pathToFileURL(schema).href;
}
