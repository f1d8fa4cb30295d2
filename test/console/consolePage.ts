/**
 * Reading the console's page in the browser tests, through the DOM hooks the page promises
 * (`data-page`, `data-ready`, `data-step`…). Code that runs inside the page is written as text:
 * the tests are type-checked without the DOM's types.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";

/** Waits until `main` shows page `name` with its data drawn. */
export async function ready(page: Page, name: string, timeout = 10_000): Promise<void> {
  await page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`, { timeout });
}

/** Waits until the run page says the run is `status` (the page follows the run live). */
export async function runStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.locator("[data-run-status]", { hasText: new RegExp(`^\\s*${status}\\s*$`) }).waitFor({ timeout });
}

/** A GET of the console's API from the page, as the page would (same cookies); throws on a non-2xx answer. */
export async function api<T>(page: Page, path: string): Promise<T> {
  const answer = await page.evaluate(async (relative) => {
    const response = await fetch(relative);
    return { status: response.status, text: await response.text() };
  }, path);
  if (answer.status < 200 || answer.status > 299) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

/** Signs in with the form and waits for the page to say so. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('form[data-form="signin"] input[name="token"]', token);
  await page.click('form[data-form="signin"] [type="submit"]');
  await page.waitForSelector('body[data-signed-in="true"]', { timeout: 5_000 });
}

/** A project's run ids of `job`, oldest first (run ids sort by start time). */
export function runIds(root: string, job: string): string[] {
  const folder = join(root, "runs", job);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ndjson"))
    .map((file) => file.slice(0, -".ndjson".length))
    .sort();
}

/**
 * From now on, records in the page every status each step and the run show, in order: a
 * MutationObserver sees each change the live stream draws (elements changed or replaced alike).
 */
export async function startStatusWatch(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const seen = { steps: {}, run: [], firstSeen: {} };
    const add = (list, value, key) => {
      if (!value || list[list.length - 1] === value) return;
      list.push(value);
      seen.firstSeen[key + ":" + value] ??= Date.now();
    };
    const record = () => {
      for (const step of document.querySelectorAll("[data-step]")) add((seen.steps[step.dataset.step] ??= []), step.dataset.status, step.dataset.step);
      add(seen.run, document.querySelector("[data-run-status]")?.textContent.trim(), "run");
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    window.nomaflowTestStatuses = seen;
  })()`);
}

export interface StatusesSeen {
  steps: Record<string, string[]>;
  run: string[];
  /** `STEP:STATUS` (or `run:STATUS`) → when the page first showed it (ms since the epoch). */
  firstSeen: Record<string, number>;
}

export async function statusesSeen(page: Page): Promise<StatusesSeen> {
  return (await page.evaluate("window.nomaflowTestStatuses")) as StatusesSeen;
}

/** For each step that succeeded in run `runId`: how long after its `step_succeeded` event the page first showed it (ms). */
export function stepEndLags(root: string, runId: string, firstSeen: Record<string, number>): Record<string, number> {
  const jobs = readdirSync(join(root, "runs")).filter((job) => existsSync(join(root, "runs", job, `${runId}.ndjson`)));
  const lags: Record<string, number> = {};
  for (const line of readFileSync(join(root, "runs", jobs[0]!, `${runId}.ndjson`), "utf8").split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line) as { event: string; ts: string; step?: string };
    const seenAt = firstSeen[`${event.step}:succeeded`];
    if (event.event === "step_succeeded" && seenAt !== undefined) lags[event.step!] = seenAt - Date.parse(event.ts);
  }
  return lags;
}
