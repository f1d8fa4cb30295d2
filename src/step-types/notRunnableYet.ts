import { StepError } from "../errors/nomaflowError.js";
import type { StepOutput } from "./stepType.js";

/**
 * The run function of a step type this build can validate but not run yet (its engine lands with
 * a later issue): fails the step at once, without retries, saying so.
 */
export function notRunnableYet(typeName: string, needs: string): () => Promise<StepOutput> {
  return () =>
    Promise.reject(
      new StepError(`step type ${typeName} cannot run in this version of nomaflow: it needs ${needs}, which is not built yet`, {
        retryable: false,
      }),
    );
}
