import { Type } from "@sinclair/typebox";
import { EXPECTED } from "../../schema/common.js";
import { notRunnableYet } from "../notRunnableYet.js";
import { defineStepType } from "../stepType.js";

export const nodeStep = defineStepType({
  name: "node",
  description: "Calls an exported TypeScript or JavaScript function under plugins/ with a context and arguments.",
  fields: Type.Object(
    {
      callable: Type.String({
        pattern: "^[^:]+\\.(?:ts|js|mjs):[A-Za-z_$][A-Za-z0-9_$]*$",
        description: "path/to/module.ts:exportName (also .js, .mjs), from plugins/.",
        [EXPECTED]: "path/to/module.ts:exportName (.ts, .js or .mjs), e.g. checks/rows.ts:assertRows",
      }),
      op_kwargs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Arguments." })),
    },
    { additionalProperties: false },
  ),
  run: notRunnableYet("node", "the TypeScript plugin loader"),
});
