/**
 * Step types from plugins: each module listed under `step_types:` in nomaflow.yaml is compiled,
 * imported, and every step type it exports (made with `defineStepType`) joins the project's
 * registry, where `validate` checks their fields exactly as it checks built-in types. Loading a
 * step type runs its module's top-level code: that is the one place user code runs in `validate`.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors/nomaflowError.js";
import type { Diagnostic } from "../project/diagnostic.js";
import type { Project } from "../project/loadProject.js";
import { diagnosticAt } from "../project/yamlSource.js";
import type { StepType } from "../step-types/stepType.js";
import { createAjv } from "./ajvInstance.js";
import { fullStepSchema } from "./fullStepSchema.js";
import { nodeModuleFile } from "../plugins/callables.js";
import { compilePlugin, PluginCompileError } from "../plugins/compilePlugin.js";

const STEP_TYPE_NAME = /^[a-z][a-z0-9_]*$/;
const loaded = new WeakSet<Project>();

/** Whether a module's export looks like a step type (the rest of it is checked in `shapeProblem`). */
function looksLikeStepType(value: unknown): value is StepType {
  return typeof value === "object" && value !== null && "name" in value && "fields" in value && "run" in value;
}

/** The step types a module exports: its default export (one or a list) and its named exports. */
function exportedStepTypes(module: Record<string, unknown>): StepType[] {
  const found = new Set<StepType>();
  for (const value of Object.values(module)) {
    for (const candidate of Array.isArray(value) ? value : [value]) if (looksLikeStepType(candidate)) found.add(candidate);
  }
  return [...found];
}

/** What is wrong with a step type's definition, for the plugin's author. */
function shapeProblem(type: StepType): string | undefined {
  if (typeof type.name !== "string" || !STEP_TYPE_NAME.test(type.name)) {
    return `step type name ${JSON.stringify(type.name)} must be lower case letters, digits and _, starting with a letter`;
  }
  if (typeof type.run !== "function") return `step type ${type.name}: run must be a function`;
  if (type.check !== undefined && typeof type.check !== "function") return `step type ${type.name}: check must be a function`;
  const fields = type.fields as unknown as Record<string, unknown> | undefined;
  if (typeof fields !== "object" || fields === null || fields.type !== "object" || typeof fields.properties !== "object") {
    return `step type ${type.name}: fields must be an object schema (Type.Object({...}) or {type: "object", properties: {...}})`;
  }
  try {
    createAjv().compile(fullStepSchema(type));
  } catch (error) {
    return `step type ${type.name}: fields is not a valid JSON Schema: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * Loads the project's plugin step types into its registry, once per project; returns the
 * problems found, at the `step_types` entry of nomaflow.yaml they concern.
 */
export async function loadPluginStepTypes(project: Project): Promise<Diagnostic[]> {
  const source = project.configFile.source;
  if (loaded.has(project) || !source) return [];
  loaded.add(project);
  const diagnostics: Diagnostic[] = [];
  const problem = (index: number, message: string, hint?: string) =>
    diagnostics.push(diagnosticAt(source, ["step_types", index], message, { hint: hint ?? null }));

  for (const [index, path] of project.config.stepTypeModules.entries()) {
    const file = nodeModuleFile(project.root, path);
    if (!file) {
      problem(index, `step type module ${path} is outside plugins/`, "paths under step_types are from the plugins/ folder");
      continue;
    }
    if (!existsSync(file)) {
      problem(index, `step type module plugins/${path} does not exist`);
      continue;
    }
    let module: Record<string, unknown>;
    try {
      const { outputPath } = compilePlugin(project.root, file);
      module = (await import(pathToFileURL(outputPath).href)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof PluginCompileError) problem(index, error.message, error.hint);
      else problem(index, `loading plugins/${path} failed: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const types = exportedStepTypes(module);
    if (types.length === 0) {
      problem(index, `plugins/${path} exports no step type`, 'export one made with defineStepType from "nomaflow"');
      continue;
    }
    for (const type of types) {
      const shape = shapeProblem(type);
      if (shape) {
        problem(index, `plugins/${path}: ${shape}`);
        continue;
      }
      try {
        project.registry.register(type, `plugins/${path}`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problem(index, error.message, error.hint);
      }
    }
  }
  return diagnostics;
}
