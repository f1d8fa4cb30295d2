import { Type, type Static } from "@sinclair/typebox";
import { checkPythonCallable } from "../../plugins/callables.js";
import { defaultOf, EXPECTED } from "../../schema/common.js";
import { ProjectConfigFile } from "../../schema/configSchema.js";
import { defineStepType, type StepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

const runPythonStep = lazyRun(async () => (await import("./runPythonStep.js")).runPythonStep);

export const pythonFields = Type.Object(
  {
    callable: Type.String({
      pattern: "^[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$",
      description: "package.module:function, resolved under plugins/.",
      [EXPECTED]: "package.module:function, e.g. reporting.sanity:assert_row_counts",
    }),
    op_kwargs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Keyword arguments." })),
  },
  { additionalProperties: false },
);
export type PythonStepFields = Static<typeof pythonFields>;

/**
 * The python step type calling functions in `interpreter`: the project's registry makes one with
 * python.interpreter, NOMAFLOW_PYTHON or --python, so the setting never passes through the public
 * step context.
 */
export function pythonStepType(interpreter: string): StepType<typeof pythonFields> {
  return defineStepType({
    name: "python",
    description: "Calls a Python function under plugins/ with a context and keyword arguments.",
    fields: pythonFields,
    // Compiles the module (without running it) and reads it to see that it defines the function.
    check: (fields, context) => (fields.callable.includes("${") ? [] : checkPythonCallable(context.projectRoot, fields.callable, interpreter)),
    // The engine loads only when a step of this type runs, so `validate` stays quick to start.
    run: (fields, context, signal) => runPythonStep(fields, context, signal, interpreter),
  });
}

/** With python.interpreter's default (schema/configSchema.ts), for the built-in list and its schemas. */
export const pythonStep = pythonStepType(defaultOf(ProjectConfigFile.properties.python.properties.interpreter));
