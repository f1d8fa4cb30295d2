/** Temporary project folders for tests, and the real CLI run as a child process. */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(REPO_ROOT, "bin", "nomaflow");

export const MINIMAL_CONFIG = `connectors:
  ops-db: { url: "postgres://localhost/ops" }
  reporting-db: { url: "postgres://localhost/reporting" }
notifications:
  channels:
    oncall: { type: slack, url: "https://hooks.example/x" }
  default: [oncall]
`;

/** Writes `files` (path → content, string or bytes) under a new temporary folder. */
export function makeProject(files: Record<string, string | Buffer>): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "nomaflow-test-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `bin/nomaflow` (npm test builds first) with a clean colour environment; past
 * `timeoutMs` it is killed (SIGKILL) and its code is 1.
 */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env } as NodeJS.ProcessEnv;
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}
