/**
 * Where a chained job's logical dates come from: the first job of its `trigger.after`, and that
 * job's own first while it has no schedule either (a → b → c: a, for c). The daemon takes the
 * interval and time zone of a chained run from it; `next` shows its fire times.
 */
import type { Job } from "./job.js";

/** Undefined when the job is not chained, or its first job is unknown. `lookup` finds a job by id. */
export function chainRoot(job: Job, lookup: (id: string) => Job | undefined, maxSteps = 1000): Job | undefined {
  let root: Job | undefined;
  let at: Job | undefined = job;
  // A cycle (which validate refuses) cannot loop: the walk stops after maxSteps.
  for (let steps = 0; at?.trigger && steps < maxSteps; steps++) {
    at = lookup(at.trigger.after[0]!);
    if (!at) break;
    root = at;
    if (at.schedule) break;
  }
  return root;
}
