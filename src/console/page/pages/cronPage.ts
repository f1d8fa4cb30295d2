/**
 * The `cron` command in a page: type an expression and a zone, see the schedule in words, the next
 * fires with their offsets and the DST notes among them, or why the expression or zone is refused.
 * Asked for a moment after the typing stops; an answer overtaken by newer typing is dropped.
 */
import type { CronPreview } from "../../consoleApi.js";
import type { PageContext } from "../pageContext.js";
import { getJson, isAbort } from "../api.js";
import { fill, h, on } from "../dom.js";
import { formatFire, formatRelative } from "../format.js";
import { errorBox, pageHeading } from "../widgets.js";

const DEBOUNCE_MS = 250;

/** What was typed last, kept when the visitor goes to another page and back. */
const typed = { expression: "0 2 * * *", timezone: "", count: "10" };

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function zoneList(): HTMLDataListElement {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    // An older browser: the zone is typed by hand.
  }
  return h(
    "datalist",
    { id: "time-zones" },
    ["UTC", ...zones].map((zone) => h("option", { value: zone })),
  );
}

function previewView(preview: CronPreview, now: number): HTMLElement {
  const year = new Date(now).getFullYear();
  return h(
    "section",
    { class: "panel", "data-cron-preview": "" },
    h("h2", { "data-cron-words": "" }, preview.words),
    h("p", { class: "muted" }, h("code", null, preview.expression), ` in ${preview.timezone}`),
    preview.dstNotes.map((note) => h("div", { class: "dst-note", "data-dst-note": note.at ?? "" }, note.message)),
    h(
      "table",
      { class: "fires-table" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["#", "Fire (in the zone)", "", "Offset", "From now"].map((label) => h("th", null, label)),
        ),
      ),
      h(
        "tbody",
        null,
        preview.fires.map((fire, index) =>
          h(
            "tr",
            { "data-fire": fire.at },
            h("td", { class: "num muted" }, String(index + 1)),
            h("td", { class: "mono" }, fire.at),
            h("td", null, formatFire(fire, year)),
            h("td", { class: "mono" }, fire.offset),
            h("td", { class: "muted" }, formatRelative(Date.parse(fire.at), now)),
          ),
        ),
      ),
    ),
  );
}

export function cronPage(context: PageContext): void {
  context.setTitle("Cron");
  if (typed.timezone === "") typed.timezone = browserZone();
  const expression = h("input", {
    type: "text",
    name: "expression",
    value: typed.expression,
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "0 2 * * *",
    "aria-label": "Cron expression",
  });
  const timezone = h("input", {
    type: "text",
    name: "timezone",
    value: typed.timezone,
    list: "time-zones",
    spellcheck: "false",
    autocomplete: "off",
    "aria-label": "Time zone",
  });
  const count = h(
    "select",
    { name: "count", "aria-label": "How many fires" },
    ["5", "10", "20", "50"].map((value) => h("option", { value, selected: value === typed.count }, `${value} fires`)),
  );
  const form = h(
    "form",
    { class: "cron-form", "data-form": "cron" },
    h("label", null, h("span", null, "Expression"), expression),
    h("label", null, h("span", null, "Time zone"), timezone),
    h("label", null, h("span", null, "Show"), count),
    zoneList(),
  );
  const result = h("div", { class: "cron-result", "aria-live": "polite" });
  let inFlight: AbortController | null = null;
  let timer: number | undefined;

  const preview = async () => {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    Object.assign(typed, { expression: expression.value, timezone: timezone.value, count: count.value });
    if (expression.value.trim() === "") {
      fill(
        result,
        h("p", { class: "muted" }, "Type a cron expression: five fields (minute hour day month weekday), six with seconds first, or a macro such as @daily."),
      );
      context.ready();
      return;
    }
    const query = new URLSearchParams({ expression: expression.value, timezone: timezone.value.trim() || "UTC", count: count.value });
    try {
      const answer = await getJson<CronPreview>(`api/cron?${query.toString()}`, controller.signal);
      fill(result, previewView(answer, Date.now()));
    } catch (error) {
      if (isAbort(error) || controller.signal.aborted) return;
      fill(result, errorBox(error));
    }
    context.ready();
  };

  const soon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void preview(), DEBOUNCE_MS);
  };
  context.onLeave(() => {
    window.clearTimeout(timer);
    inFlight?.abort();
  });
  on(form, "input", soon);
  on(form, "submit", (event) => {
    event.preventDefault();
    void preview();
  });

  fill(
    context.main,
    pageHeading("Cron preview"),
    h(
      "p",
      { class: "lead" },
      "The ",
      h("code", null, "nomaflow cron"),
      " command in a page: the next fires of an expression in a zone, and the daylight-saving changes among them.",
    ),
    h("section", { class: "panel" }, form),
    result,
  );
  void preview();
}
