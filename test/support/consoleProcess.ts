/** The real `nomaflow console` (the built bin) as a child process, with the URL it printed. */
import { spawn, type ChildProcess } from "node:child_process";
import { BIN } from "./tempProject.js";

export interface ConsoleProcess {
  child: ChildProcess;
  /** What it printed on `console: URL`, ending with `/`. */
  url: string;
  /** Its stdout and stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM, then its exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `nomaflow console --http 127.0.0.1:0` in `root` (the project's folder, as a user would)
 * and waits for its `console: URL` line. `env`: variables added to the test's own.
 */
export async function startConsole(root: string, env: Record<string, string>, timeoutMs = 20_000): Promise<ConsoleProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  for (const name of ["FORCE_COLOR", "NOMAFLOW_RUNS_DIR"]) delete childEnv[name];
  const child = spawn(process.execPath, [BIN, "console", "--http", "127.0.0.1:0"], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nomaflow console printed no "console: URL" line within ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    const take = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const line = /^console: (http\S+)$/m.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]!);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`nomaflow console exited (code ${code}, signal ${signal}) before printing its URL; output:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
