import { Type, type Static } from "@sinclair/typebox";
import { checkNodeCallable } from "../../plugins/callables.js";
import { EXPECTED } from "../../schema/common.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

export const nodeFields = Type.Object(
  {
    callable: Type.String({
      pattern: "^[^:]+\\.(?:ts|js|mjs):[A-Za-z_$][A-Za-z0-9_$]*$",
      description: "path/to/module.ts:exportName (also .js, .mjs), from plugins/.",
      [EXPECTED]: "path/to/module.ts:exportName (.ts, .js or .mjs), e.g. checks/rows.ts:assertRows",
    }),
    op_kwargs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Arguments: the function's second parameter." })),
  },
  { additionalProperties: false },
);
export type NodeStepFields = Static<typeof nodeFields>;

export const nodeStep = defineStepType({
  name: "node",
  description: "Calls an exported TypeScript or JavaScript function under plugins/ with a context and arguments.",
  fields: nodeFields,
  // Compiles the module (without running it) to see that it exports the function.
  check: (fields, context) => (fields.callable.includes("${") ? [] : checkNodeCallable(context.projectRoot, fields.callable)),
  run: lazyRun(async () => (await import("./runNodeStep.js")).runNodeStep),
});
