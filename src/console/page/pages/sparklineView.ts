/** The catalogue's sparkline drawn: one link per recent run, coloured by status, the run in its tooltip. */
import type { JobCard } from "../../consoleApi.js";
import { svg } from "../dom.js";
import { formatDuration } from "../format.js";
import { runHref } from "../routes.js";
import { sparkBars } from "../sparkline.js";

const WIDTH = 120;
const HEIGHT = 22;

export function sparklineView(job: JobCard): SVGSVGElement {
  const bars = sparkBars(job.recent, { width: WIDTH, height: HEIGHT });
  const label = job.recent.length === 0 ? "no runs yet" : `the last ${job.recent.length} runs' durations`;
  return svg(
    "svg",
    { class: "sparkline", "data-sparkline": "", width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label },
    svg("line", { class: "baseline", x1: 0, x2: WIDTH, y1: HEIGHT - 0.5, y2: HEIGHT - 0.5 }),
    bars.map((bar) =>
      svg(
        "a",
        { href: runHref(bar.runId) },
        svg(
          "rect",
          { class: `bar status-${bar.status}`, x: bar.x.toFixed(2), y: bar.y, width: bar.width.toFixed(2), height: bar.height },
          svg("title", null, `${bar.runId} · ${bar.status} · ${bar.durationMs === null ? "running" : formatDuration(bar.durationMs)}`),
        ),
      ),
    ),
  );
}
