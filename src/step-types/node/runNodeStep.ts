import { isPermanentDatabaseError } from "../../connectors/connectionErrors.js";
import { StepError } from "../../errors/nomaflowError.js";
import { nodeModuleFile, splitCallable } from "../../plugins/callables.js";
import { compilePlugin, PluginCompileError } from "../../plugins/compilePlugin.js";
import { cancelledError } from "../cancelledError.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import type { NodeStepFields } from "./index.js";
import type { CallFailure, ContextRequest, WireError } from "./nodeWorkerProtocol.js";
import { nodeWorkers, type CallHost, type CallOutcome } from "./nodeWorkerPool.js";

/**
 * Compiles the callable's module (esbuild, kept until it changes) and calls the function in one
 * of the node worker threads with the camelCase context and `op_kwargs`. Its return value is the
 * output; what it throws fails the step, with its stack in the log. A function still running
 * when the grace period after its signal is over is stopped with its thread.
 */
export async function runNodeStep(fields: NodeStepFields, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  const callable = fields.callable;
  const { module, name } = splitCallable(callable);
  nodeWorkers.prepare();
  const bundle = compile(callable, module, context);
  if (signal.aborted) throw cancelledError("function", signal);
  const { jobId, runId, stepName, attempt, params, env } = context;
  const call = nodeWorkers.call(
    { bundle, name, callable, kwargs: { ...fields.op_kwargs }, ctx: { jobId, runId, stepName, attempt, params, env } },
    host(context, signal),
  );

  let graceTimer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<never>((_resolve, reject) => {
    const onAbort = () => {
      const reason: unknown = signal.reason;
      call.abort(reason instanceof Error ? reason.message : String(reason), reason instanceof StepError ? reason.retryable : true);
      graceTimer = setTimeout(() => {
        call.abandon(`step ${stepName} of job ${jobId} (run ${runId})`);
        reject(cancelledError("function", signal));
      }, context.graceMs);
      graceTimer.unref();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settled = () => signal.removeEventListener("abort", onAbort);
    call.result.then(settled, settled);
  });
  let outcome: CallOutcome;
  try {
    outcome = await Promise.race([call.result, givenUp]);
  } catch (error) {
    if (signal.aborted) throw cancelledError("function", signal);
    throw error;
  } finally {
    clearTimeout(graceTimer);
  }
  // A function that returns after its signal fired may have returned because of it (stopped
  // half way): nothing tells the two apart, so it is taken as stopped.
  if (signal.aborted) throw cancelledError("function", signal);
  if (outcome.ok) return outcome.output;
  throw failure(outcome.failure, callable, module, context);
}

/** The bundle's path; a module that is missing or does not compile fails the step for good. */
function compile(callable: string, module: string, context: StepRunContext): string {
  const file = nodeModuleFile(context.projectRoot, module);
  if (!file) throw new StepError(`callable ${callable}: ${module} is outside plugins/`, { retryable: false });
  try {
    return compilePlugin(context.projectRoot, file).outputPath;
  } catch (error) {
    if (error instanceof PluginCompileError)
      throw new StepError(`callable ${callable}: ${error.message}`, { cause: error, retryable: false, hint: error.hint });
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new StepError(`callable ${callable}: module plugins/${module} does not exist`, { cause: error, retryable: false });
    throw error;
  }
}

/** The context's questions, answered here: queries on Nomaflow's connectors (cancelled with the step), notifications. */
function host(context: StepRunContext, signal: AbortSignal): CallHost {
  const options = { signal, applicationName: context.applicationName };
  return {
    log: context.log,
    request: async (request: ContextRequest) => {
      if (request.t === "notify") return context.notify(request.text, request.recipients);
      return context.connector(request.connector)[request.method](request.sql, request.params, options);
    },
  };
}

function logStack(error: WireError, context: StepRunContext): void {
  if (error.stack) context.log("error", error.stack);
}

/** What went wrong in the worker, as a step failure: a StepError as thrown, a database error by its code. */
function failure(failed: CallFailure, callable: string, module: string, context: StepRunContext): StepError {
  switch (failed.kind) {
    case "load":
      // The module threw while loading (its top-level code) or imports a package that is not installed.
      logStack(failed.error, context);
      return new StepError(`callable ${callable}: loading plugins/${module} failed: ${failed.error.message}`, { retryable: false });
    case "export": {
      const what = failed.found === "undefined" ? "does not export" : `exports a ${failed.found}, not a function, as`;
      return new StepError(`callable ${callable}: plugins/${module} ${what} ${splitCallable(callable).name}`, { retryable: false });
    }
    case "not_json":
      return new StepError(`callable ${callable} returned a value that is not JSON: ${failed.message}`, { retryable: false });
    case "threw": {
      const { error } = failed;
      if (error.step) return new StepError(error.message, error.step);
      logStack(error, context);
      const name = error.name !== "Error" ? `${error.name}: ` : "";
      return new StepError(`${name}${error.message}`, { retryable: !isPermanentDatabaseError({ code: error.code }) });
    }
  }
}
