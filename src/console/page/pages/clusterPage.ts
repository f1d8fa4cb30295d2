/** The daemons sharing the state store, as `nomaflow cluster` lists them; without a store, this host alone. */
import type { ClusterView } from "../../consoleApi.js";
import type { PageContext } from "../pageContext.js";
import { getJson, isAbort } from "../api.js";
import { fill, h } from "../dom.js";
import { formatSpan } from "../format.js";
import { errorBox, localTime, pageHeading } from "../widgets.js";

function daemonsTable(view: ClusterView): HTMLElement {
  if (view.daemons.length === 0)
    return h("p", { class: "empty" }, view.store === null ? "No daemon runs here: this console fires nothing." : "No daemon is alive in this store.");
  return h(
    "table",
    { class: "cluster-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Daemon", "Host", "PID", "Version", "Revision", "Started", "Heartbeat", "Runs", "Lease"].map((label) => h("th", null, label)),
      ),
    ),
    h(
      "tbody",
      null,
      view.daemons.map((daemon) =>
        h(
          "tr",
          { "data-daemon": daemon.id },
          h("td", { class: "mono" }, daemon.id),
          h("td", null, daemon.host),
          h("td", { class: "num" }, String(daemon.pid)),
          h("td", null, daemon.version),
          h("td", { class: "mono" }, daemon.revision ?? "—"),
          h("td", null, localTime(daemon.startedAt)),
          h("td", null, daemon.heartbeatAgoMs === null ? "—" : `${formatSpan(daemon.heartbeatAgoMs)} ago`),
          h("td", { class: "num" }, daemon.maxRuns === null ? String(daemon.runs) : `${daemon.runs} / ${daemon.maxRuns}`),
          h("td", null, daemon.lease),
        ),
      ),
    ),
  );
}

/** The heartbeats age: the daemons are asked for again this often. */
const REFRESH_MS = 5000;

function clusterView(view: ClusterView): HTMLElement[] {
  return [
    view.store === null
      ? h(
          "p",
          { class: "notice", "data-no-store": "" },
          "No state store: this host only. With ",
          h("code", null, "state:"),
          " in nomaflow.yaml, several daemons share one PostgreSQL store and this page lists them all.",
        )
      : h("p", { class: "lead" }, "Daemons sharing the state store ", h("strong", { class: "mono" }, view.store), "."),
    h("section", { class: "panel" }, daemonsTable(view)),
  ];
}

export async function clusterPage(context: PageContext): Promise<void> {
  context.setTitle("Cluster");
  const view = await getJson<ClusterView>("api/cluster", context.signal);
  const problem = h("div");
  const content = h("div", null, clusterView(view));
  fill(context.main, pageHeading("Cluster"), problem, content);
  context.ready();
  context.every(REFRESH_MS, () => {
    getJson<ClusterView>("api/cluster", context.signal).then(
      (next) => {
        problem.replaceChildren();
        fill(content, clusterView(next));
      },
      (error: unknown) => {
        if (!isAbort(error)) fill(problem, errorBox(error, { "data-refresh-error": "" }));
      },
    );
  });
}
