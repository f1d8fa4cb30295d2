/**
 * The console's page: reads who serves it (`api/info`), draws the header, then the page of the
 * hash route, again on every change of route or session. A page's requests, timers and streams end
 * when the visitor leaves it. Nothing is written to the browser's console: what goes wrong is shown
 * in the page.
 */
import type { Page } from "./pageContext.js";
import type { PageName } from "./routes.js";
import { isAbort } from "./api.js";
import { h, on } from "./dom.js";
import { renderHeader } from "./header.js";
import { pageContext } from "./pageContext.js";
import { clusterPage } from "./pages/clusterPage.js";
import { connectorsPage } from "./pages/connectorsPage.js";
import { cronPage } from "./pages/cronPage.js";
import { historyPage } from "./pages/historyPage.js";
import { jobsPage } from "./pages/jobsPage.js";
import { notFoundPage } from "./pages/notFoundPage.js";
import { runNowPage } from "./pages/runNowPage.js";
import { runPage } from "./pages/runPage.js";
import { parseRoute } from "./routes.js";
import { consoleInfo, loadConsoleInfo, onSessionChange } from "./session.js";
import { errorBox } from "./widgets.js";

function pageFor(hash: string): { name: PageName; page: Page } {
  const route = parseRoute(hash);
  switch (route.page) {
    case "jobs":
      return { name: route.page, page: jobsPage };
    case "run-now":
      return { name: route.page, page: (context) => runNowPage(context, route.jobId) };
    case "run":
      return { name: route.page, page: (context) => runPage(context, route.runId) };
    case "history":
      return { name: route.page, page: (context) => historyPage(context, route.jobId) };
    case "connectors":
      return { name: route.page, page: connectorsPage };
    case "cron":
      return { name: route.page, page: cronPage };
    case "cluster":
      return { name: route.page, page: clusterPage };
    case "not-found":
      return { name: route.page, page: (context) => notFoundPage(context, route.hash) };
  }
}

function start(header: HTMLElement, main: HTMLElement): void {
  let leaveCurrent: (() => void) | null = null;

  const show = () => {
    leaveCurrent?.();
    const { name, page } = pageFor(location.hash);
    renderHeader(header, name);
    main.replaceChildren();
    main.dataset.page = name;
    delete main.dataset.ready;
    const context = pageContext(main, () => consoleInfo()?.project ?? null);
    leaveCurrent = context.leave;
    const failed = (error: unknown) => {
      if (context.signal.aborted || isAbort(error)) return;
      const retry = on(h("button", { type: "button", "data-action": "retry" }, "Try again"), "click", show);
      main.replaceChildren(errorBox(error, { "data-error": "", "data-page-error": "" }), retry);
      context.ready();
    };
    try {
      Promise.resolve(page(context)).catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  window.addEventListener("hashchange", show);
  onSessionChange((pageToo) => (pageToo ? show() : renderHeader(header, pageFor(location.hash).name)));
  loadConsoleInfo().catch((error: unknown) => {
    // Without the info the pages can still read; the header says what went wrong.
    show();
    header.after(h("div", { class: "header-problem" }, errorBox(error, { "data-info-error": "" })));
  });
}

const header = document.querySelector<HTMLElement>("body > header");
const main = document.querySelector<HTMLElement>("body > main");
if (header && main) start(header, main);
