/** How `list` and `next` write a job's `trigger:`: `after load-sales, load-stock (on success)`. */
import type { JobTrigger } from "../../project/job.js";

export function formatChain(trigger: JobTrigger): string {
  return `after ${trigger.after.join(", ")} (on ${trigger.on})`;
}
