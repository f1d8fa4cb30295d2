/**
 * The project's connectors, each target masked as run logs mask it, with Test connection: the same
 * checks and words as `nomaflow connectors test` (latency and server version, or the reason and a
 * hint).
 */
import type { ConnectorTestResult, ConnectorView } from "../../consoleApi.js";
import type { PageContext } from "../pageContext.js";
import { getJson, postJson } from "../api.js";
import { fill, h, on } from "../dom.js";
import { formatLatency } from "../format.js";
import { apiPath } from "../routes.js";
import { actionBlocker, recheckSession } from "../session.js";
import { actionButton, errorBox, pageHeading, readOnlyNotice } from "../widgets.js";

function resultView(result: ConnectorTestResult): HTMLElement[] {
  const head = result.ok
    ? [
        h("span", { class: "ok-text" }, "✓ connected"),
        result.latencyMs !== null ? h("span", { class: "latency" }, ` in ${formatLatency(result.latencyMs)}`) : null,
        h("span", null, ` · ${result.message}`),
      ]
    : [h("span", { class: "fail-text" }, "✗ "), h("span", { class: "reason" }, result.message)];
  return [h("div", null, ...head), result.hint ? h("div", { class: "hint" }, result.hint) : h("span")];
}

function connectorRow(connector: ConnectorView, signal: AbortSignal): { row: HTMLElement; test: () => Promise<void> } {
  const result = h("div", { class: "test-result", "data-test-result": "", "aria-live": "polite" });
  const button = actionButton("Test connection", "test-connection");
  const test = async () => {
    if (actionBlocker() !== null) return;
    button.disabled = true;
    delete result.dataset.ok;
    fill(result, h("span", { class: "muted" }, "testing…"));
    try {
      const outcome = await postJson<ConnectorTestResult>(apiPath("connectors", connector.name, "test"), {}, signal);
      result.dataset.ok = String(outcome.ok);
      fill(result, resultView(outcome));
    } catch (error) {
      if (signal.aborted) return;
      recheckSession(error);
      result.dataset.ok = "false";
      fill(result, errorBox(error, { "data-test-error": "" }));
    } finally {
      button.disabled = actionBlocker() !== null;
    }
  };
  on(button, "click", () => void test());
  const row = h(
    "tr",
    { "data-connector": connector.name },
    h("td", { class: "mono strong" }, connector.name),
    h("td", null, connector.kind),
    h("td", { class: "mono target", "data-target": "" }, connector.target),
    h("td", { class: "num" }, String(connector.poolMax)),
    h("td", null, button),
    h("td", { class: "result-cell" }, result),
  );
  return { row, test };
}

export async function connectorsPage(context: PageContext): Promise<void> {
  context.setTitle("Connectors");
  const connectors = await getJson<ConnectorView[]>("api/connectors", context.signal);
  const rows = connectors.map((connector) => connectorRow(connector, context.signal));
  const testAll = actionButton("Test all", "test-all");
  on(testAll, "click", () => {
    testAll.disabled = true;
    void Promise.all(rows.map((row) => row.test())).finally(() => (testAll.disabled = actionBlocker() !== null));
  });
  fill(
    context.main,
    pageHeading("Connectors", [], connectors.length > 1 ? [testAll] : []),
    h(
      "p",
      { class: "lead" },
      "The databases named in nomaflow.yaml. Passwords are masked as in run logs; a test opens one connection and asks the server's version.",
    ),
    readOnlyNotice(),
    connectors.length === 0
      ? h("p", { class: "empty" }, "No connector in nomaflow.yaml.")
      : h(
          "section",
          { class: "panel" },
          h(
            "table",
            { class: "connectors-table" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                ["Name", "Kind", "Target", "Pool", "", "Result"].map((label) => h("th", null, label)),
              ),
            ),
            h(
              "tbody",
              null,
              rows.map((row) => row.row),
            ),
          ),
        ),
  );
  context.ready();
}
