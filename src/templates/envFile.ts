/**
 * The environment a project sees: the env file (`.env` by default) under the process environment,
 * which wins, so a variable set by systemd or CI overrides the file.
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";

export interface ProjectEnvironment {
  /** The merged variables. */
  values: Readonly<Record<string, string | undefined>>;
  /** Absolute path of the env file, and whether it was there. */
  file: string;
  fileFound: boolean;
}

export function loadProjectEnvironment(envFilePath: string, processEnv: NodeJS.ProcessEnv = process.env): ProjectEnvironment {
  let fromFile: Record<string, string> = {};
  let fileFound = false;
  try {
    fromFile = parseEnv(readFileSync(envFilePath, "utf8")) as Record<string, string>;
    fileFound = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return { values: { ...fromFile, ...processEnv }, file: envFilePath, fileFound };
}
