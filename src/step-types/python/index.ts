import { Type } from "@sinclair/typebox";
import { EXPECTED } from "../../schema/common.js";
import { notRunnableYet } from "../notRunnableYet.js";
import { defineStepType } from "../stepType.js";

export const pythonStep = defineStepType({
  name: "python",
  description: "Calls a Python function under plugins/ with a context and keyword arguments.",
  fields: Type.Object(
    {
      callable: Type.String({
        pattern: "^[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$",
        description: "package.module:function, resolved under plugins/.",
        [EXPECTED]: "package.module:function, e.g. reporting.sanity:assert_row_counts",
      }),
      op_kwargs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Keyword arguments." })),
    },
    { additionalProperties: false },
  ),
  run: notRunnableYet("python", "the Python plugin bridge"),
});
