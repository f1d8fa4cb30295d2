/**
 * The root of a chained job's chain (project/chainRoot.ts) for the commands that check one job at
 * a time (`next`, `run`): the jobs on the way are read one file at a time, first of `after` after
 * first; an invalid one ends the walk.
 */
import { chainRoot } from "../project/chainRoot.js";
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { checkJob } from "../validate/checkProject.js";

export async function chainRootOf(project: Project, job: Job): Promise<Job | undefined> {
  const found = new Map<string, Job>([[job.id, job]]);
  for (let at: Job | undefined = job; at?.trigger && !at.schedule;) {
    const id: string = at.trigger.after[0]!;
    if (found.has(id)) break;
    at = await checkJob(project, id).catch(() => undefined);
    if (at) found.set(id, at);
  }
  return chainRoot(job, (id) => found.get(id));
}
