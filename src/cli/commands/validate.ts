import { resolve } from "node:path";
import { CONFIG_FILE, loadProject } from "../../project/loadProject.js";
import { checkProject } from "../../validate/checkProject.js";
import { formatGithub, formatJson, formatText } from "../formatDiagnostics.js";
import { createOutput } from "../output.js";

export interface ValidateOptions {
  project?: string;
  format: "text" | "json" | "github";
  json?: boolean;
  requireEnv?: boolean;
}

export async function validateCommand(files: string[], options: ValidateOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const { report } = await checkProject(project, { requireEnv: options.requireEnv ?? false, dstFrom: Date.now(), onlyFiles: files });
  const known = new Set([resolve(project.root, CONFIG_FILE), ...project.jobFiles.map((entry) => entry.absolutePath)]);
  const missing = files.filter((file) => !known.has(resolve(file)));
  for (const file of missing) {
    output.err(`nomaflow: error: ${file} is not a job file of this project (jobs/*.yaml)`);
  }
  if (missing.length > 0) return 2;
  const format = options.json ? "json" : options.format;
  output.out(format === "json" ? formatJson(report) : format === "github" ? formatGithub(report) : formatText(report, output.style));
  return report.ok ? 0 : 1;
}
