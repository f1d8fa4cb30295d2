import { pathToFileURL } from "node:url";
import { isPermanentDatabaseError } from "../../connectors/connectionErrors.js";
import { StepError } from "../../errors.js";
import { nodeModuleFile, splitCallable } from "../../plugins/callables.js";
import { compilePlugin, PluginCompileError } from "../../plugins/compilePlugin.js";
import { cancelledError } from "../cancelledError.js";
import { loadOnce } from "../loadOnce.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import type { NodeStepFields } from "./index.js";
import { withConsoleCapture } from "./consoleCapture.js";
import { nodeStepContext } from "./nodeContext.js";

/**
 * Imports the callable's module (compiled by esbuild, kept until it changes) and calls the
 * function in this process with the camelCase context and `op_kwargs`. Its return value is the
 * output; what it throws fails the step, with its stack in the log.
 */
export async function runNodeStep(fields: NodeStepFields, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  const callable = splitCallable(fields.callable);
  const run = await loadFunction(fields.callable, callable, context);
  if (signal.aborted) throw cancelledError("function", signal);
  let result: unknown;
  try {
    result = await withConsoleCapture(context.log, () => run(nodeStepContext(context, signal), { ...fields.op_kwargs }));
  } catch (error) {
    if (signal.aborted) throw cancelledError("function", signal);
    throw failure(error, context);
  }
  // A function that returns after its signal fired may have returned because of it (stopped
  // half way): nothing tells the two apart, so it is taken as stopped.
  if (signal.aborted) throw cancelledError("function", signal);
  return stepOutput(result, fields.callable);
}

type PluginFunction = (context: unknown, kwargs: Record<string, unknown>) => unknown;

/** Bundles imported by this process, by path: a bundle's name holds its content hash, so it never changes. */
const imported = new Map<string, () => Promise<Record<string, unknown>>>();

function importBundle(outputPath: string): Promise<Record<string, unknown>> {
  let load = imported.get(outputPath);
  if (!load) {
    load = loadOnce(() => import(pathToFileURL(outputPath).href) as Promise<Record<string, unknown>>);
    imported.set(outputPath, load);
  }
  return load();
}

async function loadFunction(callable: string, { module, name }: { module: string; name: string }, context: StepRunContext): Promise<PluginFunction> {
  const file = nodeModuleFile(context.projectRoot, module);
  if (!file) throw new StepError(`callable ${callable}: ${module} is outside plugins/`, { retryable: false });
  let loaded: Record<string, unknown>;
  try {
    const { outputPath } = compilePlugin(context.projectRoot, file);
    loaded = await importBundle(outputPath);
  } catch (error) {
    if (error instanceof PluginCompileError) throw new StepError(`callable ${callable}: ${error.message}`, { cause: error, retryable: false, hint: error.hint });
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StepError(`callable ${callable}: module plugins/${module} does not exist`, { cause: error, retryable: false });
    // The module threw while loading (its top-level code) or imports a package that is not installed.
    logStack(error, context);
    throw new StepError(`callable ${callable}: loading plugins/${module} failed: ${messageOf(error)}`, { cause: error, retryable: false });
  }
  const exported = loaded[name];
  if (typeof exported !== "function") {
    const what = exported === undefined ? "does not export" : `exports a ${typeof exported}, not a function, as`;
    throw new StepError(`callable ${callable}: plugins/${module} ${what} ${name}`, { retryable: false });
  }
  return exported as PluginFunction;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function logStack(error: unknown, context: StepRunContext): void {
  if (error instanceof Error && error.stack) context.log("error", error.stack);
}

/** What the function threw, as a step failure: a StepError as thrown, a database error by its code. */
function failure(error: unknown, context: StepRunContext): StepError {
  if (error instanceof StepError) return error;
  logStack(error, context);
  const name = error instanceof Error && error.name !== "Error" ? `${error.name}: ` : "";
  return new StepError(`${name}${messageOf(error)}`, { cause: error, retryable: !isPermanentDatabaseError(error) });
}

/** An object as is; nothing as {}; any other JSON value as { value }. */
function stepOutput(result: unknown, callable: string): StepOutput {
  if (result === undefined || result === null) return {};
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    throw new StepError(`callable ${callable} returned a value that is not JSON: ${messageOf(error)}`, { cause: error, retryable: false });
  }
  const value = JSON.parse(json) as unknown;
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as StepOutput) : { value };
}
