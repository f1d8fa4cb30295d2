/**
 * A job's history: the failure rate, the slowest step, charts over time of the runs' durations and
 * of the rows they copied, and the runs as a table (newest first).
 */
import type { HistoryRun, JobHistory } from "../../consoleApi.js";
import type { ChartInput } from "../historyChart.js";
import type { PageContext } from "../pageContext.js";
import { getJson, isAbort } from "../api.js";
import { ticksUpTo, valueTicks } from "../chartScale.js";
import { fill, h, on, svg } from "../dom.js";
import { formatAxisLabels, formatCount, formatDuration, formatLocal, formatPercent, formatRows } from "../format.js";
import { historyChart, medianSucceededMs } from "../historyChart.js";
import { apiPath, jobsHref, runHref, runNowHref } from "../routes.js";
import { formatTick, tickStep } from "../timeAxis.js";
import { actionButton, errorBox, localTime, pageHeading, statusBadge, viewerZoneNote } from "../widgets.js";

const CHART_WIDTH = 640;
const CHART_HEIGHT = 180;

function chart(
  kind: "duration" | "rows",
  title: string,
  runs: ChartInput[],
  ticksFor: (max: number) => number[],
  label: (value: number) => string,
): HTMLElement {
  const layout = historyChart(runs, CHART_WIDTH, CHART_HEIGHT, ticksFor);
  const { plot } = layout;
  const empty = layout.bars.length === 0;
  const timeLabels = formatAxisLabels(
    layout.xTicks.map((tick) => tick.ms),
    layout.precision,
  );
  const drawing = svg(
    "svg",
    {
      class: "chart",
      "data-chart": kind,
      viewBox: `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`,
      role: "img",
      "aria-label": title,
      preserveAspectRatio: "xMidYMid meet",
    },
    layout.yTicks.flatMap((tick) => [
      svg("line", { class: "grid", x1: plot.left, x2: plot.right, y1: tick.y, y2: tick.y }),
      svg("text", { class: "axis-label", x: plot.left - 8, y: tick.y + 4, "text-anchor": "end" }, label(tick.value)),
    ]),
    timeLabels.map((text, index) => {
      const tick = layout.xTicks[index]!;
      return svg("text", { class: "axis-label", "data-time-label": "", x: tick.x, y: plot.bottom + 18, "text-anchor": tick.anchor }, text);
    }),
    svg("line", { class: "axis-line", x1: plot.left, x2: plot.right, y1: plot.bottom + 0.5, y2: plot.bottom + 0.5 }),
    layout.bars.map((bar) =>
      svg(
        "a",
        { href: runHref(bar.runId) },
        svg(
          "rect",
          { class: `bar status-${bar.status}`, x: bar.x.toFixed(1), y: bar.y.toFixed(1), width: bar.width.toFixed(1), height: bar.height.toFixed(1) },
          svg(
            "title",
            null,
            `${bar.runId} · ${bar.status} · ${formatLocal(new Date(bar.startedMs), false)} · ${kind === "duration" ? formatDuration(bar.value) : formatRows(bar.value)}`,
          ),
        ),
      ),
    ),
    empty
      ? svg(
          "text",
          { class: "chart-empty", x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, "text-anchor": "middle" },
          kind === "rows" ? "no step reported rows copied" : "no ended run yet",
        )
      : null,
  );
  return h("figure", { class: "panel chart-panel" }, h("figcaption", null, title), drawing);
}

function summary(history: JobHistory): HTMLElement {
  const ended = history.runs.filter((run) => run.status !== "running").length;
  const median = medianSucceededMs(history.runs);
  const slowest = history.slowestStep;
  return h(
    "div",
    { class: "summary-cards" },
    h("div", { class: "card" }, h("div", { class: "card-label" }, "Runs shown"), h("div", { class: "card-value" }, String(history.runs.length))),
    h(
      "div",
      { class: "card" },
      h("div", { class: "card-label" }, "Failure rate"),
      h(
        "div",
        { class: `card-value${history.failureRate ? " fail-text" : ""}`, "data-failure-rate": history.failureRate ?? "" },
        history.failureRate === null ? "—" : formatPercent(history.failureRate),
      ),
      h("div", { class: "muted small" }, `of ${ended} ended ${ended === 1 ? "run" : "runs"}`),
    ),
    h(
      "div",
      { class: "card" },
      h("div", { class: "card-label" }, "Median success"),
      h("div", { class: "card-value" }, median === null ? "—" : formatDuration(median)),
    ),
    h(
      "div",
      { class: "card wide" },
      h("div", { class: "card-label" }, "Slowest step"),
      h(
        "div",
        { class: "card-value", "data-slowest-step": slowest?.name ?? "" },
        slowest === null ? "—" : [h("span", { class: "mono" }, slowest.name), " ", formatDuration(slowest.durationMs)],
      ),
      slowest ? h("div", { class: "muted small" }, "in ", h("a", { href: runHref(slowest.runId), class: "mono" }, slowest.runId)) : null,
    ),
  );
}

function runsTable(runs: HistoryRun[]): HTMLElement {
  if (runs.length === 0) return h("p", { class: "empty" }, "This job has not run yet.");
  return h(
    "table",
    { class: "history-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Run", "Status", "Trigger", "Started", "Duration", "Rows copied", "Host"].map((label) => h("th", null, label)),
      ),
    ),
    h(
      "tbody",
      null,
      runs.map((run) =>
        h(
          "tr",
          { "data-history-run": run.runId },
          h("td", null, h("a", { href: runHref(run.runId), class: "mono" }, run.runId)),
          h("td", null, statusBadge(run.status, runHref(run.runId))),
          h("td", null, run.trigger),
          h("td", null, localTime(run.startedAt)),
          h("td", { class: "num" }, run.durationMs === null ? "—" : formatDuration(run.durationMs)),
          h("td", { class: "num" }, run.rows === null ? "—" : run.rows.toLocaleString("en-US")),
          h("td", null, run.host ?? "—"),
        ),
      ),
    ),
  );
}

/** While a run of the job is going, the history is asked for again this often (its row and bars change when it ends). */
const REFRESH_WHILE_RUNNING_MS = 3000;

function historyView(history: JobHistory): HTMLElement[] {
  const run = on(actionButton("▶ Run now", "run-now", { class: "primary" }), "click", () => (location.hash = runNowHref(history.jobId)));
  return [
    pageHeading(["History of ", h("span", { class: "mono" }, history.jobId)], [{ label: "Jobs", href: jobsHref() }], [run]),
    summary(history),
    h(
      "div",
      { class: "charts" },
      chart(
        "duration",
        "Duration of each run",
        history.runs.map((item) => ({ runId: item.runId, status: item.status, startedAt: item.startedAt, value: item.durationMs })),
        (max) => ticksUpTo(max, tickStep(max, 4)),
        formatTick,
      ),
      chart(
        "rows",
        "Rows copied by each run",
        history.runs.map((item) => ({ runId: item.runId, status: item.status, startedAt: item.startedAt, value: item.rows })),
        (max) => valueTicks(max, 4),
        formatCount,
      ),
    ),
    h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", null, "Runs, newest first"), h("span", { class: "muted small" }, viewerZoneNote())),
      runsTable(history.runs),
    ),
  ];
}

export async function historyPage(context: PageContext, jobId: string): Promise<void> {
  context.setTitle(`History of ${jobId}`);
  const path = `${apiPath("jobs", jobId, "history")}?limit=200`;
  const history = await getJson<JobHistory>(path, context.signal);
  const problem = h("div");
  const content = h("div", null, historyView(history));
  fill(context.main, problem, content);
  context.ready();

  const refreshWhileRunning = (shown: JobHistory) => {
    if (!shown.runs.some((item) => item.status === "running")) return;
    context.after(REFRESH_WHILE_RUNNING_MS, () => {
      getJson<JobHistory>(path, context.signal).then(
        (next) => {
          problem.replaceChildren();
          fill(content, historyView(next));
          refreshWhileRunning(next);
        },
        (error: unknown) => {
          if (isAbort(error)) return;
          fill(problem, errorBox(error, { "data-refresh-error": "" }));
          refreshWhileRunning(shown);
        },
      );
    });
  };
  refreshWhileRunning(history);
}
