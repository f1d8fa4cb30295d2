import { join } from "node:path";
import type { Duplex } from "node:stream";
import { execa } from "execa";
import { StepError } from "../../errors/nomaflowError.js";
import { cancelledError } from "../cancelledError.js";
import { LineSplitter, StderrTail } from "../outputLines.js";
import { processEnvironment } from "../processEnvironment.js";
import { superviseGroup, type ProcessExit } from "../processGroup.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import { BridgeConnection, type BridgeOutcome } from "./bridgeConnection.js";
import { bridgeFiles } from "./bridgeFiles.js";
import { toPython } from "./bridgeValues.js";
import type { PythonStepFields } from "./index.js";

/** Said in every error about the interpreter itself: where to change it. */
const CONFIGURED_BY = "set by python.interpreter in nomaflow.yaml or the NOMAFLOW_PYTHON environment variable";

/**
 * Calls `fields.callable` in `interpreter`, a process of its own (its own process group), through
 * the bridge in ./bridge/: the function's return value is the step's output. Its prints and
 * stderr become log lines; the context (`ctx`) talks to Nomaflow over a dedicated pipe. When the
 * function ends, or `signal` aborts, whatever is left in the group is stopped.
 */
export async function runPythonStep(fields: PythonStepFields, context: StepRunContext, signal: AbortSignal, interpreter: string): Promise<StepOutput> {
  if (signal.aborted) throw cancelledError("python function", signal);
  const bridgeAt = bridgeFiles();
  const subprocess = execa(interpreter, bridgeAt.inSourceTree ? ["-B", bridgeAt.launcher] : [bridgeAt.launcher], {
    cwd: context.projectRoot,
    env: environment(context),
    extendEnv: false,
    // The protocol: fd 3 carries Python's messages, fd 4 Nomaflow's. One pipe for both ways lost
    // Python's last words: a write into it after the interpreter exited (EPIPE) destroys the socket
    // with the unread answer still in it.
    stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
    buffer: false,
    reject: false,
    detached: true,
    // execa's own cleanup does not cover detached children; ProcessGroup does.
    cleanup: false,
  });

  const stdoutLines = new LineSplitter((line) => context.log("info", line));
  const stderrTail = new StderrTail();
  const stderrLines = new LineSplitter((line) => {
    context.log("warning", line);
    stderrTail.push(line);
  });
  subprocess.stdout?.on("data", (chunk: Buffer) => stdoutLines.write(chunk));
  subprocess.stderr?.on("data", (chunk: Buffer) => stderrLines.write(chunk));

  // In-flight queries are cancelled on the server when the step is, or when the interpreter dies.
  const queries = new AbortController();
  const said = subprocess.stdio[3] as Duplex | undefined;
  const told = subprocess.stdio[4] as Duplex | undefined;
  const bridge = said && told ? new BridgeConnection(said, told, context, queries.signal) : undefined;
  bridge?.start({
    t: "start",
    callable: fields.callable,
    plugins: join(context.projectRoot, "plugins"),
    kwargs: toPython(fields.op_kwargs ?? {}),
    ctx: { job_id: context.jobId, run_id: context.runId, step: context.stepName, attempt: context.attempt, params: toPython(context.params) },
  });

  const { result, exit } = await superviseGroup(subprocess, signal, {
    onLeftovers: (pgid) => context.log("debug", `stopping what the function left running in its process group (${pgid})`),
    streams: [subprocess.stdout, subprocess.stderr, said, told],
    onExit: () => queries.abort(new Error("the python interpreter exited")),
    onAbort: () => queries.abort(signal.reason),
    afterSettled: async () => bridge?.settled(),
  });
  stdoutLines.end();
  stderrLines.end();

  if (signal.aborted) throw cancelledError("python function", signal);
  if (!exit) throw startError(result, interpreter, context);
  return outcome(bridge, exit, stderrTail, fields.callable, context, interpreter);
}

/** The project's environment, where the function runs (as for shell steps), and unbuffered output. */
function environment(context: StepRunContext): Record<string, string> {
  return processEnvironment(context, {
    // Prints reach the log as they happen, interleaved in time with ctx.log lines.
    PYTHONUNBUFFERED: "1",
    PYTHONIOENCODING: context.env.PYTHONIOENCODING ?? "utf-8",
  });
}

/** The step's output or failure, from what the bridge said and how the interpreter ended. */
function outcome(
  bridge: BridgeConnection | undefined,
  exit: ProcessExit,
  stderrTail: StderrTail,
  callable: string,
  context: StepRunContext,
  interpreter: string,
): StepOutput {
  const said: BridgeOutcome | undefined = bridge?.outcome;
  const program = context.mask(interpreter);
  switch (said?.t) {
    case "result":
      return asOutput(said.value);
    case "too_old": {
      const where = said.executable && said.executable !== interpreter ? ` (${context.mask(said.executable)})` : "";
      throw new StepError(
        `python interpreter ${program} is Python ${said.version}${where}; the python step needs Python 3.8 or newer (the interpreter is ${CONFIGURED_BY})`,
        {
          retryable: false,
        },
      );
    }
    case "error":
      if (said.traceback) context.log("error", said.traceback);
      throw new StepError(context.mask(said.message), { retryable: said.kind === "exception" ? (said.retryable ?? true) : false });
    default:
      break;
  }
  const quoted = stderrTail.quoted();
  const ending = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
  if (!bridge?.started) {
    // It never ran the bridge: not a Python at all, or a broken one. A signal may be a passing accident.
    throw new StepError(
      context.mask(`python interpreter ${program} ${ending} before starting ${callable} (is it a Python 3.8+ interpreter? It is ${CONFIGURED_BY})${quoted}`),
      {
        retryable: exit.signal !== null,
      },
    );
  }
  throw new StepError(context.mask(`python ${ending} before ${callable} returned${quoted}`), { retryable: true });
}

/** A dict as it is, None as {}, any other value as {"value": …}. */
function asOutput(value: unknown): StepOutput {
  if (value === null || value === undefined) return {};
  if (typeof value === "object" && !Array.isArray(value)) return value as StepOutput;
  return { value };
}

/** The interpreter could not be started at all: not found, not executable. */
function startError(result: { code?: string; cause?: unknown; shortMessage?: string }, interpreter: string, context: StepRunContext): StepError {
  const program = context.mask(interpreter);
  const where = interpreter.includes("/")
    ? ` (a relative path is taken from the project folder ${context.projectRoot})`
    : " (looked up in the PATH of the project environment)";
  if (result.code === "ENOENT") {
    return new StepError(`python interpreter not found: ${program}${where}; it is ${CONFIGURED_BY}`, { retryable: false, cause: result.cause });
  }
  if (result.code === "EACCES") {
    return new StepError(`python interpreter ${program} could not be run (permission denied); it is ${CONFIGURED_BY}`, {
      retryable: false,
      cause: result.cause,
    });
  }
  return new StepError(`python interpreter ${program} could not be started: ${context.mask(result.shortMessage ?? String(result.cause))}`, {
    cause: result.cause,
  });
}
