/**
 * Finds a project folder and reads its files: nomaflow.yaml, the env file and jobs/*.yaml.
 * Nothing here judges the content; checkProject does, and builds the job models.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import { projectStepTypes, StepTypeRegistry } from "../step-types/registry.js";
import type { Diagnostic } from "./diagnostic.js";
import { loadProjectEnvironment, type ProjectEnvironment } from "../templates/envFile.js";
import { resolveProjectConfig, type ProjectConfig, type SettingsOverrides } from "./projectConfig.js";
import { readYamlFile, type YamlSource } from "./yamlSource.js";

export const CONFIG_FILE = "nomaflow.yaml";
export const JOBS_DIR = "jobs";
const JOB_EXTENSIONS = new Set([".yaml", ".yml"]);

export interface ProjectFile {
  /** As shown to the user. */
  file: string;
  absolutePath: string;
  source: YamlSource | undefined;
  /** Problems found while reading: size, binary content, YAML syntax. */
  readDiagnostics: Diagnostic[];
}

/** A job file found in jobs/; it is read and parsed when checked (possibly in a worker). */
export interface JobFileEntry {
  /** As shown to the user. */
  file: string;
  absolutePath: string;
  /** The id the file name asks for. */
  expectedId: string;
}

export interface Project {
  root: string;
  configFile: ProjectFile;
  config: ProjectConfig;
  environment: ProjectEnvironment;
  jobFiles: JobFileEntry[];
  registry: StepTypeRegistry;
  /** The folder paths are shown relative to. */
  cwd: string;
}

export interface LoadProjectOptions {
  /** `-C DIR`; default: the current folder or the nearest parent holding nomaflow.yaml. */
  projectDir?: string;
  cwd?: string;
  processEnv?: NodeJS.ProcessEnv;
  overrides?: SettingsOverrides;
  registry?: StepTypeRegistry;
}

/** The folder holding nomaflow.yaml: `dir` itself when given, else the cwd or its nearest parent. */
export function findProjectRoot(dir: string | undefined, cwd: string): string {
  if (dir !== undefined) {
    const root = resolve(cwd, dir);
    if (!existsSync(join(root, CONFIG_FILE))) {
      throw new UsageError(`no ${CONFIG_FILE} in ${root}`, { hint: "pass -C with the folder that holds nomaflow.yaml" });
    }
    return root;
  }
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    if (existsSync(join(folder, CONFIG_FILE))) return folder;
    if (dirname(folder) === folder) break;
  }
  throw new UsageError(`no ${CONFIG_FILE} in ${resolve(cwd)} or any parent folder`, {
    hint: "run nomaflow in a project folder, or pass -C DIR",
  });
}

/** How a path is shown: relative to the current folder when inside it. */
export function displayPath(absolutePath: string, cwd: string): string {
  const relativePath = relative(cwd, absolutePath);
  return relativePath && !relativePath.startsWith("..") ? relativePath : absolutePath;
}

function readProjectFile(absolutePath: string, cwd: string): ProjectFile {
  const file = displayPath(absolutePath, cwd);
  const { source, diagnostics } = readYamlFile(absolutePath, file);
  return { file, absolutePath, source, readDiagnostics: diagnostics };
}

export function jobFileEntry(absolutePath: string, cwd: string): JobFileEntry {
  return { file: displayPath(absolutePath, cwd), absolutePath, expectedId: basename(absolutePath, extname(absolutePath)) };
}

export function readJobFile(entry: JobFileEntry): ProjectFile {
  const { source, diagnostics } = readYamlFile(entry.absolutePath, entry.file);
  return { file: entry.file, absolutePath: entry.absolutePath, source, readDiagnostics: diagnostics };
}

/** Job files of the project, sorted by name. */
export function listJobFiles(root: string): string[] {
  const folder = join(root, JOBS_DIR);
  if (!existsSync(folder)) return [];
  return (
    readdirSync(folder, { withFileTypes: true })
      // A link is read through: a dangling one is reported as a missing file, not skipped.
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && JOB_EXTENSIONS.has(extname(entry.name)))
      .map((entry) => join(folder, entry.name))
      .sort()
  );
}

export function loadProject(options: LoadProjectOptions = {}): Project {
  const cwd = options.cwd ?? process.cwd();
  const processEnv = options.processEnv ?? process.env;
  const root = findProjectRoot(options.projectDir, cwd);
  const configFile = readProjectFile(join(root, CONFIG_FILE), cwd);
  const config = resolveProjectConfig(root, configFile.source?.data, processEnv, options.overrides);
  let environment: ProjectEnvironment;
  try {
    environment = loadProjectEnvironment(config.envFile, processEnv);
  } catch (error) {
    throw new UsageError(`cannot read the env file ${displayPath(config.envFile, cwd)}: ${(error as Error).message}`, { cause: error });
  }
  return {
    root,
    configFile,
    config,
    environment,
    jobFiles: listJobFiles(root).map((path) => jobFileEntry(path, cwd)),
    registry: options.registry ?? new StepTypeRegistry(projectStepTypes(config)),
    cwd,
  };
}
