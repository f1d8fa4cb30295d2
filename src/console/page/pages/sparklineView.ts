/**
 * The catalogue's sparkline drawn: a path per status; the run under the pointer in the tooltip, and
 * a click opens it.
 */
import type { JobCard } from "../../consoleApi.js";
import { on, svg } from "../dom.js";
import { formatDuration } from "../format.js";
import { runHref } from "../routes.js";
import { barAt, sparkBars, sparkPaths } from "../sparkline.js";

const WIDTH = 120;
const HEIGHT = 22;

export function sparklineView(job: JobCard): SVGSVGElement {
  const bars = sparkBars(job.recent, { width: WIDTH, height: HEIGHT });
  const label = job.recent.length === 0 ? "no runs yet" : `the last ${job.recent.length} runs' durations`;
  const title = svg("title", null, label);
  const drawing = svg(
    "svg",
    { class: "sparkline", "data-sparkline": "", width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
    title,
    svg("line", { class: "baseline", x1: 0, x2: WIDTH, y1: HEIGHT - 0.5, y2: HEIGHT - 0.5 }),
    sparkPaths(bars).map((path) => svg("path", { class: `bar status-${path.status}`, d: path.d })),
  );
  if (bars.length === 0) return drawing;
  const pointed = (event: MouseEvent) => barAt(bars, (event.offsetX * WIDTH) / Math.max(1, drawing.clientWidth || WIDTH));
  on(drawing, "mousemove", (event) => {
    const bar = pointed(event);
    drawing.classList.toggle("pointing", bar !== null);
    title.textContent = bar ? `${bar.runId} · ${bar.status} · ${bar.durationMs === null ? "running" : formatDuration(bar.durationMs)} (click to open)` : label;
  });
  on(drawing, "click", (event) => {
    const bar = pointed(event);
    if (bar) location.hash = runHref(bar.runId);
  });
  return drawing;
}
