/**
 * A run: its status, trigger, params, host, error and hint, alerts, the CLI command that shows the
 * same, and one row per step. A running run follows `api/runs/ID/live` (server-sent events, a whole
 * RunDetail each) until its `end`; should the stream fail, the page asks `api/runs/ID` every two
 * seconds instead. An ended run (long ago, or abandoned) is read once.
 */
import type { LogLine, RunDetail } from "../../consoleApi.js";
import type { PageContext } from "../pageContext.js";
import type { StepsViewState } from "./stepRows.js";
import { getJson, isAbort } from "../api.js";
import { fill, h, on } from "../dom.js";
import { formatDuration, formatValue } from "../format.js";
import { apiPath, historyHref, jobsHref, runHref, runNowHref } from "../routes.js";
import { elapsedSoFar } from "../stepText.js";
import { endReasonText, formatZoned, intervalText, triggerOrigin } from "../runText.js";
import { actionButton, errorBox, facts, localTime, pageHeading, statusBadge } from "../widgets.js";
import { axisRow, levelFilter, logLines, stepRow, updateClocks } from "./stepRows.js";

const POLL_MS = 2000;

/** The log level filter outlives the page, as the visitor set it. */
let minLevel: LogLine["level"] = "info";

function paramsView(params: Record<string, unknown>): HTMLElement {
  const entries = Object.entries(params);
  if (entries.length === 0) return h("span", { class: "muted" }, "none");
  return h(
    "span",
    { class: "params", "data-run-params": "" },
    entries.map(([name, value]) => h("code", { class: "param", "data-run-param": name }, `${name}=${formatValue(value)}`)),
  );
}

/** `resume of RUN` and `recovery of RUN` link to the run their trigger refers to. */
function triggerView(run: RunDetail): HTMLElement {
  const origin = triggerOrigin(run);
  if (origin === null) return h("span", { "data-run-trigger": run.trigger }, run.trigger);
  const kind = run.resumeOf ? "data-resume-of" : "data-recovery-of";
  return h(
    "span",
    { "data-run-trigger": run.trigger },
    `${origin.words} `,
    h("a", { href: runHref(origin.runId), class: "mono", [kind]: origin.runId }, origin.runId),
  );
}

function resumedByView(run: RunDetail): HTMLElement | null {
  const resumes = run.resumedBy ?? [];
  if (resumes.length === 0) return null;
  return h(
    "span",
    { class: "resumed-by" },
    resumes.map((resume) =>
      h(
        "span",
        { class: "resume", "data-resumed-by": resume.runId },
        h("a", { href: runHref(resume.runId), class: "mono" }, resume.runId),
        " ",
        statusBadge(resume.status),
      ),
    ),
  );
}

function runFacts(run: RunDetail, now: number): HTMLElement {
  const duration = h(
    "span",
    null,
    run.durationMs !== null ? formatDuration(run.durationMs) : run.status === "running" ? elapsedSoFar(run.startedAt, now) : "—",
  );
  if (run.durationMs === null && run.status === "running") duration.dataset.elapsedFrom = run.startedAt;
  const interval = intervalText(run);
  return facts([
    ["Job", h("a", { href: historyHref(run.jobId), class: "mono" }, run.jobId)],
    ["Trigger", triggerView(run)],
    [
      "Scheduled for",
      run.scheduledFor
        ? h(
            "span",
            { class: "mono", "data-scheduled-for": run.scheduledFor, title: "the run's logical date, in the job's zone" },
            formatZoned(run.scheduledFor),
          )
        : null,
    ],
    [
      "Interval",
      interval ? h("span", { class: "mono", "data-interval": "", title: "the interval of data the run is about, in the job's zone" }, interval) : null,
    ],
    ["Resumed by", resumedByView(run)],
    ["Params", paramsView(run.params)],
    ["Host", h("span", { "data-run-host": "" }, run.host ?? "—")],
    ["Started", localTime(run.startedAt)],
    ["Ended", run.endedAt ? localTime(run.endedAt) : null],
    ["Duration", duration],
    ["From a shell", h("code", { "data-cli-command": "" }, run.command)],
  ]);
}

function runProblem(run: RunDetail): HTMLElement | null {
  if (!run.error) return null;
  return h(
    "div",
    { class: "error-box run-problem", role: "alert" },
    endReasonText(run) ? h("div", { class: "end-reason", "data-run-end-reason": run.endReason ?? "" }, endReasonText(run)) : null,
    h("div", { class: "error-message", "data-run-error": "" }, run.error),
    run.hint ? h("div", { class: "hint", "data-run-hint": "" }, run.hint) : null,
  );
}

/** The run's own log lines (an alert that could not be sent, say), under the same level filter as the steps'. */
function runLogsView(run: RunDetail): HTMLElement | null {
  const logs = run.runLogs ?? [];
  if (logs.length === 0) return null;
  return h(
    "div",
    { class: "run-logs" },
    h("h3", null, `The run's own log: ${logs.length} ${logs.length === 1 ? "line" : "lines"}`),
    logLines(logs, 0, { "data-run-logs": "" }),
  );
}

function alertsView(run: RunDetail): HTMLElement | null {
  if (run.alerts.length === 0) return null;
  return h(
    "section",
    { class: "panel alerts" },
    h("h2", null, `Alerts sent (${run.alerts.length})`),
    h(
      "table",
      { class: "compact" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["Time", "Channel", "Kind", "Result"].map((label) => h("th", null, label)),
        ),
      ),
      h(
        "tbody",
        null,
        run.alerts.map((alert) =>
          h(
            "tr",
            { "data-alert": alert.kind, "data-sent": String(alert.sent) },
            h("td", null, localTime(alert.ts)),
            h("td", { class: "mono" }, alert.channel),
            h("td", null, alert.kind),
            h("td", { class: alert.sent ? "ok-text" : "fail-text" }, alert.sent ? "✓ sent" : `✗ not sent${alert.error ? `: ${alert.error}` : ""}`),
          ),
        ),
      ),
    ),
  );
}

export async function runPage(context: PageContext, runId: string): Promise<void> {
  context.setTitle(`Run ${runId}`);
  let run = await getJson<RunDetail>(apiPath("runs", runId), context.signal);

  const state: StepsViewState = { open: new Map() };
  const nodes = new Map<string, { json: string; node: HTMLElement }>();
  const head = h("div");
  const live = h("span", { class: "live", "data-live": "" });
  const problem = h("div");
  const factsBox = h("div", { class: "panel run-facts" });
  const missing = h("div");
  const steps = h("div", { class: "steps-body" });
  const runLogs = h("div");
  const stepsBox = h("div", { class: "steps", "data-min-level": minLevel }, axisRow(), steps, runLogs);
  const alerts = h("div");
  const filter = levelFilter(minLevel, (level) => {
    minLevel = level;
    stepsBox.dataset.minLevel = level;
  });

  const setLive = (text: string, kind: string) => {
    live.textContent = text;
    live.dataset.live = kind;
  };

  const draw = (next: RunDetail) => {
    run = next;
    const now = Date.now();
    context.setTitle(`${run.status} · ${run.jobId} · run ${run.runId}`);
    fill(
      head,
      pageHeading(
        [h("span", { class: `run-status status-${run.status}`, "data-run-status": run.status }, run.status), " ", h("span", { class: "mono" }, run.jobId)],
        [
          { label: "Jobs", href: jobsHref() },
          { label: run.jobId, href: historyHref(run.jobId) },
        ],
        [
          live,
          h("span", { class: "mono muted", title: "run id" }, run.runId),
          on(actionButton("▶ Run again", "run-again"), "click", () => (location.hash = runNowHref(run.jobId))),
        ],
      ),
    );
    fill(problem, runProblem(run));
    fill(factsBox, runFacts(run, now));
    fill(
      missing,
      run.eventsMissing > 0
        ? h("p", { class: "notice" }, `${run.eventsMissing} of this run's events could not be kept by the state store: some of what follows may be missing.`)
        : null,
    );
    fill(alerts, alertsView(run));
    fill(runLogs, runLogsView(run));

    const sameSteps = run.steps.map((step) => step.name).join("\n") === [...nodes.keys()].join("\n");
    if (!sameSteps) {
      nodes.clear();
      steps.replaceChildren();
    }
    run.steps.forEach((step, index) => {
      const json = JSON.stringify(step);
      const old = nodes.get(step.name);
      if (old?.json === json) return;
      const node = stepRow(step, index, state, now);
      const oldLogs = old?.node.querySelector<HTMLElement>("[data-step-logs]");
      const followBottom = !oldLogs || oldLogs.scrollHeight - oldLogs.scrollTop - oldLogs.clientHeight < 8;
      if (old) old.node.replaceWith(node);
      else steps.appendChild(node);
      const logs = node.querySelector<HTMLElement>("[data-step-logs]");
      if (logs) logs.scrollTop = followBottom ? logs.scrollHeight : (oldLogs?.scrollTop ?? 0);
      nodes.set(step.name, { json, node });
    });
    updateClocks(stepsBox, run, now);
    updateClocks(factsBox, run, now);
  };

  fill(
    context.main,
    head,
    problem,
    factsBox,
    missing,
    h(
      "section",
      { class: "panel steps-panel" },
      h("div", { class: "panel-head" }, h("h2", null, `Steps`), h("label", { class: "inline-label" }, "Log lines: ", filter)),
      stepsBox,
    ),
    alerts,
  );
  draw(run);
  context.ready();

  context.every(1000, () => {
    if (run.status === "running") {
      updateClocks(stepsBox, run, Date.now());
      updateClocks(factsBox, run, Date.now());
    }
  });

  if (run.status !== "running") {
    setLive("ended", "ended");
    return;
  }

  const poll = async () => {
    try {
      draw(await getJson<RunDetail>(apiPath("runs", runId), context.signal));
      if (run.status !== "running") return setLive("ended", "ended");
    } catch (error) {
      if (isAbort(error)) return;
      problem.replaceChildren(errorBox(error), runProblem(run) ?? "");
    }
    context.after(POLL_MS, () => void poll());
  };

  setLive("● live", "connecting");
  const source = new EventSource(apiPath("runs", runId, "live"));
  context.onLeave(() => source.close());
  source.addEventListener("open", () => setLive("● live", "streaming"));
  source.addEventListener("run", (event) => {
    try {
      draw(JSON.parse((event as MessageEvent<string>).data) as RunDetail);
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
  });
  source.addEventListener("end", () => {
    source.close();
    // The last `run` event said how it ended; should it have been lost, ask once more.
    if (run.status === "running") void poll();
    else setLive("ended", "ended");
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // The stream is refused or gone for good: ask for the run instead, as long as it runs.
      setLive("● polling", "polling");
      void poll();
    } else {
      setLive("reconnecting…", "reconnecting");
    }
  });
}
