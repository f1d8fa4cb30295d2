/**
 * The header on every page: the project and who serves it (host, version, daemon or console, the
 * state store), the navigation, and the session: the sign-in form, "signed in" with Sign out, or
 * why actions are off.
 */
import type { ConsoleInfo } from "../consoleApi.js";
import type { PageName } from "./routes.js";
import { fill, h, on } from "./dom.js";
import { consoleInfo, signIn, signOut } from "./session.js";
import { errorBox } from "./widgets.js";

const NAV: { page: PageName; label: string; nav: string; href: string }[] = [
  { page: "jobs", label: "Jobs", nav: "jobs", href: "#/jobs" },
  { page: "connectors", label: "Connectors", nav: "connectors", href: "#/connectors" },
  { page: "cron", label: "Cron", nav: "cron", href: "#/cron" },
  { page: "cluster", label: "Cluster", nav: "cluster", href: "#/cluster" },
];

/** Which tab a page belongs to: a run, its form and its history are the jobs'. */
function tabOf(page: PageName): string {
  return page === "run-now" || page === "run" || page === "history" ? "jobs" : page;
}

function servedBy(info: ConsoleInfo): HTMLElement {
  return h(
    "div",
    { class: "served" },
    h("span", { title: "this host" }, info.host),
    h("span", { title: "Nomaflow's version" }, `v${info.version}`),
    h("span", { "data-served-by": info.servedBy }, info.servedBy === "daemon" ? "served by the daemon" : "served by nomaflow console"),
    h(
      "span",
      { title: info.store === null ? "runs and daemons of this host only" : `the state store: ${info.store}`, "data-store": info.store ?? "" },
      info.store === null ? "no state store" : `store ${info.store}`,
    ),
  );
}

function signInForm(): HTMLElement {
  // A username field, hidden, so that password managers and the browser know what the token is for.
  const user = h("input", {
    type: "text",
    name: "username",
    autocomplete: "username",
    value: "nomaflow-console",
    hidden: true,
    "aria-hidden": "true",
    tabindex: -1,
  });
  const token = h("input", {
    type: "password",
    name: "token",
    placeholder: "console token",
    autocomplete: "current-password",
    "aria-label": "Console token",
    required: true,
  });
  const button = h("button", { type: "submit" }, "Sign in");
  const problem = h("div", { class: "signin-problem" });
  const form = h("form", { class: "signin", "data-form": "signin" }, user, token, button, problem);
  on(form, "submit", (event) => {
    event.preventDefault();
    button.disabled = true;
    problem.replaceChildren();
    signIn(token.value).then(
      () => undefined,
      (error: unknown) => {
        button.disabled = false;
        token.select();
        problem.replaceChildren(errorBox(error, { "data-signin-error": "" }));
      },
    );
  });
  return form;
}

function session(info: ConsoleInfo): HTMLElement {
  if (!info.actions.available) {
    return h(
      "div",
      { class: "session" },
      h("span", { class: "actions-off", "data-actions-reason": "" }, info.actions.reason ?? "actions are off on this console"),
    );
  }
  if (!info.signedIn) return h("div", { class: "session" }, signInForm());
  const problem = h("div", { class: "signin-problem" });
  const button = h("button", { type: "button", "data-action": "signout", class: "quiet" }, "Sign out");
  on(button, "click", () => {
    button.disabled = true;
    signOut().catch((error: unknown) => {
      button.disabled = false;
      problem.replaceChildren(errorBox(error));
    });
  });
  return h("div", { class: "session" }, h("span", { class: "signed-in" }, "● signed in"), button, problem);
}

export function renderHeader(header: HTMLElement, page: PageName): void {
  const info = consoleInfo();
  const tab = tabOf(page);
  fill(
    header,
    h(
      "div",
      { class: "brand" },
      h("a", { href: "#/jobs", class: "logo" }, h("img", { src: "assets/favicon.svg", alt: "", width: 20, height: 20 }), "Nomaflow"),
      info ? h("span", { class: "project", title: "the project" }, info.project) : null,
    ),
    h(
      "nav",
      { class: "tabs", "aria-label": "Pages" },
      NAV.map((item) => h("a", { href: item.href, "data-nav": item.nav, "aria-current": item.nav === tab ? "page" : undefined }, item.label)),
    ),
    info ? servedBy(info) : h("div", { class: "served" }),
    info ? session(info) : null,
  );
}
