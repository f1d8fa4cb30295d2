/**
 * Running a README `$ ` line for real, in an example's project. Only what the README needs is
 * understood: `nomaflow …` (the built bin, optionally after `NAME=value` assignments),
 * `npm run demo` (package.json's script, when it is a nomaflow command) and `echo $?`.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BIN, REPO_ROOT } from "../support/tempProject.js";

/** The README's stand-in for the example project's folder, wherever the test copied it. */
export const README_PROJECT_DIR = "/srv/nomaflow/etl";

/** The instant the README's examples were written at; the CLI's clock is moved there (readmeClock.mjs). */
export const README_NOW = "2026-11-28T11:16:44Z";

const CLOCK_MODULE = join(REPO_ROOT, "test", "readme", "readmeClock.mjs");

/** Words of a command line: blanks separate, '…' and "…" quote (no escapes, no expansions). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) throw new Error(`unbalanced quote in: ${text}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** Everything in the test's environment that could point an example somewhere else is left out. */
const LEFT_OUT = /^(PG[A-Z]+|NOMAFLOW_\w+|\w+_URL|FORCE_COLOR|NODE_OPTIONS|TZ)$/;

export interface CommandResult {
  status: number;
  /** stdout and stderr as one stream, in the order they were written, as a terminal shows them. */
  lines: string[];
}

/** One example project's shell: commands run in its folder, one after another. */
export class ExampleShell {
  private lastStatus: number | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly dir: string,
    clockOffsetMs: number,
  ) {
    const inherited = Object.entries(process.env).filter(([name]) => !LEFT_OUT.test(name));
    this.env = {
      ...Object.fromEntries(inherited),
      NO_COLOR: "1",
      TZ: "UTC",
      NODE_OPTIONS: `--import=${JSON.stringify(pathToFileURL(CLOCK_MODULE).href)}`,
      NOMAFLOW_README_CLOCK_OFFSET_MS: String(clockOffsetMs),
    };
  }

  async run(commandLine: string): Promise<CommandResult> {
    const words = splitWords(commandLine);
    if (words.join(" ") === "echo $?") {
      if (this.lastStatus === undefined) throw new Error("`echo $?` before any command");
      return { status: 0, lines: [String(this.lastStatus)] };
    }
    const assignments: Record<string, string> = {};
    while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? "")) {
      const [name, ...value] = words.shift()!.split("=");
      assignments[name!] = value.join("=");
    }
    const args = words[0] === "nomaflow" ? words.slice(1) : words.join(" ") === "npm run demo" ? demoScriptArgs() : undefined;
    if (args === undefined) throw new Error(`README command not understood by the example runner: ${commandLine} (see the top of readmeExamples.test.ts)`);
    const result = await this.spawnCli(args, assignments);
    this.lastStatus = result.status;
    return result;
  }

  private async spawnCli(args: string[], assignments: Record<string, string>): Promise<CommandResult> {
    // One file for both streams keeps their real interleaving, which two pipes would lose.
    const scratch = mkdtempSync(join(tmpdir(), "nomaflow-readme-output-"));
    const outputFile = join(scratch, "output");
    const fd = openSync(outputFile, "w");
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: this.dir,
          env: { ...this.env, ...assignments },
          stdio: ["ignore", fd, fd],
          timeout: 100_000,
          killSignal: "SIGKILL",
        });
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
      });
      const text = readFileSync(outputFile, "utf8");
      return { status, lines: text.replaceAll(this.dir, README_PROJECT_DIR).split("\n") };
    } finally {
      closeSync(fd);
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

/** package.json's demo script as nomaflow arguments; npm's own banner is not part of the README text. */
function demoScriptArgs(): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
  const script = scripts.demo;
  if (script === undefined) throw new Error("README.md runs `npm run demo`, but package.json has no demo script");
  const words = splitWords(script);
  const start = words[0] === "nomaflow" ? 1 : words[0] === "node" && /^(\.\/)?bin\/nomaflow$/.test(words[1] ?? "") ? 2 : -1;
  if (start < 0) throw new Error(`package.json's demo script is "${script}", not a nomaflow command the README example can run`);
  return words.slice(start);
}
