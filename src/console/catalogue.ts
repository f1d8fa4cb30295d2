/**
 * `GET api/jobs`: every job as `nomaflow list` knows it (the checked project), with its schedule
 * in words, its next three fires and their DST notes, its last run and the last 30 runs' durations;
 * invalid jobs with their diagnostics. Fires are kept per job until the first of them passes.
 */
import { createHash } from "node:crypto";
import type { Diagnostic } from "../project/diagnostic.js";
import type { Job } from "../project/job.js";
import type { JobReport } from "../validate/checkProject.js";
import type { Catalogue, DiagnosticView, FirePreview, InvalidJob, JobCard, DstNote } from "./consoleApi.js";
import { badgeOf, type RunDigest } from "./runDigest.js";
import { cronWords, dstNoteViews, firePreview, fireTimes } from "./schedulePreview.js";
import type { LoadedProject } from "./watchedProject.js";

/** Fires shown per job. */
const NEXT_FIRES = 3;
/** Runs in a job's sparkline. */
export const RECENT_RUNS = 30;

interface KeptFires {
  key: string;
  /** Epoch ms; the entry is stale once the first has passed. */
  fires: number[];
  previews: FirePreview[];
  notes: DstNote[];
  words: string;
}

export class CatalogueBuilder {
  readonly #fires = new Map<string, KeptFires>();

  /** `runsOf(jobId)`: the job's newest runs, newest first (RECENT_RUNS at most). */
  build(loaded: LoadedProject, runsOf: (jobId: string) => RunDigest[], now: number, warning?: string): Catalogue {
    const { checked, project } = loaded;
    const jobs: JobCard[] = [];
    const invalid: InvalidJob[] = [];
    const tags = new Set<string>();
    const configErrors = checked.report.diagnostics.filter((diagnostic) => diagnostic.file === project.configFile.file);
    for (const report of checked.report.jobs) {
      const job = checked.jobs.get(report.id);
      if (!job || report.valid !== true) {
        invalid.push(invalidJob(report, checked.report.diagnostics, report.valid === null ? configErrors : []));
        continue;
      }
      for (const tag of job.tags) tags.add(tag);
      jobs.push(this.card(job, report.file, runsOf(job.id), now));
    }
    if (jobs.length + invalid.length < this.#fires.size) this.#forgetGone(new Set(checked.report.jobs.map((report) => report.id)));
    jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { jobs, invalid, tags: [...tags].sort(), generatedAt: new Date(now).toISOString(), ...(warning ? { warning } : {}) };
  }

  card(job: Job, file: string, runs: readonly RunDigest[], now: number): JobCard {
    const schedule = job.schedule;
    const fires = schedule ? this.#firesOf(job, now) : undefined;
    const newest = runs[0];
    return {
      id: job.id,
      file,
      description: job.description ?? null,
      tags: job.tags,
      enabled: job.enabled,
      schedule: schedule && fires ? { expression: schedule.expression, timezone: schedule.timezone, words: fires.words } : null,
      nextFires: job.enabled && fires ? fires.previews : [],
      dstNotes: job.enabled && fires ? fires.notes : [],
      lastRun: newest ? badgeOf(newest) : null,
      recent: runs
        .slice(0, RECENT_RUNS)
        .reverse()
        .map((run) => ({ runId: run.runId, status: run.status, durationMs: run.durationMs })),
      paramCount: Object.keys(job.params).length,
      stepCount: job.steps.length,
    };
  }

  #firesOf(job: Job, now: number): KeptFires {
    const { expression, timezone, cron } = job.schedule!;
    const key = `${expression}\u0000${timezone}`;
    const kept = this.#fires.get(job.id);
    if (kept && kept.key === key && (kept.fires[0] ?? Infinity) > now) return kept;
    const fires = fireTimes(cron, timezone, now, NEXT_FIRES);
    const fresh: KeptFires = {
      key,
      fires,
      previews: fires.map((ms) => firePreview(ms, timezone)),
      notes: dstNoteViews(cron, timezone, now, fires),
      words: kept?.key === key ? kept.words : cronWords(expression, cron),
    };
    this.#fires.set(job.id, fresh);
    return fresh;
  }

  #forgetGone(ids: ReadonlySet<string>): void {
    for (const id of this.#fires.keys()) if (!ids.has(id)) this.#fires.delete(id);
  }
}

/**
 * The catalogue as JSON, and its ETag: a digest of everything but `generatedAt`, so that a page
 * asking again while nothing changed gets a 304 (no body, nothing to parse or draw). That is what
 * lets the page ask every two seconds, and show a run started elsewhere as RUNNING at once.
 */
export interface TaggedCatalogue {
  body: string;
  etag: string;
}

export function taggedCatalogue(catalogue: Catalogue): TaggedCatalogue {
  const { generatedAt, ...content } = catalogue;
  const json = JSON.stringify(content);
  const etag = `"${createHash("sha1").update(json).digest("base64url")}"`;
  // `content` is an object with its jobs: its JSON ends with the `}` that generatedAt goes before.
  return { body: `${json.slice(0, -1)},"generatedAt":${JSON.stringify(generatedAt)}}`, etag };
}

export function diagnosticView(diagnostic: Diagnostic): DiagnosticView {
  return {
    severity: diagnostic.severity,
    file: diagnostic.file,
    line: diagnostic.line,
    column: diagnostic.column,
    message: diagnostic.message,
    hint: diagnostic.hint,
  };
}

/** A job that cannot run: its file's diagnostics, and nomaflow.yaml's errors when they keep it unjudged. */
function invalidJob(report: JobReport, diagnostics: readonly Diagnostic[], configErrors: readonly Diagnostic[]): InvalidJob {
  const own = diagnostics.filter((diagnostic) => diagnostic.file === report.file || diagnostic.job === report.id);
  return { id: report.id, file: report.file, diagnostics: [...own, ...configErrors].map(diagnosticView) };
}
