/**
 * The Jobs catalogue: every job with its schedule in words, the next three fires in its zone (and
 * the DST notes among them), the last run's badge, the sparkline of recent runs and ▶ Run now; the
 * invalid jobs first, with their diagnostics. Asked for again every two seconds with its ETag (an
 * unchanged catalogue is a bodiless 304), so that a run started anywhere shows as RUNNING at once.
 */
import type { Catalogue, InvalidJob, JobCard } from "../../consoleApi.js";
import type { PageContext } from "../pageContext.js";
import { getJsonIfChanged, isAbort } from "../api.js";
import { catalogueRefreshMs, filterJobs, noFireText, runningJobs } from "../catalogueFilter.js";
import { fill, h, on } from "../dom.js";
import { formatDuration, formatFire, formatLocal, formatRelative } from "../format.js";
import { historyHref, runHref, runNowHref } from "../routes.js";
import { elapsedSoFar } from "../stepText.js";
import { actionButton, errorBox, readOnlyNotice, statusBadge } from "../widgets.js";
import { sparklineView } from "./sparklineView.js";

/** The filter outlives a visit to a run and back. */
const filter = { search: "", tag: "", all: false };

function jobCell(job: JobCard): HTMLElement {
  return h(
    "td",
    { class: "job-cell" },
    h(
      "div",
      { class: "job-line" },
      h("a", { class: "job-id", href: historyHref(job.id), title: job.file }, job.id),
      job.enabled ? null : h("span", { class: "pill disabled-pill" }, "disabled"),
      job.tags.map((tag) => h("span", { class: "tag" }, tag)),
    ),
    job.description ? h("div", { class: "description" }, job.description) : null,
  );
}

function scheduleCell(job: JobCard): HTMLElement {
  if (job.schedule === null) return h("td", { class: "schedule-cell muted" }, "no schedule: run by hand");
  return h(
    "td",
    { class: "schedule-cell" },
    h("div", null, job.schedule.words),
    h("div", { class: "cron-line" }, h("code", null, job.schedule.expression), h("span", { class: "zone" }, job.schedule.timezone)),
  );
}

function firesCell(job: JobCard, now: number): HTMLElement {
  const year = new Date(now).getFullYear();
  const fires = job.nextFires.map((fire) =>
    h(
      "div",
      { class: "fire", "data-next-fire": fire.at, title: fire.at },
      h("span", { class: "fire-at" }, formatFire(fire, year)),
      h("span", { class: "offset" }, fire.offset),
      h("span", { class: "muted" }, formatRelative(Date.parse(fire.at), now)),
    ),
  );
  const notes = job.dstNotes.map((note) => h("div", { class: "dst-note", "data-dst-note": note.at ?? "" }, note.message));
  const none = job.nextFires.length === 0 ? h("span", { class: "muted", "data-no-fire": "" }, noFireText(job)) : null;
  return h("td", { class: "fires-cell" }, fires, none, notes);
}

function lastRunCell(job: JobCard, now: number): HTMLElement {
  const run = job.lastRun;
  if (run === null) return h("td", { class: "last-run-cell muted" }, "never run");
  const badge = statusBadge(run.status, runHref(run.runId));
  badge.setAttribute("data-last-run", run.runId);
  badge.title = `${run.runId} · ${run.trigger}${run.host ? ` on ${run.host}` : ""}`;
  const duration = run.durationMs !== null ? formatDuration(run.durationMs) : run.status === "running" ? elapsedSoFar(run.startedAt, now) : null;
  return h(
    "td",
    { class: "last-run-cell" },
    badge,
    h(
      "div",
      { class: "muted small", title: formatLocal(new Date(run.startedAt)) },
      formatRelative(Date.parse(run.startedAt), now),
      duration ? ` · ${duration}` : "",
      ` · ${run.trigger}`,
    ),
  );
}

function jobRow(job: JobCard, now: number): HTMLElement {
  const run = actionButton("▶ Run now", "run-now", { class: "primary small-button" });
  on(run, "click", () => {
    location.hash = runNowHref(job.id);
  });
  return h(
    "tr",
    { "data-job": job.id, class: job.enabled ? "" : "job-disabled" },
    jobCell(job),
    scheduleCell(job),
    firesCell(job, now),
    lastRunCell(job, now),
    h("td", { class: "spark-cell" }, sparklineView(job)),
    h("td", { class: "actions-cell" }, run, h("a", { href: historyHref(job.id), "data-history": "", class: "history-link" }, "History")),
  );
}

function invalidSection(invalid: InvalidJob[]): HTMLElement | null {
  if (invalid.length === 0) return null;
  return h(
    "section",
    { class: "invalid-jobs" },
    h("h2", null, `${invalid.length} invalid ${invalid.length === 1 ? "job" : "jobs"}: not scheduled, cannot run`),
    invalid.map((job) =>
      h(
        "div",
        { class: "invalid-job", "data-invalid-job": job.id },
        h("div", { class: "job-line" }, h("span", { class: "job-id" }, job.id), h("span", { class: "muted" }, job.file)),
        h(
          "ul",
          { class: "diagnostics" },
          job.diagnostics.map((diagnostic) => {
            const where = [diagnostic.file, diagnostic.line, diagnostic.column].filter((part) => part !== null).join(":");
            return h(
              "li",
              { "data-diagnostic": where, class: `diagnostic ${diagnostic.severity}` },
              h("code", { class: "where" }, where),
              h("span", { class: `severity ${diagnostic.severity}` }, diagnostic.severity),
              h("span", null, diagnostic.message),
              diagnostic.hint ? h("div", { class: "hint" }, diagnostic.hint) : null,
            );
          }),
        ),
      ),
    ),
  );
}

/** Rows drawn before "Show all": a catalogue of a thousand jobs is searched rather than scrolled. */
const FIRST_ROWS = 200;

/** Redrawn at least this often even when nothing changed, for the "in 3 h" of the next fires. */
const REDRAW_UNCHANGED_MS = 60_000;

function jobsTable(jobs: JobCard[], total: number, showAll: () => void): HTMLElement {
  if (total === 0)
    return h(
      "p",
      { class: "empty" },
      "No job in this project yet: a job is a YAML file under jobs/ (",
      h("code", null, "nomaflow init"),
      " writes an example).",
    );
  if (jobs.length === 0) return h("p", { class: "empty" }, "No job matches the search.");
  const now = Date.now();
  const shown = filter.all ? jobs : jobs.slice(0, FIRST_ROWS);
  const more =
    shown.length < jobs.length
      ? h(
          "div",
          { class: "more-jobs" },
          on(h("button", { type: "button", "data-action": "show-all-jobs" }, `Show all ${jobs.length} jobs`), "click", showAll),
          h("span", { class: "muted" }, ` (the first ${shown.length} are shown; the search looks through all)`),
        )
      : null;
  const table = h(
    "table",
    { class: "jobs-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Job", "Schedule", "Next fires (job's zone)", "Last run", "Last 30 runs", ""].map((label) => h("th", null, label)),
      ),
    ),
    h(
      "tbody",
      null,
      shown.map((job) => jobRow(job, now)),
    ),
  );
  return h("div", null, table, more);
}

export async function jobsPage(context: PageContext): Promise<void> {
  context.setTitle("Jobs");
  const first = await getJsonIfChanged<Catalogue>("api/jobs", null, context.signal);
  let catalogue = first!.value;
  let etag = first!.etag;

  const search = h("input", {
    type: "search",
    "data-filter": "search",
    placeholder: "Search jobs, descriptions, tags, files",
    "aria-label": "Search jobs",
    value: filter.search,
  });
  const tagSelect = h(
    "select",
    { "data-filter": "tag", "aria-label": "Tag" },
    h("option", { value: "" }, "All tags"),
    catalogue.tags.map((tag) => h("option", { value: tag, selected: tag === filter.tag }, tag)),
  );
  const counts = h("span", { class: "counts" });
  const refreshed = h("span", { class: "muted small refreshed" });
  const problem = h("div", { class: "refresh-problem" });
  const invalid = h("div");
  const warning = h("div");
  const list = h("div", { class: "jobs-list" });

  let drawn = "";
  let drawnAt = 0;
  const draw = () => {
    drawn = JSON.stringify([catalogue.jobs, catalogue.invalid, catalogue.warning]);
    drawnAt = Date.now();
    const shown = filterJobs(catalogue.jobs, filter.search, filter.tag);
    const running = runningJobs(catalogue);
    fill(
      counts,
      `${shown.length === catalogue.jobs.length ? "" : `${shown.length} of `}${catalogue.jobs.length} ${catalogue.jobs.length === 1 ? "job" : "jobs"}`,
      running > 0 ? h("span", { class: "running-count" }, ` · ${running} running`) : null,
      catalogue.invalid.length > 0 ? h("span", { class: "fail-text" }, ` · ${catalogue.invalid.length} invalid`) : null,
    );
    fill(refreshed, `updated ${formatLocal(new Date()).slice(11)}`);
    fill(warning, catalogue.warning ? h("p", { class: "notice", "data-catalogue-warning": "" }, catalogue.warning) : null);
    fill(invalid, invalidSection(catalogue.invalid));
    fill(
      list,
      jobsTable(shown, catalogue.jobs.length, () => {
        filter.all = true;
        draw();
      }),
    );
  };
  on(search, "input", () => {
    filter.search = search.value;
    draw();
  });
  on(tagSelect, "change", () => {
    filter.tag = tagSelect.value;
    draw();
  });

  fill(context.main, h("div", { class: "toolbar" }, search, tagSelect, counts, refreshed), readOnlyNotice(), warning, problem, invalid, list);
  draw();
  context.ready();

  const hidden = () => document.visibilityState === "hidden";
  // Only the latest timer asks: showing the tab again asks at once, and its earlier timer is moot.
  let scheduled = 0;
  const schedule = (ms: number) => {
    const mine = ++scheduled;
    context.after(ms, () => {
      if (mine === scheduled) void refresh();
    });
  };
  const refresh = async () => {
    try {
      const changed = await getJsonIfChanged<Catalogue>("api/jobs", etag, context.signal);
      problem.replaceChildren();
      if (changed !== null) {
        catalogue = changed.value;
        etag = changed.etag;
      }
      const unchanged = changed === null || JSON.stringify([catalogue.jobs, catalogue.invalid, catalogue.warning]) === drawn;
      if (unchanged && Date.now() - drawnAt < REDRAW_UNCHANGED_MS) fill(refreshed, `updated ${formatLocal(new Date()).slice(11)}`);
      else draw();
    } catch (error) {
      if (isAbort(error)) return;
      problem.replaceChildren(errorBox(error, { "data-refresh-error": "" }));
    }
    schedule(catalogueRefreshMs(hidden()));
  };
  const onShown = () => {
    if (!hidden()) schedule(0);
  };
  document.addEventListener("visibilitychange", onShown);
  context.onLeave(() => document.removeEventListener("visibilitychange", onShown));
  schedule(catalogueRefreshMs(hidden()));
}
