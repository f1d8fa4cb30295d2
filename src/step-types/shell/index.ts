import { Type, type Static } from "@sinclair/typebox";
import { EXPECTED, StringMap } from "../../schema/common.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

export const shellFields = Type.Object(
  {
    command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
      description: "A shell command line, or an argv list run without a shell.",
      [EXPECTED]: "a command line or a list of arguments",
    }),
    env: Type.Optional(StringMap({ description: "Extra environment variables." })),
    cwd: Type.Optional(Type.String({ minLength: 1, description: "Working folder, from the project folder." })),
  },
  { additionalProperties: false },
);

export type ShellStepFields = Static<typeof shellFields>;

export const shellStep = defineStepType({
  name: "shell",
  description: "Runs a command; stdout and stderr become log events and a non-zero exit fails the step.",
  fields: shellFields,
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runShellStep.js")).runShellStep),
});
