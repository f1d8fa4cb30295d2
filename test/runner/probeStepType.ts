/**
 * A step type for runner tests, registered through the same API plugins use: it succeeds, fails,
 * hangs or ignores its signal as its fields say, so the runner's own rules can be checked exactly.
 */
import { Type } from "@sinclair/typebox";
import { StepError } from "../../src/errors/nomaflowError.js";
import { StepTypeRegistry } from "../../src/step-types/registry.js";
import { defineStepType } from "../../src/step-types/stepType.js";

export const probeStep = defineStepType({
  name: "probe",
  description: "test step",
  fields: Type.Object(
    {
      behaviour: Type.Union(["succeed", "fail", "hang", "ignore-abort"].map((value) => Type.Literal(value))),
      /** fail: fail this many tries, then succeed (default: always fail). */
      fail_times: Type.Optional(Type.Integer()),
      retryable: Type.Optional(Type.Boolean()),
      message: Type.Optional(Type.String()),
      echo: Type.Optional(Type.Unknown()),
      log: Type.Optional(Type.String()),
      retry_after: Type.Optional(Type.Number()),
    },
    { additionalProperties: false },
  ),
  async run(fields, context, signal) {
    if (fields.log !== undefined) context.log("info", fields.log);
    context.progress({ rows: 10 * context.attempt });
    switch (fields.behaviour) {
      case "succeed":
        return { echo: fields.echo ?? null, attempt: context.attempt };
      case "fail":
        if (fields.fail_times !== undefined && context.attempt > fields.fail_times) return { attempt: context.attempt };
        throw new StepError(fields.message ?? `failure ${context.attempt}`, { retryable: fields.retryable ?? true, retryAfterSeconds: fields.retry_after });
      case "hang":
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("stopped")), { once: true }));
      case "ignore-abort":
        return new Promise(() => {});
    }
  },
});

export function registryWithProbe(): StepTypeRegistry {
  const registry = new StepTypeRegistry();
  registry.register(probeStep, "test/runner/probeStepType.ts");
  return registry;
}
