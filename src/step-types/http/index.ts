import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";
import { httpFields } from "./httpFields.js";

export const httpStep = defineStepType({
  name: "http",
  description: "Sends one HTTP request; a status other than expect_status fails the step (429 and 5xx are retryable).",
  fields: httpFields,
  check(fields) {
    if (!fields.url.includes("${") && !/^https?:\/\//i.test(fields.url)) {
      return [{ path: ["url"], message: `url must start with http:// or https://, got ${JSON.stringify(fields.url)}` }];
    }
    return [];
  },
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runHttpStep.js")).runHttpStep),
});
