/**
 * Where a step's `callable` points, and whether it is there: the module under plugins/ and the
 * function in it. Python modules are read, not imported; TypeScript and JavaScript modules are
 * compiled, not run. Used by the python and node step types' checks and run functions.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { didYouMean } from "../errors/closestMatch.js";
import { compilePlugin, PluginCompileError } from "./compilePlugin.js";
import { pythonDefinitions } from "./pythonDefinitions.js";
import { pythonSyntaxError } from "./pythonSyntax.js";

export const PLUGINS_DIR = "plugins";

/**
 * A problem with a step's `callable` field. The python and node step types return it from their
 * `check` as it is: it is a StepFieldProblem, declared here because plugins/ sits below step-types/.
 */
export interface CallableProblem {
  path: ["callable"];
  message: string;
  hint?: string;
}

/** `module:function` split at its last colon. */
export function splitCallable(callable: string): { module: string; name: string } {
  const colon = callable.lastIndexOf(":");
  return { module: callable.slice(0, colon), name: callable.slice(colon + 1) };
}

/** The file of `pkg.module` under plugins/: `pkg/module.py` or `pkg/module/__init__.py`. */
export function pythonModuleFile(projectRoot: string, module: string): string | undefined {
  const base = join(projectRoot, PLUGINS_DIR, ...module.split("."));
  return [`${base}.py`, join(base, "__init__.py")].find((candidate) => existsSync(candidate));
}

/** Answers of nodeModuleFile, by project root and module: a daemon asks once per run. */
const moduleFiles = new Map<string, string | undefined>();

/** The file of `path/module.ts` under plugins/, or undefined when it would leave plugins/. */
export function nodeModuleFile(projectRoot: string, module: string): string | undefined {
  const key = `${projectRoot}\u0000${module}`;
  if (moduleFiles.has(key)) return moduleFiles.get(key);
  const plugins = join(projectRoot, PLUGINS_DIR);
  const file = resolve(plugins, module);
  const inside = file.startsWith(plugins + sep) ? file : undefined;
  if (moduleFiles.size < 10_000) moduleFiles.set(key, inside);
  return inside;
}

function missingFunction(callable: string, shown: string, name: string, known: Iterable<string>, kind: string): CallableProblem[] {
  const candidates = [...known].filter((candidate) => !candidate.startsWith("_") && candidate !== "default");
  return [
    {
      path: ["callable"],
      message: `callable ${callable}: ${shown} ${kind} no ${name}`,
      hint: didYouMean(name, candidates) ?? (candidates.length ? `it has: ${candidates.slice(0, 10).join(", ")}` : undefined),
    },
  ];
}

/**
 * A python callable's module exists, compiles under `interpreter` and defines the function (read
 * and compiled, never run).
 */
export function checkPythonCallable(projectRoot: string, callable: string, interpreter: string): CallableProblem[] {
  const { module, name } = splitCallable(callable);
  const file = pythonModuleFile(projectRoot, module);
  const shown = `plugins/${module.split(".").join("/")}.py`;
  if (!file)
    return [
      {
        path: ["callable"],
        message: `callable ${callable}: module ${shown} does not exist`,
        hint: "python callables are package.module:function under plugins/",
      },
    ];
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    return [{ path: ["callable"], message: `callable ${callable}: cannot read ${relative(projectRoot, file)}: ${(error as Error).message}` }];
  }
  const syntax = pythonSyntaxError(interpreter, projectRoot, file);
  if (syntax) {
    return [
      {
        path: ["callable"],
        message: `callable ${callable}: ${relative(projectRoot, file)}:${syntax.line}:${syntax.column}: ${syntax.message}`,
        hint: "fix the module's syntax; validate compiles it without running it",
      },
    ];
  }
  const definitions = pythonDefinitions(source);
  if (definitions.names.has(name) || definitions.open) return [];
  return missingFunction(callable, relative(projectRoot, file), name, definitions.names, "defines");
}

/** A node callable's module compiles and exports the function (compiled, not run). */
export function checkNodeCallable(projectRoot: string, callable: string): CallableProblem[] {
  const { module, name } = splitCallable(callable);
  const file = nodeModuleFile(projectRoot, module);
  if (!file)
    return [{ path: ["callable"], message: `callable ${callable}: ${module} is outside plugins/`, hint: "node callables are paths from the plugins/ folder" }];
  if (!existsSync(file)) return [{ path: ["callable"], message: `callable ${callable}: module plugins/${module} does not exist` }];
  try {
    const { exports } = compilePlugin(projectRoot, file);
    if (exports.includes(name)) return [];
    return missingFunction(callable, `plugins/${module}`, name, exports, "exports");
  } catch (error) {
    if (!(error instanceof PluginCompileError)) throw error;
    return [{ path: ["callable"], message: `callable ${callable}: ${error.message}`, hint: error.hint }];
  }
}
