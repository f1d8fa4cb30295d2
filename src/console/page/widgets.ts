/**
 * The small pieces every page uses: a status badge, an error with its hint, the read-only notice,
 * an instant on the viewer's clock, a page heading.
 */
import type { RunStatus, StepStatus } from "../consoleApi.js";
import { ApiFailure } from "./apiFailure.js";
import type { Child } from "./dom.js";
import { h } from "./dom.js";
import { formatLocal, formatRelative, formatUtcOffset } from "./format.js";
import { actionBlocker } from "./session.js";

/** `RUNNING`, `SUCCEEDED`…, coloured by the status's class; a link when `href` is given. */
export function statusBadge(status: RunStatus | StepStatus, href?: string): HTMLElement {
  const text = status.toUpperCase();
  const attributes = { class: `badge status-${status}`, "data-status": status };
  return href ? h("a", { ...attributes, href }, text) : h("span", attributes, text);
}

/** An error as the page shows it: what happened, then the hint on its own line. */
export function errorBox(error: unknown, attributes: Record<string, string> = { "data-error": "" }): HTMLElement {
  const failure = error instanceof ApiFailure ? error : null;
  const message = failure ? failure.message : error instanceof Error ? error.message : String(error);
  return h(
    "div",
    { class: "error-box", role: "alert", ...attributes },
    h("div", { class: "error-message" }, message),
    failure?.hint ? h("div", { class: "hint" }, failure.hint) : null,
  );
}

/** The notice on pages with actions while the visitor may not act. */
export function readOnlyNotice(): HTMLElement | null {
  const reason = actionBlocker();
  return reason === null ? null : h("p", { class: "notice" }, h("strong", null, "Read-only: "), reason, ".");
}

/** A button that acts, disabled with the reason as its title while the visitor may not act. */
export function actionButton(label: string, action: string, extra: Record<string, string> = {}): HTMLButtonElement {
  const reason = actionBlocker();
  return h("button", { type: "button", "data-action": action, disabled: reason !== null, title: reason ?? undefined, ...extra }, label);
}

/** An instant on the viewer's clock (`2026-12-06 02:00:13`), the exact UTC time in its tooltip. */
export function localTime(iso: string | null, withSeconds = true): HTMLElement {
  if (iso === null) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", null, iso);
  return h("time", { datetime: iso, title: `${iso} (UTC) · ${formatRelative(date.getTime(), Date.now())}` }, formatLocal(date, withSeconds));
}

/** The viewer's zone as an offset, for column headings: `times in UTC+01:00`. */
export function viewerZoneNote(): string {
  return `times on this browser's clock (UTC${formatUtcOffset(new Date().getTimezoneOffset())})`;
}

/** A page's heading with a trail back up (`Jobs / reporting-nightly-sync / …`). */
export function pageHeading(title: Child | Child[], trail: { label: string; href: string }[] = [], aside: Child[] = []): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    trail.length > 0
      ? h(
          "nav",
          { class: "trail", "aria-label": "Breadcrumb" },
          ...trail.flatMap((step) => [h("a", { href: step.href }, step.label), h("span", { class: "sep" }, "/")]),
        )
      : null,
    h("div", { class: "title-row" }, h("h1", null, title), aside.length > 0 ? h("div", { class: "head-actions" }, ...aside) : null),
  );
}

/** A list of label/value pairs (`<dl>`), skipping pairs without a value. */
export function facts(pairs: [string, Child | Child[]][], attributes: Record<string, string> = {}): HTMLElement {
  return h(
    "dl",
    { class: "facts", ...attributes },
    ...pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== false)
      .flatMap(([label, value]) => [h("dt", null, label), h("dd", null, value)]),
  );
}
