/**
 * A step type is one plain object: its name, the JSON Schema of its own fields, and the checks
 * that need the project. Built-in types and plugin types are defined the same way and go through
 * the same registry; nothing else in Nomaflow knows a type by name.
 */
import type { Static, TObject } from "@sinclair/typebox";

/** What a step type's `check` may look at: the project, never the network. */
export interface StepCheckContext {
  /** Absolute path of the project folder. */
  projectRoot: string;
}

/** A problem `check` found; `path` is inside the step (e.g. `["source", "table"]`). */
export interface StepFieldProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
  /** @default "error" */
  severity?: "error" | "warning";
}

export interface StepType<Fields extends TObject = TObject> {
  /** The `type:` value in a job file, e.g. `sql_copy`. */
  readonly name: string;
  /** One sentence for `--help` and the editor schema. */
  readonly description: string;
  /**
   * The type's own fields. `name`, `type`, `timeout`, `retry` and `run_if` are common to every
   * step and must not be declared here.
   */
  readonly fields: Fields;
  /** Rules a schema cannot say (one field or another, files that must exist). */
  check?(fields: Static<Fields>, context: StepCheckContext): StepFieldProblem[];
}

/** Identity function that gives a step type definition its types; the API for plugin authors. */
export function defineStepType<Fields extends TObject>(definition: StepType<Fields>): StepType<Fields> {
  return definition;
}
