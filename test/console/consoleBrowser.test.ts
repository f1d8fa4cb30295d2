/**
 * The web console end to end: the real `nomaflow console` and `nomaflow daemon --http` processes,
 * a real headless Chromium (test/support/browser.ts), a real PostgreSQL pair and HTTP receiver.
 * The tests follow one visit in order (read-only, refused, signed in, run, watch, fail, look
 * back), so each starts where the previous one left the console. A screenshot of each page is
 * saved (NOMAFLOW_SCREENSHOTS=1: into test/console/screenshots/ for the README).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CronPreview, JobHistory, RunDetail } from "../../src/console/consoleApi.js";
import { useBrowser } from "../support/browser.js";
import { runStartedAt } from "../../src/identity/runId.js";
import { eventually } from "../support/processState.js";
import { runCli } from "../support/tempProject.js";
import { startConsole, type ConsoleProcess } from "../support/consoleProcess.js";
import { describeWithPostgres, trackFailures } from "../support/postgres.js";
import { makeConsoleProject, type ConsoleProject } from "./consoleProject.js";
import { startDaemonConsole } from "./daemonConsole.js";
import { startPrefixProxy } from "./prefixProxy.js";
import { api, ready, runIds, runStatus, signIn, startStatusWatch, statusesSeen, stepEndLags } from "./consolePage.js";

describeWithPostgres("the web console in a real browser", () => {
  const browser = useBrowser();
  const failed = trackFailures();

  describe("nomaflow console", () => {
    let project: ConsoleProject;
    let served: ConsoleProcess;
    let page: Page;
    /** Every page's HTML as the browser had it, and every API answer read: none may hold a secret. */
    const seen: { what: string; text: string }[] = [];
    const runsAtStart = { orders: 0 };

    /** Keeps the page's HTML for the secrets check, and saves its screenshot. */
    async function capture(name: string, options: { fullPage?: boolean } = {}): Promise<void> {
      seen.push({ what: `the ${name} page (${page.url()})`, text: await page.content() });
      await browser().screenshot(page, name, options);
    }

    beforeAll(async () => {
      project = await makeConsoleProject();
      runsAtStart.orders = runIds(project.root, "orders-sync").length;
      served = await startConsole(project.root, { NOMAFLOW_CONSOLE_TOKEN: project.token });
      page = await browser().open(served.url);
    }, 120_000);

    afterAll(async () => {
      // Closed first: the catalogue asks every 2 s, and would find the server gone.
      await page?.close();
      const stopped = served ? await served.stop() : undefined;
      await project?.remove(failed());
      if (stopped) expect(stopped.code, served.output()).toBe(0);
    });

    it("shows the catalogue before signing in: schedules in words and cron, the next three fires, a DST note, invalid jobs at their line", async () => {
      await ready(page, "jobs");
      expect(await page.getAttribute("body", "data-signed-in")).toBe("false");

      const sync = page.locator('[data-job="orders-sync"]');
      const card = await sync.textContent();
      expect(card).toContain("Copy the orders to the reporting database");
      expect(card).toContain("0 2 * * *");
      expect(card).toContain("Europe/Paris");
      const catalogue = await api<{ jobs: { id: string; schedule: { words: string } | null }[] }>(page, "api/jobs");
      const words = catalogue.jobs.find((job) => job.id === "orders-sync")!.schedule!.words;
      expect(words).toMatch(/02:00/);
      expect(card).toContain(words);
      const fires = await sync.locator("[data-next-fire]").allTextContents();
      expect(fires).toHaveLength(3);
      for (const fire of fires) expect(fire).toMatch(/02:00|03:00/);
      expect(fires.join(" ")).toMatch(/\+0[12]:00/);

      // The last Sundays of March and October at 02:00 in Paris: each fire falls on a clock change.
      const notes = await page.locator('[data-job="clock-change-check"] [data-dst-note]').allTextContents();
      expect(notes.join("\n")).toMatch(/02:00 does not exist/);
      expect(notes.join("\n")).toMatch(/Clocks go back/);
      // Disabled: no next fires, and the reason, as `nomaflow next` says it.
      expect(await page.locator('[data-job="weekly-archive"] [data-next-fire]').count()).toBe(0);
      expect(await page.locator('[data-job="weekly-archive"] [data-no-fire]').textContent()).toBe("disabled: the daemon does not fire it");

      const lastRun = sync.locator("a[data-last-run]");
      expect((await lastRun.getAttribute("data-status"))?.toLowerCase()).toBe("succeeded");
      expect(await lastRun.getAttribute("href")).toBe(`#/runs/${runIds(project.root, "orders-sync").at(-1)}`);
      expect(await sync.locator("svg[data-sparkline]").count()).toBe(1);

      const diagnostic = await page.locator('[data-invalid-job="broken-load"] [data-diagnostic]').first().textContent();
      expect(diagnostic).toContain("jobs/broken-load.yaml:6");
      expect(diagnostic).toContain("nowhere-db");

      const runNow = sync.locator('button[data-action="run-now"]');
      expect(await runNow.isDisabled()).toBe(true);
      expect(await runNow.getAttribute("title")).toMatch(/sign in/i);
      expect(await page.locator('form[data-form="signin"]').count()).toBe(1);
      await capture("sign-in", { fullPage: true });
    });

    it("refuses an action without the token: a POST from the page is 403, a wrong token 401, and nothing runs", async () => {
      browser().expectProblem(/status of 40[13]/);
      const refused = await page.evaluate(async () => {
        const answer = await fetch("api/jobs/orders-sync/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"params":{}}' });
        return { status: answer.status, body: (await answer.json()) as { error: string } };
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatch(/sign in/i);

      await page.fill('form[data-form="signin"] input[name="token"]', "not-the-console-token-at-all");
      const wrong = page.waitForResponse((response) => response.url().endsWith("api/session"));
      await page.click('form[data-form="signin"] [type="submit"]');
      expect((await wrong).status()).toBe(401);
      expect(await page.getAttribute("body", "data-signed-in")).toBe("false");
      expect(runIds(project.root, "orders-sync")).toHaveLength(runsAtStart.orders);
    });

    it("signs in with the token: Run now is enabled", async () => {
      await signIn(page, project.token);
      expect(await page.locator('[data-job="orders-sync"] button[data-action="run-now"]').isDisabled()).toBe(false);
    });

    it("runs a job with parameters from the form; a refused value is shown at its field; the run's steps go green live", async () => {
      browser().expectProblem(/status of 400/);
      await page.click('[data-job="orders-sync"] button[data-action="run-now"]');
      await ready(page, "run-now");
      expect(page.url()).toMatch(/#\/jobs\/orders-sync\/run$/);
      const form = page.locator('form[data-form="run"]');
      expect(await form.locator('select[name="region"] option').allTextContents()).toEqual(expect.arrayContaining(["eu", "us", "apac"]));
      expect(await form.locator('input[name="limit"]').inputValue()).toBe("2000");
      expect(await form.locator('input[name="dry_run"]').getAttribute("type")).toBe("checkbox");

      await form.locator('select[name="region"]').selectOption("us");
      await form.locator('input[name="dry_run"]').check();
      await form.locator('input[name="pause"]').fill("2");
      // The server's check, as `run -p` makes it (the browser's own check is turned off to reach it).
      await form.evaluate("form => { form.noValidate = true }");
      await form.locator('input[name="limit"]').fill("12.5");
      await page.click('button[data-action="start-run"]');
      await page.locator('[data-problem="limit"]', { hasText: "whole number" }).waitFor({ timeout: 5_000 });
      expect(runIds(project.root, "orders-sync")).toHaveLength(runsAtStart.orders);
      await capture("run-now");

      await form.locator('input[name="limit"]').fill("1200");

      await page.evaluate("window.nomaflowTestMark = 'not reloaded'");
      await page.click('button[data-action="start-run"]');
      await page.waitForURL(/#\/runs\/[\w-]+$/);
      const runId = page.url().split("#/runs/")[1]!;
      await ready(page, "run");
      await startStatusWatch(page);
      await runStatus(page, "succeeded");

      // One page all along: the statuses changed under it, not by reloading.
      expect(await page.evaluate("window.nomaflowTestMark")).toBe("not reloaded");
      const statuses = await statusesSeen(page);
      expect(statuses.steps.settle).toEqual(expect.arrayContaining(["running", "succeeded"]));
      expect(statuses.steps.settle!.indexOf("running")).toBeLessThan(statuses.steps.settle!.indexOf("succeeded"));
      for (const step of ["copy-orders", "notify"]) {
        expect(statuses.steps[step]![0], step).toMatch(/pending|running/);
        expect(statuses.steps[step]!.at(-1), step).toBe("succeeded");
      }
      expect(statuses.run).toEqual(["running", "succeeded"]);
      // Within half a second of the run log's event, and a little more on a loaded 2-core machine.
      const lags = stepEndLags(project.root, runId, statuses.firstSeen);
      expect(Object.keys(lags)).toEqual(["settle", "copy-orders", "notify"]);
      for (const [step, lag] of Object.entries(lags)) expect(lag, `${step} shown ${lag} ms after its step_succeeded`).toBeLessThan(1_000);
      console.log(
        `steps shown succeeded after their run log event by: ${Object.entries(lags)
          .map(([step, lag]) => `${step} ${lag} ms`)
          .join(", ")}`,
      );

      expect((await page.locator('[data-step="copy-orders"] [data-step-rows]').textContent())?.replace(/\D/g, "")).toContain("1200");
      expect(await page.locator("[data-cli-command]").textContent()).toContain(`nomaflow show ${runId}`);
      const detail = await api<RunDetail>(page, `api/runs/${runId}`);
      expect(detail).toMatchObject({
        jobId: "orders-sync",
        status: "succeeded",
        trigger: "manual",
        params: { region: "us", limit: 1200, dry_run: true, pause: 2 },
      });
      expect(await page.locator("main").textContent()).toContain("manual");
      // Its logical date: the latest 02:00 in Paris at or before its start, and the day before it.
      expect(detail.scheduledFor).toMatch(/T02:00:00\+0[12]:00$/);
      expect(await page.getAttribute("[data-scheduled-for]", "data-scheduled-for")).toBe(detail.scheduledFor);
      expect(await page.locator("[data-scheduled-for]").textContent()).toMatch(/ 02:00 \+0[12]:00$/);
      expect(await page.locator("[data-interval]").textContent()).toMatch(/02:00 \+0[12]:00 → .* 02:00 \+0[12]:00 \(1 d 00 h\)$/);

      // The run really happened: the rows are in the target, the hook got the secret and the params.
      expect((await project.target.query("select count(*)::int as n from orders")).rows[0].n).toBe(1200);
      const hook = project.receiver.requests.at(-1)!;
      expect(hook.headers["x-api-key"]).toBe(project.secret);
      expect(JSON.parse(hook.body)).toEqual({ region: "us", rows: 1200, dry_run: true });
      // Open the copy's log and output for the picture.
      for (const summary of await page.locator('[data-step="copy-orders"] summary').all()) await summary.click();
      await capture("run-succeeded", { fullPage: true });
    });

    it("shows a run started elsewhere (nomaflow run in a shell) as RUNNING in the catalogue within ~3 s, then its end, without reloading", async () => {
      await page.click('a[data-nav="jobs"]');
      await ready(page, "jobs");
      await page.evaluate("window.nomaflowTestMark = 'not reloaded either'");
      const before = runIds(project.root, "orders-sync");
      const cli = runCli(["run", "orders-sync", "-p", "region=eu", "-p", "limit=2500", "-p", "pause=5"], { cwd: project.root, killAfterMs: 60_000 });
      let runId: string | undefined;
      expect(await eventually(() => (runId = runIds(project.root, "orders-sync").find((id) => !before.includes(id))) !== undefined, 10_000)).toBe(true);
      const badge = `[data-job="orders-sync"] a[data-last-run][href="#/runs/${runId}"]`;
      await page.waitForSelector(`${badge}[data-status="running" i]`, { timeout: 10_000 });
      const seenAfterMs = Date.now() - runStartedAt(runId!)!;
      console.log(`a run started by the CLI showed as RUNNING on the open catalogue ${seenAfterMs} ms after its run_started`);
      // The page asks every 2 s; an unchanged catalogue is a 304. Some slack for a loaded 2-core machine.
      expect(seenAfterMs).toBeLessThan(4_000);
      const ended = await cli;
      expect(ended.code, ended.stderr).toBe(0);
      await page.waitForSelector(`${badge}[data-status="succeeded" i]`, { timeout: 20_000 });
      expect(await page.evaluate("window.nomaflowTestMark")).toBe("not reloaded either");
    });

    it("opens a failed run and reads its error and hint", async () => {
      await page.click('[data-job="customer-totals"] button[data-action="run-now"]');
      await ready(page, "run-now");
      await page.click('button[data-action="start-run"]');
      await page.waitForURL(/#\/runs\/[\w-]+$/);
      await ready(page, "run");
      await runStatus(page, "failed");
      expect(await page.locator('[data-step="totals"]').getAttribute("data-status")).toBe("failed");
      expect(await page.locator("[data-run-error]").textContent()).toContain("upsert into public.customer_totals needs a key");
      expect(await page.locator('[data-step="totals"] [data-step-error]').textContent()).toContain("needs a key");
      const hints = (await page.locator("[data-run-hint], [data-step-hint]").allTextContents()).join(" ");
      expect(hints).toContain("add key: [column, …] to the step, or a primary key to the table");
      await capture("run-failed", { fullPage: true });
    });

    it("shows a job's history: every run, the charts, the failure rate and the slowest step", async () => {
      await page.click('a[data-nav="jobs"]');
      await ready(page, "jobs");
      await capture("jobs", { fullPage: true });
      await page.click('[data-job="orders-sync"] a[data-history]');
      await ready(page, "history");
      const ids = runIds(project.root, "orders-sync");
      expect(ids).toHaveLength(runsAtStart.orders + 2);
      const rows = await Promise.all((await page.locator("[data-history-run]").all()).map((row) => row.getAttribute("data-history-run")));
      expect(rows).toEqual([...ids].reverse());
      expect(await page.locator('svg[data-chart="duration"]').count()).toBe(1);
      expect(await page.locator('svg[data-chart="rows"]').count()).toBe(1);
      // The runs of this visit fall within a minute or two: the time labels give the seconds, no two alike, the last inside the chart.
      const labels = await page.locator('svg[data-chart="duration"] [data-time-label]').allTextContents();
      expect(labels.length).toBeGreaterThan(1);
      expect(new Set(labels).size).toBe(labels.length);
      const inside = await page.evaluate(`(() => {
        const chart = document.querySelector('svg[data-chart="duration"]');
        const box = [...chart.querySelectorAll("[data-time-label]")].at(-1).getBBox();
        return box.x + box.width <= chart.viewBox.baseVal.width;
      })()`);
      expect(inside).toBe(true);
      const history = await api<JobHistory>(page, "api/jobs/orders-sync/history");
      expect(history.failureRate).toBeCloseTo(1 / ids.length);
      expect(await page.locator("[data-failure-rate]").textContent()).toContain("20");
      expect(history.slowestStep?.name).toBe("settle");
      expect(await page.locator("[data-slowest-step]").textContent()).toContain("settle");
      await capture("history", { fullPage: true });
    });

    it("tests the connectors: the working one answers with its latency, the closed port with the reason; the password is masked", async () => {
      await page.click('a[data-nav="connectors"]');
      await ready(page, "connectors");
      expect(await page.locator("[data-connector]").count()).toBe(3);
      expect(await page.locator('[data-connector="target-db"] [data-target]').textContent()).toContain(":***@");

      await page.click('[data-connector="source-db"] button[data-action="test-connection"]');
      const works = page.locator('[data-connector="source-db"] [data-test-result]');
      await page.waitForSelector('[data-connector="source-db"] [data-test-result][data-ok]', { timeout: 10_000 });
      expect(await works.getAttribute("data-ok")).toBe("true");
      expect(await works.textContent()).toMatch(/PostgreSQL \d+/);
      expect(await works.textContent()).toMatch(/\d\s*ms/);

      await page.click('[data-connector="archive-db"] button[data-action="test-connection"]');
      const fails = page.locator('[data-connector="archive-db"] [data-test-result]');
      await page.waitForSelector('[data-connector="archive-db"] [data-test-result][data-ok]', { timeout: 10_000 });
      expect(await fails.getAttribute("data-ok")).toBe("false");
      expect(await fails.textContent()).toContain("connection refused by 127.0.0.1:");
      await capture("connectors", { fullPage: true });
    });

    it("previews a cron expression as it is typed: the fires, the DST note, the error of a bad one", async () => {
      browser().expectProblem(/status of 400/);
      await page.click('a[data-nav="cron"]');
      await ready(page, "cron");
      const form = page.locator('form[data-form="cron"]');
      await form.locator('input[name="timezone"]').fill("Europe/Paris");
      await form.locator('input[name="expression"]').fill("0 61 * * *");
      await page.locator("[data-error]", { hasText: "out of range" }).waitFor({ timeout: 5_000 });

      await form.locator('input[name="expression"]').fill("0 2 * 3,10 0L");
      const preview = await api<CronPreview>(page, `api/cron?expression=${encodeURIComponent("0 2 * 3,10 0L")}&timezone=Europe/Paris`);
      const first = preview.fires[0]!.at.slice(0, 10);
      await page.locator("[data-fire]", { hasText: first }).first().waitFor({ timeout: 5_000 });
      expect(await page.locator("[data-fire]").count()).toBe(preview.fires.length);
      expect((await page.locator("[data-dst-note]").allTextContents()).join("\n")).toMatch(/02:00 does not exist/);
      await capture("cron", { fullPage: true });
    });

    it("shows the cluster page: without a state store, this host only", async () => {
      await page.click('a[data-nav="cluster"]');
      await ready(page, "cluster");
      expect(await page.locator("main").textContent()).toMatch(/state store/i);
      // The README shows the cluster page of daemons sharing a store (below); this one is kept for the secrets check.
      seen.push({ what: "the cluster page", text: await page.content() });
    });

    it("works behind a reverse proxy under a prefix: relative addresses, the session cookie, an action, a run's stream", async () => {
      const proxy = await startPrefixProxy(served.url);
      try {
        const behind = await browser().open(proxy.url);
        await ready(behind, "jobs");
        await signIn(behind, project.token);
        await behind.click('a[data-nav="connectors"]');
        await ready(behind, "connectors");
        await behind.click('[data-connector="source-db"] button[data-action="test-connection"]');
        await behind.locator('[data-connector="source-db"] [data-test-result][data-ok="true"]').waitFor({ timeout: 10_000 });
        const runId = runIds(project.root, "customer-totals").at(-1)!;
        await behind.goto(`${proxy.url}#/runs/${runId}`);
        await ready(behind, "run");
        expect(await behind.locator("[data-run-status]").textContent()).toContain("failed");
        expect(proxy.forwarded).toEqual(expect.arrayContaining(["/", "/assets/console.js", "/assets/console.css", "/api/jobs", "/api/session"]));
        expect(proxy.forwarded.some((path) => path.startsWith(`/api/runs/${runId}`))).toBe(true);
        seen.push({ what: "the run page behind the proxy", text: await behind.content() });
        await behind.close();
      } finally {
        await proxy.close();
      }
    });

    it("never shows a secret: not in any page's HTML, not in any API answer", async () => {
      const paths = ["api/info", "api/jobs", "api/connectors", "api/cluster"];
      for (const job of ["orders-sync", "customer-totals", "weekly-archive"]) paths.push(`api/jobs/${job}`, `api/jobs/${job}/history`);
      for (const job of ["orders-sync", "customer-totals"]) for (const id of runIds(project.root, job)) paths.push(`api/runs/${id}`);
      for (const path of paths) seen.push({ what: path, text: JSON.stringify(await api<unknown>(page, path)) });
      expect(seen.length).toBeGreaterThan(20);
      for (const { what, text } of seen) {
        expect(text.includes(project.secret), `${what} holds the secret`).toBe(false);
        expect(text.includes(project.token), `${what} holds the console token`).toBe(false);
      }
      // The secret is in the run logs' sources all the same: the check above looked where it could be.
      expect(readFileSync(join(project.root, ".env"), "utf8")).toContain(project.secret);
    });

    it("signs out: actions are off again", async () => {
      await page.click('button[data-action="signout"]');
      await page.waitForSelector('body[data-signed-in="false"]');
      await page.click('a[data-nav="jobs"]');
      await ready(page, "jobs");
      expect(await page.locator('[data-job="orders-sync"] button[data-action="run-now"]').isDisabled()).toBe(true);
    });
  });

  describe("nomaflow daemon --http", () => {
    it("serves the console at / beside /healthz: runs a job through the daemon and shows the cluster's daemons", async () => {
      const daemon = await startDaemonConsole();
      try {
        const page = await browser().open(daemon.url);
        await ready(page, "jobs");
        const info = await api<{ servedBy: string; store: string }>(page, "api/info");
        expect(info).toMatchObject({ servedBy: "daemon", store: expect.any(String) });
        // The store's name is shown whole in the header, not cut.
        const store = page.locator("header [data-store]");
        expect(await store.textContent()).toBe(`store ${info.store}`);
        expect(
          await page.evaluate(`(() => { const store = document.querySelector("header [data-store]"); return store.scrollWidth <= store.clientWidth; })()`),
        ).toBe(true);
        expect((await fetch(new URL("healthz", daemon.url))).status).toBe(200);

        await signIn(page, daemon.token);
        await page.click('[data-job="tick"] button[data-action="run-now"]');
        await ready(page, "run-now");
        await page.click('button[data-action="start-run"]');
        await page.waitForURL(/#\/runs\/[\w-]+$/);
        await ready(page, "run");
        await runStatus(page, "succeeded");
        expect(daemon.runsFinished()).toContainEqual(expect.objectContaining({ job: "tick", status: "succeeded" }));

        await page.click('a[data-nav="cluster"]');
        await ready(page, "cluster");
        // Both daemons sharing the store, this one among them.
        const rows = (await page.locator("[data-daemon]").allTextContents()).join("\n");
        for (const pid of daemon.pids) expect(rows).toContain(String(pid));
        await browser().screenshot(page, "cluster");
        await page.close();
      } finally {
        await daemon.stop(failed());
      }
    });
  });
});
