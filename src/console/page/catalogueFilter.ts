/**
 * The catalogue's search and tag filter, what a job without fires says, and how often the page
 * asks for the catalogue again. Pure.
 */
import type { Catalogue, JobCard } from "../consoleApi.js";

/** Every word of the search is found in the job's id, description, file or tags (any case); the tag, if any, is one of its tags. */
export function filterJobs(jobs: readonly JobCard[], search: string, tag: string): JobCard[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return jobs.filter((job) => {
    if (tag !== "" && !job.tags.includes(tag)) return false;
    const text = [job.id, job.description ?? "", job.file, ...job.tags].join("\n").toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** What the next fires' cell says of a job with none to show, as `nomaflow next` says it. */
export function noFireText(job: Pick<JobCard, "schedule" | "enabled">): string {
  if (job.schedule === null) return "—";
  return job.enabled ? "no fire to come" : "disabled: the daemon does not fire it";
}

/** How many jobs have a run going. */
export function runningJobs(catalogue: Pick<Catalogue, "jobs">): number {
  return catalogue.jobs.filter((job) => job.lastRun?.status === "running" || job.recent.some((run) => run.status === "running")).length;
}

/**
 * How often a shown catalogue is asked for again: often enough that a run the daemon or the CLI
 * started shows as RUNNING within a few seconds. An unchanged catalogue costs a 304 without a body
 * (its ETag), so asking often is cheap; a hidden tab asks now and then, and at once when shown again.
 */
export const POLL_SHOWN_MS = 2000;
export const POLL_HIDDEN_MS = 15_000;

/** When to ask for the catalogue again. */
export function catalogueRefreshMs(hidden: boolean): number {
  return hidden ? POLL_HIDDEN_MS : POLL_SHOWN_MS;
}
