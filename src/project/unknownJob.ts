/** What to say about a job id that no file of jobs/ is named after. */
import { ConfigError } from "../errors/nomaflowError.js";
import { closestMatch } from "../errors/closestMatch.js";

/** How many ids a hint lists when none is close: a project can have hundreds. */
const LISTED_JOBS = 10;

/** "No such job", with the closest id when one is a likely typo, else the first few ids. */
export function unknownJob(id: string, known: string[]): ConfigError {
  return new ConfigError(`no job ${id} in this project`, { hint: jobSuggestion(id, known) ?? "add a file under jobs/" });
}

/** `did you mean ID?`, else a list of the project's jobs; undefined when it has none. */
export function jobSuggestion(id: string, known: string[]): string | undefined {
  const match = closestMatch(id, known);
  if (match) return `did you mean ${match}?`;
  if (known.length === 0) return undefined;
  const more = known.length - LISTED_JOBS;
  return `jobs: ${known.slice(0, LISTED_JOBS).join(", ")}${more > 0 ? ` and ${more} more; nomaflow list shows them all` : ""}`;
}
