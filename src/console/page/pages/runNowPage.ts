/**
 * ▶ Run now: a form made from the job's typed params (a select for a choice, a checkbox for a
 * boolean, the default filled in), or, for a job without params, its steps and a ▶ Run button (the
 * recipe's modal). The server checks the values with `run -p`'s rules; a refused value is shown
 * beside its field. On 202 the page opens the run.
 */
import type { FieldProblem, JobDetail, ParamField, RunStarted } from "../../consoleApi.js";
import type { FormValues } from "../runRequest.js";
import type { PageContext } from "../pageContext.js";
import { ApiFailure, getJson, postJson } from "../api.js";
import { fill, h, on } from "../dom.js";
import { apiPath, historyHref, jobsHref, runHref } from "../routes.js";
import { runCommandFor, runRequestFrom } from "../runRequest.js";
import { actionBlocker, recheckSession } from "../session.js";
import { errorBox, pageHeading, readOnlyNotice } from "../widgets.js";

type FieldInput = HTMLInputElement | HTMLSelectElement;

function inputFor(param: ParamField): FieldInput {
  const id = `param-${param.name}`;
  if (param.type === "boolean") {
    return h("input", { type: "checkbox", id, name: param.name, checked: param.default === "true" });
  }
  if (param.choices !== null) {
    const select = h("select", { id, name: param.name });
    if (param.default === null) select.appendChild(h("option", { value: "" }, param.required ? "— choose —" : "— none —"));
    for (const choice of param.choices) select.appendChild(h("option", { value: choice, selected: choice === param.default }, choice));
    return select;
  }
  const numeric = param.type === "integer" || param.type === "number";
  return h("input", {
    type: "text",
    id,
    name: param.name,
    value: param.default ?? "",
    inputmode: param.type === "integer" ? "numeric" : numeric ? "decimal" : undefined,
    placeholder: param.required && param.default === null ? "required" : undefined,
    spellcheck: "false",
    autocomplete: "off",
  });
}

function fieldRow(param: ParamField, input: FieldInput, problem: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: `field${param.type === "boolean" ? " field-boolean" : ""}`, "data-param": param.name },
    h(
      "label",
      { for: input.id },
      h("span", { class: "param-name" }, param.name),
      h("span", { class: "param-type" }, param.choices ? `${param.type}, one of ${param.choices.length}` : param.type),
      param.required ? h("span", { class: "required", title: "required" }, "required") : null,
    ),
    h("div", { class: "field-input" }, input, param.default !== null ? h("span", { class: "muted small" }, `default ${param.default}`) : null),
    param.description ? h("div", { class: "field-help" }, param.description) : null,
    problem,
  );
}

function stepsList(detail: JobDetail): HTMLElement {
  return h(
    "section",
    { class: "panel steps-panel" },
    h("h2", null, `${detail.steps.length} ${detail.steps.length === 1 ? "step" : "steps"}, in order`),
    h(
      "ol",
      { class: "steps-list" },
      detail.steps.map((step) =>
        h(
          "li",
          { "data-job-step": step.name },
          h("span", { class: "step-name" }, step.name),
          h("span", { class: "step-type" }, step.type),
          step.description ? h("div", { class: "muted" }, step.description) : null,
        ),
      ),
    ),
  );
}

export async function runNowPage(context: PageContext, jobId: string): Promise<void> {
  context.setTitle(`Run ${jobId}`);
  const detail = await getJson<JobDetail>(apiPath("jobs", jobId), context.signal);
  const { card, params } = detail;

  const inputs = new Map<string, FieldInput>();
  const problems = new Map<string, HTMLElement>();
  const rows = params.map((param) => {
    const input = inputFor(param);
    const problem = h("div", { class: "field-problem", "data-problem": param.name, hidden: true });
    inputs.set(param.name, input);
    problems.set(param.name, problem);
    return fieldRow(param, input, problem);
  });

  const values = (): FormValues =>
    Object.fromEntries(
      [...inputs].map(([name, input]) => [name, input instanceof HTMLInputElement && input.type === "checkbox" ? input.checked : input.value]),
    );
  const command = h("code", { "data-run-command": "" }, detail.command);
  const general = h("div", { class: "form-error" });
  const blocker = actionBlocker();
  const start = h("button", { type: "submit", class: "primary", "data-action": "start-run", disabled: blocker !== null, title: blocker ?? undefined }, "▶ Run");
  const form = h(
    "form",
    { class: "run-form", "data-form": "run", novalidate: true },
    params.length > 0
      ? h("fieldset", null, h("legend", null, "Parameters"), rows)
      : h(
          "p",
          { class: "no-params" },
          `${card.id} takes no parameters. ▶ Run starts its ${detail.steps.length} ${detail.steps.length === 1 ? "step" : "steps"} now, as the schedule would.`,
        ),
    general,
    h("div", { class: "cli-equivalent" }, h("span", { class: "muted" }, "Same from a shell: "), command),
    h(
      "div",
      { class: "form-actions" },
      start,
      h("a", { href: jobsHref(), class: "button-like quiet" }, "Cancel"),
      blocker ? h("span", { class: "blocked-reason", "data-blocked-reason": "" }, blocker) : null,
    ),
  );

  const showProblems = (found: FieldProblem[]) => {
    for (const [name, element] of problems) {
      const mine = found.filter((problem) => problem.field === name);
      element.hidden = mine.length === 0;
      fill(element, mine.map((problem) => problem.message).join("; "));
      inputs.get(name)?.setAttribute("aria-invalid", String(mine.length > 0));
    }
    return found.filter((problem) => !problems.has(problem.field));
  };

  on(form, "input", () => {
    fill(command, runCommandFor(card.id, params, runRequestFrom(params, values())));
  });

  on(form, "submit", (event) => {
    event.preventDefault();
    if (start.disabled) return;
    start.disabled = true;
    start.textContent = "Starting…";
    general.replaceChildren();
    showProblems([]);
    postJson<RunStarted>(apiPath("jobs", card.id, "runs"), runRequestFrom(params, values()), context.signal).then(
      (started) => {
        location.hash = runHref(started.runId);
      },
      (error: unknown) => {
        if (context.signal.aborted) return;
        recheckSession(error);
        start.disabled = false;
        start.textContent = "▶ Run";
        const others = error instanceof ApiFailure ? showProblems(error.problems) : [];
        const fieldsOnly = error instanceof ApiFailure && error.problems.length > 0 && others.length === 0;
        if (!fieldsOnly) general.appendChild(errorBox(error));
        for (const problem of others) general.appendChild(h("div", { class: "error-box", "data-error": "" }, `${problem.field}: ${problem.message}`));
      },
    );
  });

  fill(
    context.main,
    pageHeading(
      ["▶ Run ", h("span", { class: "mono" }, card.id)],
      [{ label: "Jobs", href: jobsHref() }],
      [h("a", { href: historyHref(card.id), "data-history": "" }, "History")],
    ),
    card.description ? h("p", { class: "lead" }, card.description) : null,
    readOnlyNotice(),
    h("div", { class: "run-now-layout" }, h("section", { class: "panel" }, form), stepsList(detail)),
  );
  context.ready();
}
