import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepError } from "../../../src/errors/nomaflowError.js";
import { shellStep } from "../../../src/step-types/shell/index.js";
import { runShellStep } from "../../../src/step-types/shell/runShellStep.js";
import type { StepOutput } from "../../../src/step-types/stepType.js";
import { recordingContext, type RecordingContext } from "../../support/recordingContext.js";
import { eventually, isRunning } from "../../support/processState.js";

const never = new AbortController().signal;
let root: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "nomaflow-shell-")));
  mkdirSync(join(root, "scripts", "deep"), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(secrets: string[] = []): RecordingContext {
  return recordingContext({ projectRoot: root, env: { PATH: process.env.PATH }, secrets });
}

async function failure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StepError);
  return error as StepError;
}

function readPid(name: string): number {
  return Number(readFileSync(join(root, name), "utf8").trim());
}

describe("shell step: commands", () => {
  it("is wired as the run function of the shell type (loaded when first run)", async () => {
    const { context } = recordingContext();
    expect(await shellStep.run({ command: "echo wired" }, context, never)).toMatchObject({ exit_code: 0, stdout: "wired" });
  });

  it("runs a string through /bin/sh and returns the exit code and stdout", async () => {
    const { context } = project();
    const output = await runShellStep({ command: "echo $((40 + 2)) | tr 4 x; printf '\\n\\n'" }, context, never);
    expect(output).toEqual({ exit_code: 0, stdout: "x2", truncated: false });
  });

  it("runs a list as program and arguments, without a shell, arguments intact", async () => {
    const { context } = project();
    const argv = ["a b", `it's "quoted"`, "$HOME", "*", ""];
    const output = await runShellStep({ command: ["printf", "[%s]", ...argv] }, context, never);
    expect(output.stdout).toBe(argv.map((arg) => `[${arg}]`).join(""));
  });

  it("gives the project environment plus the step's env, and nothing else", async () => {
    const { context } = recordingContext({ projectRoot: root, env: { PATH: process.env.PATH, FROM_PROJECT: "p", SHARED: "project", UNSET: undefined } });
    process.env.NOMAFLOW_SHELL_TEST_LEAK = "leaked";
    try {
      const output = await runShellStep(
        { command: 'echo "$FROM_PROJECT $FROM_STEP $SHARED ${UNSET-unset} ${NOMAFLOW_SHELL_TEST_LEAK-no-leak}"', env: { FROM_STEP: "s", SHARED: "step" } },
        context,
        never,
      );
      expect(output.stdout).toBe("p s step unset no-leak");
    } finally {
      delete process.env.NOMAFLOW_SHELL_TEST_LEAK;
    }
  });

  it("runs in the project folder by default and in cwd relative to it", async () => {
    const { context } = project();
    expect((await runShellStep({ command: "pwd" }, context, never)).stdout).toBe(root);
    expect((await runShellStep({ command: ["pwd"], cwd: "scripts/deep" }, context, never)).stdout).toBe(join(root, "scripts", "deep"));
  });

  it("fails without retry when cwd does not exist", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: "true", cwd: "nope" }, context, never));
    expect(error).toMatchObject({ retryable: false, message: `cwd nope is not a folder (resolved to ${join(root, "nope")})` });
  });

  it("keeps the last 64 KB of stdout, trimmed, and says it was truncated", async () => {
    const { context, messages } = project();
    const output = (await runShellStep({ command: "yes line | head -n 20000; echo END" }, context, never)) as StepOutput & { stdout: string };
    expect(output.truncated).toBe(true);
    expect(output.stdout.endsWith("line\nline\nEND")).toBe(true);
    expect(Buffer.byteLength(output.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(output.stdout)).toBeGreaterThan(64 * 1024 - 10);
    expect(messages("info")).toHaveLength(20_001);
  });
});

describe("shell step: log lines", () => {
  it("logs each stdout line as info while the command still runs", async () => {
    const { context, logs, messages } = project();
    let settledAt: number | undefined;
    const run = runShellStep({ command: "echo a; sleep 1; echo b" }, context, never).finally(() => (settledAt = Date.now()));
    expect(await eventually(() => logs.length > 0)).toBe(true);
    expect(settledAt).toBeUndefined();
    await run;
    expect(messages("info")).toEqual(["a", "b"]);
    expect(settledAt! - logs[0]!.at).toBeGreaterThan(500);
  });

  it("logs stderr lines as warnings, and skips empty lines", async () => {
    const { context, messages } = project();
    await runShellStep({ command: "echo out; echo err1 >&2; echo; printf 'err2\\r\\n' >&2; printf 'no newline' >&2" }, context, never);
    expect(messages("info")).toEqual(["out"]);
    expect(messages("warning")).toEqual(["err1", "err2", "no newline"]);
  });

  it("splits lines correctly when a multi-byte character spans two chunks", async () => {
    const { context, messages } = project();
    await runShellStep({ command: "printf 'caf\\303'; sleep 0.1; printf '\\251 ok\\n'" }, context, never);
    expect(messages("info")).toEqual(["café ok"]);
  });
});

describe("shell step: failures", () => {
  it("fails a non-zero exit as retryable, quoting the last stderr lines", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: "for i in 1 2 3 4 5 6 7; do echo problem $i >&2; done; exit 3" }, context, never));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("command exited with code 3; last lines of stderr:\n  problem 3\n  problem 4\n  problem 5\n  problem 6\n  problem 7");
  });

  it("says just the exit code when there was no stderr", async () => {
    const { context } = project();
    expect((await failure(runShellStep({ command: ["false"] }, context, never))).message).toBe("command exited with code 1");
  });

  it("masks secrets in the quoted stderr", async () => {
    const { context } = project(["hunter2"]);
    const error = await failure(runShellStep({ command: "echo 'login failed for hunter2' >&2; exit 1" }, context, never));
    expect(error.message).toContain("login failed for ***");
    expect(error.message).not.toContain("hunter2");
  });

  it("says which signal killed the command", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: "kill -KILL $$" }, context, never));
    expect(error).toMatchObject({ retryable: true, message: "command was killed by signal SIGKILL" });
  });

  it("fails a command the shell cannot find without retry", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: "nomaflow-no-such-command --flag" }, context, never));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^command not found \(exit code 127\); last lines of stderr:\n {2}.*nomaflow-no-such-command.*not found/);
  });

  it("fails a program that does not exist (argv form) without retry, naming it", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: ["nomaflow-no-such-command", "x"] }, context, never));
    expect(error).toMatchObject({ retryable: false, message: "command not found: nomaflow-no-such-command" });
    expect(error.hint).toMatch(/PATH/);
  });

  it("fails a file that is not executable (argv form) without retry", async () => {
    const { context } = project();
    writeFileSync(join(root, "scripts", "not-executable.sh"), "echo hi\n", { mode: 0o644 });
    const error = await failure(runShellStep({ command: ["./scripts/not-executable.sh"] }, context, never));
    expect(error).toMatchObject({ retryable: false, message: "command could not be run: ./scripts/not-executable.sh is not executable (permission denied)" });
  });
});

describe("shell step: cancellation and leftovers", () => {
  it("kills the whole process group on abort, grandchildren included, and settles at once", async () => {
    const { context, messages } = project();
    const controller = new AbortController();
    const run = failure(
      runShellStep({ command: "echo $$ > leader.pid; sleep 100 & echo $! > grandchild.pid; echo started; sleep 100" }, context, controller.signal),
    );
    expect(await eventually(() => messages("info").includes("started"))).toBe(true);
    const leader = readPid("leader.pid");
    const grandchild = readPid("grandchild.pid");
    expect(isRunning(grandchild)).toBe(true);

    const abortedAt = Date.now();
    controller.abort(new Error("step timed out after 30 s"));
    const error = await run;
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(error.message).toBe("command cancelled: step timed out after 30 s");
    expect(await eventually(() => !isRunning(grandchild) && !isRunning(leader))).toBe(true);
  });

  it("says it was cancelled when the abort has no reason of its own", async () => {
    const { context } = project();
    const controller = new AbortController();
    const run = failure(runShellStep({ command: ["sleep", "100"] }, context, controller.signal));
    controller.abort();
    expect((await run).message).toMatch(/^command cancelled: .*aborted/);
  });

  it("sends SIGKILL two seconds later to a group that ignores SIGTERM", async () => {
    const { context, messages } = project();
    const controller = new AbortController();
    const run = failure(runShellStep({ command: "trap '' TERM; sleep 100 & echo $! > stubborn.pid; echo started; wait" }, context, controller.signal));
    expect(await eventually(() => messages("info").includes("started"))).toBe(true);
    const stubborn = readPid("stubborn.pid");
    const abortedAt = Date.now();
    controller.abort(new Error("interrupted"));
    expect((await run).message).toBe("command cancelled: interrupted");
    const took = Date.now() - abortedAt;
    expect(took).toBeGreaterThan(1_500);
    expect(took).toBeLessThan(3_500);
    expect(await eventually(() => !isRunning(stubborn), 1_000)).toBe(true);
  });

  it("does not start anything when the signal has already aborted", async () => {
    const { context } = project();
    const error = await failure(runShellStep({ command: "touch should-not-exist" }, context, AbortSignal.abort(new Error("run interrupted"))));
    expect(error.message).toBe("command cancelled: run interrupted");
    expect(() => readFileSync(join(root, "should-not-exist"))).toThrow();
  });

  it("stops what a finished command left running in the background, without waiting for it", async () => {
    const { context } = project();
    const started = Date.now();
    const output = await runShellStep({ command: "sleep 100 & echo $! > background.pid; echo done" }, context, never);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(output).toEqual({ exit_code: 0, stdout: "done", truncated: false });
    expect(await eventually(() => !isRunning(readPid("background.pid")))).toBe(true);
  });
});

describe("shell step environment", () => {
  it("tells the command which job, run, step and try it is", async () => {
    const { context, messages } = recordingContext();
    await runShellStep({ command: 'echo "$NOMAFLOW_JOB_ID $NOMAFLOW_RUN_ID $NOMAFLOW_STEP $NOMAFLOW_ATTEMPT"' }, context, new AbortController().signal);
    expect(messages("info")).toEqual([`${context.jobId} ${context.runId} ${context.stepName} ${context.attempt}`]);
  });
});
