/**
 * What a daemon tells the cluster about the project it runs: the git commit it was deployed from
 * (its revision, for people), and a hash of its job definitions (for comparing daemons: a fire runs
 * the claiming host's version of the job, so daemons that disagree are flagged).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { Project } from "../../project/loadProject.js";

/** sha256 of nomaflow.yaml and every job file (path and bytes, in path order), first 16 hex digits. */
export function definitionsHash(project: Project): string {
  const hash = createHash("sha256");
  const files = [project.configFile.absolutePath, ...project.jobFiles.map((entry) => entry.absolutePath)];
  for (const path of files.sort()) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      bytes = Buffer.alloc(0);
    }
    hash.update(relative(project.root, path)).update("\0").update(String(bytes.length)).update("\0").update(bytes);
  }
  return hash.digest("hex").slice(0, 16);
}

/** The project's git commit (12 digits, `+changes` when job files differ from it), else `files:` and the definitions hash. */
export function projectRevision(project: Project, definitions: string): string {
  const git = (args: string[]) =>
    execFileSync("git", ["-C", project.root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 2000 }).trim();
  try {
    const commit = git(["rev-parse", "--short=12", "HEAD"]);
    const changed = git(["status", "--porcelain", "--", relative(project.root, project.configFile.absolutePath), "jobs"]) !== "";
    return changed ? `${commit}+changes` : commit;
  } catch {
    return `files:${definitions}`;
  }
}
