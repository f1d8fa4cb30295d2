/**
 * A step type for alert tests, registered through the plugin API: it notifies (through
 * `ctx.notify`), waits, and fails as its fields say.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { StepError } from "../../src/errors/nomaflowError.js";
import { StepTypeRegistry } from "../../src/step-types/registry.js";
import { defineStepType } from "../../src/step-types/stepType.js";

export const alertProbeStep = defineStepType({
  name: "alert_probe",
  description: "test step for alerts",
  fields: Type.Object(
    {
      notify: Type.Optional(Type.String()),
      recipients: Type.Optional(Type.Array(Type.String())),
      /** Notify without awaiting it, as a careless plugin would. */
      no_await: Type.Optional(Type.Boolean()),
      wait_ms: Type.Optional(Type.Number()),
      fail: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  async run(fields, context, signal) {
    if (fields.notify !== undefined) {
      const sending = context.notify(fields.notify, fields.recipients);
      if (!fields.no_await) await sending;
    }
    if (fields.wait_ms !== undefined) await sleep(fields.wait_ms, undefined, { signal });
    if (fields.fail !== undefined) throw new StepError(fields.fail, { retryable: false });
    return { done: true };
  },
});

export function registryWithAlertProbe(): StepTypeRegistry {
  const registry = new StepTypeRegistry();
  registry.register(alertProbeStep, "test/notifications/alertProbeStepType.ts");
  return registry;
}
