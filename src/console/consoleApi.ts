/**
 * The console's JSON API: what the server sends and the page reads, written once for both. Types
 * only (the page's bundle imports nothing else from the server's code). Every path is relative to
 * the console's root, so that the console works behind a reverse proxy under a prefix
 * (`https://ops.example.com/nomaflow/`): the page asks for `api/jobs`, never `/api/jobs`.
 *
 * Times are ISO 8601 strings: instants in UTC (`2026-12-06T01:00:00.000Z`) unless the field says
 * it carries the job's zone (`2026-12-07T02:00:00+01:00`). Durations are milliseconds.
 */

/** `GET api/info`: who serves the console and what the visitor may do. */
export interface ConsoleInfo {
  version: string;
  /** The project's folder name. */
  project: string;
  /** This host's name. */
  host: string;
  /** `daemon`: served by `nomaflow daemon --http`; `console`: by `nomaflow console` (fires nothing). */
  servedBy: "daemon" | "console";
  /** The state store's name when `state:` is configured: runs and daemons are then the cluster's. */
  store: string | null;
  /** Whether actions (run now, test a connection) can be enabled at all, and why not. */
  actions: { available: boolean; reason: string | null };
  /** Whether this visitor has signed in with the token (an HttpOnly session cookie). */
  signedIn: boolean;
  /** The CSRF token to send as `X-CSRF-Token` with every POST, while signed in. */
  csrf: string | null;
}

/** `POST api/session` with `{ token }`: 200 and a session cookie, or 401/403 `ApiError`. `DELETE api/session` signs out. */
export interface SessionRequest {
  token: string;
}

/** Every 4xx/5xx answer's body. */
export interface ApiError {
  error: string;
  hint: string | null;
  /** Per-field problems, for a form (run parameters). */
  problems?: FieldProblem[];
}

export interface FieldProblem {
  field: string;
  message: string;
}

export type RunStatus = "running" | "succeeded" | "failed" | "interrupted" | "abandoned";

export interface FirePreview {
  /** In the job's zone, with its offset: `2027-03-28T02:00:00+01:00`. */
  at: string;
  /** `+01:00`. */
  offset: string;
  /** `Sun`. */
  weekday: string;
}

export interface DstNote {
  /** Shown beside the fires: `Clocks go forward on Sun 28 Mar 2027 (+01:00 → +02:00): 02:30 does not exist that night; fires at 03:30`. */
  message: string;
  /** The fire it concerns, as in `FirePreview.at`, or null when it falls between two fires. */
  at: string | null;
}

export interface ScheduleView {
  expression: string;
  timezone: string;
  /** `At 02:00, every day`. */
  words: string;
}

export interface RunBadge {
  runId: string;
  status: RunStatus;
  trigger: string;
  startedAt: string;
  durationMs: number | null;
  host: string | null;
}

export interface JobCard {
  id: string;
  file: string;
  description: string | null;
  tags: string[];
  enabled: boolean;
  /** Null for a job without a schedule (run by hand only). */
  schedule: ScheduleView | null;
  /** The next three fires (none when disabled or unscheduled). */
  nextFires: FirePreview[];
  dstNotes: DstNote[];
  lastRun: RunBadge | null;
  /** The last 30 runs, oldest first: the sparkline. `durationMs` null while running. */
  recent: { runId: string; status: RunStatus; durationMs: number | null }[];
  /** Whether ▶ Run now opens a form (params) or a confirmation (no params). */
  paramCount: number;
  stepCount: number;
}

export interface InvalidJob {
  id: string;
  file: string;
  diagnostics: DiagnosticView[];
}

export interface DiagnosticView {
  severity: "error" | "warning";
  file: string;
  line: number | null;
  column: number | null;
  message: string;
  hint: string | null;
}

/** `GET api/jobs`: the catalogue. */
export interface Catalogue {
  jobs: JobCard[];
  invalid: InvalidJob[];
  /** Every tag of every job, sorted: the filter's choices. */
  tags: string[];
  /** When the catalogue was made (UTC). */
  generatedAt: string;
  /** Why the state store's runs are not shown (unreachable, not migrated): the runs are this host's. Absent when all is well. */
  warning?: string;
}

export interface ParamField {
  name: string;
  type: "string" | "integer" | "number" | "boolean";
  description: string | null;
  required: boolean;
  /** As the form shows it (text), or null. */
  default: string | null;
  /** A choice among these (as text), or null. */
  choices: string[] | null;
}

/** `GET api/jobs/ID`: the catalogue's card, and what the Run now form needs. */
export interface JobDetail {
  card: JobCard;
  params: ParamField[];
  steps: { name: string; type: string; description: string | null }[];
  /** `nomaflow run ID -p name=value …` as the CLI would take the defaults. */
  command: string;
}

/** `POST api/jobs/ID/runs` with the form's values as text, as `run -p name=value` takes them. */
export interface RunRequest {
  params: Record<string, string>;
}

/** 202: the run started; open `#/runs/RUN_ID`. 400 with `problems` when a parameter is refused. */
export interface RunStarted {
  runId: string;
}

export type StepStatus = "pending" | "running" | "retrying" | "succeeded" | "failed" | "skipped";

export interface LogLine {
  ts: string;
  level: "debug" | "info" | "warning" | "error";
  message: string;
}

export interface StepView {
  name: string;
  type: string;
  status: StepStatus;
  attempt: number;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** While retrying: when the next try starts (the page counts down to it). */
  retryAt: string | null;
  /** sql_copy and others that report progress. */
  rows: number | null;
  bytes: number | null;
  /** The step's output as in the run log (secrets masked). */
  output: unknown;
  error: string | null;
  hint: string | null;
  /** The step's log lines, the latest 500 (older ones counted in `logsOmitted`). */
  logs: LogLine[];
  logsOmitted: number;
  /** A step a resume did not run again: the run it succeeded in, whose output it carries (absent otherwise). */
  reusedFrom?: string;
}

export interface AlertView {
  channel: string;
  kind: string;
  sent: boolean;
  error: string | null;
  ts: string;
}

/** `GET api/runs/RUN_ID`, and each `data:` of `GET api/runs/RUN_ID/live` (server-sent events, event name `run`). */
export interface RunDetail {
  runId: string;
  jobId: string;
  status: RunStatus;
  trigger: string;
  /** The run's logical date: the fire time it is for, in the job's zone with its offset (null in logs older than logical dates). */
  scheduledFor: string | null;
  /** The interval of data the run is about: from the fire before `scheduledFor` to it, in the job's zone (absent in older logs). */
  intervalStart?: string;
  intervalEnd?: string;
  /** The run this one reruns (trigger recovery), if any. */
  recoveryOf: string | null;
  /** For trigger resume: the failed or interrupted run this one resumes (absent otherwise). */
  resumeOf?: string;
  /** The later runs that resumed this one, oldest first (absent when none). */
  resumedBy?: { runId: string; status: RunStatus }[];
  /** Why the run ended when its steps alone do not tell: `job_timeout` (the job's timeout passed), `lease_lost` (its daemon lost the store). */
  endReason?: "job_timeout" | "lease_lost";
  params: Record<string, unknown>;
  host: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** Why the run failed or was interrupted / abandoned. */
  error: string | null;
  hint: string | null;
  steps: StepView[];
  alerts: AlertView[];
  /** `nomaflow show RUN_ID`. */
  command: string;
  /** Events the store could not keep (cluster history), else 0. */
  eventsMissing: number;
  /** Log lines of the run itself rather than of a step (an alert that could not be sent), the latest 500; absent when none. */
  runLogs?: LogLine[];
}

export interface HistoryRun {
  runId: string;
  status: RunStatus;
  trigger: string;
  startedAt: string;
  durationMs: number | null;
  /** Rows copied by the run's steps, summed; null when no step reported rows. */
  rows: number | null;
  host: string | null;
}

/** `GET api/jobs/ID/history?limit=N` (default 200, at most 1,000), newest first. */
export interface JobHistory {
  jobId: string;
  runs: HistoryRun[];
  /** Of the ended runs shown: failed (and interrupted, abandoned) over all. */
  failureRate: number | null;
  slowestStep: { name: string; durationMs: number; runId: string } | null;
}

/** `GET api/connectors`. */
export interface ConnectorView {
  name: string;
  kind: string;
  /** The URL with its password masked as in run logs. */
  target: string;
  poolMax: number;
}

/** `POST api/connectors/NAME/test`: the same checks and words as `nomaflow connectors test`. */
export interface ConnectorTestResult {
  name: string;
  ok: boolean;
  latencyMs: number | null;
  /** `PostgreSQL 15.19` on success, else the reason. */
  message: string;
  hint: string | null;
}

/** `GET api/cron?expression=…&timezone=…&count=N` (count default 10, at most 100): the `cron` command. */
export interface CronPreview {
  expression: string;
  timezone: string;
  words: string;
  fires: FirePreview[];
  dstNotes: DstNote[];
}

/** `GET api/cluster`: the daemons sharing the store (as `nomaflow cluster`), or this daemon alone. */
export interface ClusterView {
  store: string | null;
  daemons: {
    id: string;
    host: string;
    pid: number;
    version: string;
    revision: string | null;
    startedAt: string;
    heartbeatAgoMs: number | null;
    runs: number;
    maxRuns: number | null;
    lease: string;
  }[];
}
