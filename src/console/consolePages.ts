/**
 * The console's page data from the project and its runs, kept between requests: the checked
 * project (WatchedProject), this host's run digests (LocalRunIndex), the state store's rows when
 * there is one (one query a second at most for the catalogue), and the catalogue's fires.
 */
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import type { Job } from "../project/job.js";
import { jobSuggestion } from "../project/unknownJob.js";
import { listStoredRuns, recentStoredRunsByJob } from "../state/runHistoryReader.js";
import { CatalogueBuilder, RECENT_RUNS, taggedCatalogue, type TaggedCatalogue } from "./catalogue.js";
import type { Catalogue, JobDetail, JobHistory } from "./consoleApi.js";
import { ConsoleStore } from "./consoleStore.js";
import { HttpRefusal } from "./httpAnswers.js";
import { jobDetail } from "./jobDetail.js";
import { jobHistory } from "./jobHistory.js";
import { LocalRunIndex } from "./localRunIndex.js";
import { digestOfRow, digestOfSummary, mergeRuns, type RunDigest } from "./runDigest.js";
import type { RunLocation } from "./runLocator.js";
import { WatchedProject, type LoadedProject, type WatchedProjectOptions } from "./watchedProject.js";

/** The store's rows for the catalogue are read again after this long. */
const STORE_ROWS_MS = 1_000;

export interface ConsolePagesOptions extends WatchedProjectOptions {
  isAlive?: IsAlive;
}

export class ConsolePages {
  readonly watched: WatchedProject;
  readonly index: LocalRunIndex;
  readonly store = new ConsoleStore();
  readonly isAlive: IsAlive;
  readonly #catalogue = new CatalogueBuilder();
  readonly #now: () => number;
  #storeRows: { at: number; rows: Promise<Map<string, RunDigest[]> | undefined> } | undefined;
  #tagged: { inputs: CatalogueInputs; answer: TaggedCatalogue; firesUntil: number } | undefined;

  constructor(options: ConsolePagesOptions) {
    this.watched = new WatchedProject(options);
    this.isAlive = options.isAlive ?? processIsAlive;
    this.index = new LocalRunIndex(this.isAlive);
    this.#now = options.now ?? Date.now;
  }

  async location(): Promise<RunLocation> {
    return { project: (await this.watched.current()).project, index: this.index, store: this.store };
  }

  async catalogue(): Promise<Catalogue> {
    const inputs = await this.#catalogueInputs();
    return this.#buildCatalogue(inputs);
  }

  /**
   * The catalogue as JSON with its ETag, made again only when what it is made of changed: the
   * checked project, a run's digest (this host's or the store's), the warning, or the first of a
   * job's next fires passing. The page asks every two seconds; while nothing changed, an answer
   * costs the look at the runs (a stat per job) and no catalogue, JSON or digest.
   */
  async taggedCatalogue(): Promise<TaggedCatalogue> {
    const inputs = await this.#catalogueInputs();
    const kept = this.#tagged;
    if (kept && this.#now() < kept.firesUntil && sameInputs(kept.inputs, inputs)) return kept.answer;
    const catalogue = this.#buildCatalogue(inputs);
    const firstFires = catalogue.jobs.flatMap((job) => (job.nextFires[0] ? [Date.parse(job.nextFires[0].at)] : []));
    const answer = taggedCatalogue(catalogue);
    this.#tagged = { inputs, answer, firesUntil: Math.min(Infinity, ...firstFires) };
    return answer;
  }

  async #catalogueInputs(): Promise<CatalogueInputs> {
    const loaded = await this.watched.current();
    const stored = await this.#recentStored(loaded);
    const runsDir = loaded.project.config.runsDir;
    const local = await this.index.recentRuns(runsDir, [...loaded.checked.jobs.keys()], RECENT_RUNS);
    return { loaded, local, stored, warning: this.#storeWarning(loaded) };
  }

  #buildCatalogue({ loaded, local, stored, warning }: CatalogueInputs): Catalogue {
    const runsOf = (jobId: string) => mergeRuns(local.get(jobId) ?? [], stored?.get(jobId), RECENT_RUNS);
    return this.#catalogue.build(loaded, runsOf, this.#now(), warning);
  }

  async jobDetail(id: string): Promise<JobDetail> {
    const loaded = await this.watched.current();
    const job = requireValidJob(loaded, id);
    const stored = await this.#recentStored(loaded);
    const runs = mergeRuns(this.index.runsOf(loaded.project.config.runsDir, id, RECENT_RUNS), stored?.get(id), RECENT_RUNS);
    const file = loaded.checked.report.jobs.find((report) => report.id === id)!.file;
    return jobDetail(job, this.#catalogue.card(job, file, runs, this.#now()));
  }

  async history(id: string, limit: number): Promise<JobHistory> {
    const loaded = await this.watched.current();
    requireKnownJob(loaded, id);
    const { project } = loaded;
    const local = (await this.index.recentRuns(project.config.runsDir, [id], limit)).get(id)!;
    const stored = await this.store.read(project, async (pool) =>
      (await listStoredRuns(pool, { jobId: id, limit, isAlive: this.isAlive })).map((run) => digestOfSummary(run.summary)),
    );
    return jobHistory(id, mergeRuns(local, stored, limit));
  }

  /** The job as checked now, for Run now. */
  async validJob(id: string): Promise<{ job: Job; loaded: LoadedProject }> {
    const loaded = await this.watched.current();
    return { job: requireValidJob(loaded, id), loaded };
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  #recentStored(loaded: LoadedProject): Promise<Map<string, RunDigest[]> | undefined> {
    const { project } = loaded;
    if (!project.config.state) return Promise.resolve(undefined);
    const now = this.#now();
    if (this.#storeRows && now - this.#storeRows.at < STORE_ROWS_MS) return this.#storeRows.rows;
    const rows = this.store.read(project, async (pool) => {
      const byJob = await recentStoredRunsByJob(pool, RECENT_RUNS);
      return new Map([...byJob].map(([jobId, list]) => [jobId, list.map((row) => digestOfRow(row, this.isAlive))]));
    });
    this.#storeRows = { at: now, rows };
    return rows;
  }

  #storeWarning(loaded: LoadedProject): string | undefined {
    const problem = loaded.project.config.state ? this.store.problem : null;
    return problem === null ? undefined : `${problem}; showing this host's runs only`;
  }
}

/** What a catalogue is made of. */
interface CatalogueInputs {
  loaded: LoadedProject;
  local: ReadonlyMap<string, RunDigest[]>;
  stored: ReadonlyMap<string, RunDigest[]> | undefined;
  warning: string | undefined;
}

function sameInputs(a: CatalogueInputs, b: CatalogueInputs): boolean {
  return a.loaded.generation === b.loaded.generation && a.warning === b.warning && sameRuns(a.local, b.local) && sameRuns(a.stored, b.stored);
}

/** Whether two sets of runs read the same on the catalogue: a run ended for good keeps its digest, one going is read again. */
function sameRuns(a: ReadonlyMap<string, RunDigest[]> | undefined, b: ReadonlyMap<string, RunDigest[]> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.size !== b.size) return false;
  for (const [jobId, runs] of a) {
    const other = b.get(jobId);
    if (!other || other.length !== runs.length) return false;
    for (let index = 0; index < runs.length; index++) if (!sameDigest(runs[index]!, other[index]!)) return false;
  }
  return true;
}

/** The fields of a run the catalogue shows (its badge and its bar in the sparkline). */
function sameDigest(a: RunDigest, b: RunDigest): boolean {
  return (
    a === b ||
    (a.runId === b.runId &&
      a.status === b.status &&
      a.durationMs === b.durationMs &&
      a.startedAt === b.startedAt &&
      a.trigger === b.trigger &&
      a.host === b.host)
  );
}

/** @throws HttpRefusal 404 for an id no job file has */
function requireKnownJob(loaded: LoadedProject, id: string): void {
  const known = loaded.checked.report.jobs.map((report) => report.id);
  if (!known.includes(id)) throw new HttpRefusal(404, `no job ${id} in this project`, { hint: jobSuggestion(id, known) ?? "add a file under jobs/" });
}

/** @throws HttpRefusal 404 (no such job) or 409 (its file has errors) */
function requireValidJob(loaded: LoadedProject, id: string): Job {
  requireKnownJob(loaded, id);
  const job = loaded.checked.jobs.get(id);
  const report = loaded.checked.report.jobs.find((candidate) => candidate.id === id)!;
  if (job && report.valid === true) return job;
  const first = loaded.checked.report.diagnostics.find((diagnostic) => diagnostic.severity === "error" && (diagnostic.job === id || diagnostic.job === null));
  throw new HttpRefusal(409, `job ${id} is not valid${first ? `: ${first.file}:${first.line}:${first.column}: ${first.message}` : ""}`, {
    hint: "fix its file; nomaflow validate lists every problem",
  });
}
