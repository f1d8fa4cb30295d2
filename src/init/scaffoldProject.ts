/**
 * Writes a new project into a folder: the template's files, and the lines .gitignore needs
 * (added to a .gitignore already there, never replacing it). Files already there are refused,
 * all of them named and nothing written, unless `force` says to overwrite them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import { fileProblem } from "../files/fileProblem.js";
import { makeFolderSync } from "../files/makeFolder.js";
import { gitignoreText, GITIGNORE_LINES, templateFiles, type ModelineTargets, type TemplateFile } from "./projectTemplate.js";
import { CONFIG_SCHEMA, findSchemaFolder, JOB_SCHEMA, modelineTarget, runningSchemasFolder, type SchemaFolder } from "./schemaModelines.js";

export interface ScaffoldOptions {
  /** Absolute path of the project folder; created if missing. */
  dir: string;
  /** Overwrite the template's files when they are there. @default false */
  force?: boolean;
  /** The running nomaflow's schemas/ folder. @default found from the running code */
  runningSchemas?: string;
}

export interface ScaffoldedFile {
  path: string;
  purpose: string;
  /** `created`; `overwritten` (with force); for .gitignore also `updated` (lines added) or `kept`. */
  action: "created" | "overwritten" | "updated" | "kept";
}

export interface ScaffoldResult {
  files: ScaffoldedFile[];
  /** Where the modelines point; undefined when no schemas were found (the files have no modeline then). */
  schemas: SchemaFolder | undefined;
  /** What the modelines say. */
  modelines: ModelineTargets;
}

const GITIGNORE = ".gitignore";
const GITIGNORE_PURPOSE = "run logs, .env and embedded databases kept out of git";

function ensureFolder(dir: string): void {
  try {
    makeFolderSync(dir);
  } catch (error) {
    throw new UsageError(`cannot create the folder ${dir}: ${fileProblem(error)}`, {
      cause: error,
      hint: "give nomaflow init a folder it can create and write to",
    });
  }
}

/** A line of .gitignore that already covers `wanted` (`runs/` covers `/runs/`). */
function covered(existing: readonly string[], wanted: string): boolean {
  const bare = (line: string) => line.trim().replace(/^\//, "").replace(/\/$/, "");
  return existing.some((line) => bare(line) === bare(wanted));
}

function writeFile(dir: string, file: Pick<TemplateFile, "path" | "content">): void {
  const path = join(dir, file.path);
  try {
    makeFolderSync(dirname(path));
    writeFileSync(path, file.content);
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${fileProblem(error)}`, { cause: error });
  }
}

export function scaffoldProject(options: ScaffoldOptions): ScaffoldResult {
  const { dir } = options;
  ensureFolder(dir);
  const schemas = findSchemaFolder(dir, options.runningSchemas ?? runningSchemasFolder());
  const target = (fileDir: string, schemaFile: string) => (schemas ? modelineTarget(schemas, dir, fileDir, schemaFile) : undefined);
  const modelines = { config: target(dir, CONFIG_SCHEMA), job: target(join(dir, "jobs"), JOB_SCHEMA) };
  const files = templateFiles(modelines);

  const existing = files.filter((file) => existsSync(join(dir, file.path)));
  if (existing.length > 0 && !options.force) {
    throw new UsageError(
      `${existing.length === 1 ? "a file is" : "files are"} already there, so nothing was written: ${existing.map((file) => file.path).join(", ")} in ${dir}`,
      {
        hint: "pass --force to overwrite them, or give nomaflow init a new folder",
      },
    );
  }

  const results: ScaffoldedFile[] = [];
  for (const file of files) {
    const action = existsSync(join(dir, file.path)) ? "overwritten" : "created";
    writeFile(dir, file);
    results.push({ path: file.path, purpose: file.purpose, action });
  }
  results.push({ path: GITIGNORE, purpose: GITIGNORE_PURPOSE, action: mergeGitignore(dir) });
  return { files: results, schemas, modelines };
}

/** Adds the lines .gitignore lacks, keeping the rest of it. */
function mergeGitignore(dir: string): ScaffoldedFile["action"] {
  const path = join(dir, GITIGNORE);
  if (!existsSync(path)) {
    writeFile(dir, { path: GITIGNORE, content: gitignoreText(GITIGNORE_LINES) });
    return "created";
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${fileProblem(error)}`, { cause: error });
  }
  const missing = GITIGNORE_LINES.filter((line) => !covered(text.split(/\r?\n/), line));
  if (missing.length === 0) return "kept";
  writeFile(dir, { path: GITIGNORE, content: `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}\n${gitignoreText(missing)}` });
  return "updated";
}
