/**
 * The checks of `trigger.after` that need more than one job file: every name is a job of the
 * project, no job runs after itself, and no jobs wait for each other in a circle. Each finding is
 * at the name's own position in the file that lists it.
 */
import { chainCycles } from "../project/chainCycles.js";
import type { Diagnostic } from "../project/diagnostic.js";
import type { Job } from "../project/job.js";
import { didYouMean } from "../errors/closestMatch.js";
import type { ChainDeclaration } from "./checkJobFile.js";

export interface ChainedJob {
  id: string;
  chain: ChainDeclaration | undefined;
}

/** How many ids a hint lists when no name is close. */
const LISTED_JOBS = 10;

/**
 * Diagnostics about the chains of `checked` (the job files being checked), by position in that
 * list. `known` are the ids of every job file of the project (checked or not); `models` the valid
 * jobs, for the warnings about a job that is named but never fired.
 */
export function checkChains(checked: readonly ChainedJob[], known: readonly string[], models: ReadonlyMap<string, Job>): Map<number, Diagnostic[]> {
  const found = new Map<number, Diagnostic[]>();
  const knownIds = new Set(known);
  const add = (index: number, diagnostic: Diagnostic) => {
    const list = found.get(index) ?? [];
    list.push(diagnostic);
    found.set(index, list);
  };
  const edges = new Map<string, string[]>();
  checked.forEach(({ id, chain }, index) => {
    if (!chain) return;
    edges.set(
      id,
      chain.after.map((entry) => entry.name),
    );
    let firstScheduled: { name: string; schedule: string } | undefined;
    for (const entry of chain.after) {
      const at = { file: chain.file, line: entry.line, column: entry.column, job: id, step: null };
      const schedule = models.get(entry.name)?.schedule;
      const described = schedule && `${schedule.expression} in ${schedule.timezone}`;
      if (described && firstScheduled && firstScheduled.schedule !== described) {
        add(index, {
          severity: "warning",
          ...at,
          message: `${firstScheduled.name} (${firstScheduled.schedule}) and ${entry.name} (${described}) have different schedules: ${id} starts only for a logical date both have runs for`,
          hint: "runs are matched by logical date: give them the same schedule, or chain one after the other",
        });
      }
      if (described) firstScheduled ??= { name: entry.name, schedule: described };
      if (entry.name === id) {
        add(index, { severity: "error", ...at, message: `job ${id} cannot run after itself`, hint: "trigger.after names the other jobs this one waits for" });
      } else if (!knownIds.has(entry.name)) {
        const others = known.filter((other) => other !== id);
        const listed = `jobs: ${others.slice(0, LISTED_JOBS).join(", ")}${others.length > LISTED_JOBS ? ", …" : ""}`;
        add(index, {
          severity: "error",
          ...at,
          message: `trigger.after names job ${entry.name}, which is not a job of this project`,
          hint: didYouMean(entry.name, others) ?? (others.length > 0 ? listed : "add its file under jobs/"),
        });
      } else {
        const upstream = models.get(entry.name);
        if (upstream && !upstream.enabled) {
          add(index, {
            severity: "warning",
            ...at,
            message: `job ${entry.name} is disabled: the daemon never fires it, so only its runs by hand (nomaflow run) can start ${id}`,
            hint: null,
          });
        }
      }
    }
  });
  const cycles = chainCycles(edges);
  checked.forEach(({ id, chain }, index) => {
    const cycle = cycles.get(id);
    if (!chain || !cycle) return;
    const entry = chain.after.find((candidate) => candidate.name === cycle[1]) ?? chain.after[0]!;
    add(index, {
      severity: "error",
      file: chain.file,
      line: entry.line,
      column: entry.column,
      job: id,
      step: null,
      message: `trigger.after makes a cycle: ${cycle.join(" → ")}`,
      hint: "jobs that wait for each other in a circle never start: remove one of these after: entries",
    });
  });
  return found;
}
