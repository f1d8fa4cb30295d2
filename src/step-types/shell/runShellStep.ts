import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { execa } from "execa";
import { StepError } from "../../errors/nomaflowError.js";
import { cancelledError } from "../cancelledError.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import type { ShellStepFields } from "./index.js";
import { LineSplitter, StderrTail, TailBuffer } from "../outputLines.js";
import { processEnvironment } from "../processEnvironment.js";
import { superviseGroup, type ProcessExit } from "../processGroup.js";

/** How much of stdout the step output keeps (the end of it). */
const STDOUT_OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs the command in a process group of its own, streams its output to the log line by line and
 * returns `{ exit_code, stdout, truncated }`. When the command ends, or `signal` aborts, whatever is
 * left in its group is stopped too: a step leaves nothing running behind it.
 */
export async function runShellStep(fields: ShellStepFields, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  if (signal.aborted) throw cancelledError("command", signal);
  const cwd = await workingFolder(fields.cwd, context);
  // The signal may have aborted while cwd was checked; from here on the abort listener covers it.
  if (signal.aborted) throw cancelledError("command", signal);
  const [file, ...args] = typeof fields.command === "string" ? ["/bin/sh", "-c", fields.command] : fields.command;

  const subprocess = execa(file!, args, {
    cwd,
    env: processEnvironment(context, fields.env),
    extendEnv: false,
    stdin: "ignore",
    buffer: false,
    reject: false,
    detached: true,
    // execa's own cleanup does not cover detached children; ProcessGroup does.
    cleanup: false,
  });

  const stdoutTail = new TailBuffer(STDOUT_OUTPUT_LIMIT);
  const stdoutLines = new LineSplitter((line) => context.log("info", line));
  const stderrTail = new StderrTail();
  const stderrLines = new LineSplitter((line) => {
    context.log("warning", line);
    stderrTail.push(line);
  });
  subprocess.stdout?.on("data", (chunk: Buffer) => {
    stdoutTail.write(chunk);
    stdoutLines.write(chunk);
  });
  subprocess.stderr?.on("data", (chunk: Buffer) => stderrLines.write(chunk));

  const { result, exit } = await superviseGroup(subprocess, signal, {
    onLeftovers: (pgid) => context.log("debug", `stopping what the command left running in its process group (${pgid})`),
    streams: [subprocess.stdout, subprocess.stderr],
  });
  stdoutLines.end();
  stderrLines.end();

  if (signal.aborted) throw cancelledError("command", signal);
  if (!exit) throw startError(result, file!, context);
  const failure = exitFailure(exit, typeof fields.command === "string");
  if (failure) {
    throw new StepError(context.mask(failure.message + stderrTail.quoted()), { retryable: failure.retryable });
  }
  return { exit_code: 0, stdout: stdoutTail.text().trim(), truncated: stdoutTail.truncated };
}

async function workingFolder(cwd: string | undefined, context: StepRunContext): Promise<string> {
  const folder = resolve(context.projectRoot, cwd ?? ".");
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new StepError(`cwd ${context.mask(cwd ?? ".")} is not a folder (resolved to ${context.mask(folder)})`, {
      retryable: false,
      hint: "cwd is relative to the project folder",
    });
  }
  return folder;
}

/** What a finished command's exit status means; undefined for success. */
function exitFailure(exit: ProcessExit, throughShell: boolean): { message: string; retryable: boolean } | undefined {
  if (exit.signal) return { message: `command was killed by signal ${exit.signal}`, retryable: true };
  if (exit.code === 0) return undefined;
  // The shell's own codes for a command it could not find or run; another try will not change that.
  if (throughShell && exit.code === 127) return { message: "command not found (exit code 127)", retryable: false };
  if (throughShell && exit.code === 126) return { message: "command could not be run (exit code 126: not executable)", retryable: false };
  return { message: `command exited with code ${exit.code}`, retryable: true };
}

/** The program could not be started at all (argv form: not found, not executable). */
function startError(result: { code?: string; cause?: unknown; shortMessage?: string }, file: string, context: StepRunContext): StepError {
  const program = context.mask(file);
  if (result.code === "ENOENT") {
    return new StepError(`command not found: ${program}`, {
      retryable: false,
      cause: result.cause,
      hint: "a program name without a slash is looked up in the PATH of the project environment",
    });
  }
  if (result.code === "EACCES") {
    return new StepError(`command could not be run: ${program} is not executable (permission denied)`, { retryable: false, cause: result.cause });
  }
  return new StepError(`command could not be started: ${context.mask(result.shortMessage ?? String(result.cause))}`, { cause: result.cause });
}
