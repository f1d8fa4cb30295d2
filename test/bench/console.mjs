// The console's catalogue on a large project: 1,000 jobs with 30 runs each (30,000 run logs, written
// line for line as RunLogWriter writes them). Times `GET api/jobs` on a real server on 127.0.0.1: cold (the project
// checked and every log read) and warm (what a page's refresh costs). Goal: warm under 300 ms.
// Run `npm run build` first.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable } from "./benchUtil.mjs";

const { createConsoleApp } = await import("../../dist/console/consoleApp.js");
const { newRunId } = await import("../../dist/identity/runId.js");

const jobs = Number(process.env.BENCH_JOBS ?? 1000);
const runsPerJob = Number(process.env.BENCH_RUNS_PER_JOB ?? 30);
const warmRuns = Number(process.env.BENCH_RUNS ?? 20);
const zones = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"];
const crons = ["0 2 * * *", "*/15 * * * *", "30 1 * * 1-5", "0 0 L * *", "@hourly"];

const root = mkdtempSync(join(tmpdir(), "nomaflow-bench-console-"));
mkdirSync(join(root, "jobs"));
writeFileSync(join(root, "nomaflow.yaml"), 'runs_dir: runs\nconnectors:\n  ops-db: { url: "postgres://localhost/ops" }\n');
const started = Date.now();
const hostname = "bench-host";
for (let index = 0; index < jobs; index++) {
  const id = `job-${String(index).padStart(4, "0")}`;
  writeFileSync(
    join(root, "jobs", `${id}.yaml`),
    `id: ${id}\ndescription: generated job ${index}\ntags: [bench, t${index % 10}]\nschedule: { cron: "${crons[index % crons.length]}", timezone: ${zones[index % zones.length]} }\nparams:\n  threshold: { type: number, default: 50 }\nsteps:\n  - { name: extract, type: shell, command: "true" }\n  - { name: load, type: sql, connector: ops-db, sql: "select 1" }\n  - { name: ping, type: http, url: "http://127.0.0.1:9/ping" }\n`,
  );
  const folder = join(root, "runs", id);
  mkdirSync(folder, { recursive: true });
  for (let run = 0; run < runsPerJob; run++) {
    const at = Date.parse("2026-11-01T00:00:00Z") + run * 86_400_000 + index * 1000;
    const runId = newRunId(new Date(at));
    const failed = run % 7 === 3;
    const events = [
      {
        event: "run_started",
        trigger: "schedule",
        scheduled_for: null,
        params: { threshold: 50 },
        host: hostname,
        pid: 1,
        version: "0.1.0",
        steps: ["extract", "load", "ping"],
        step_types: ["shell", "sql", "http"],
      },
      { event: "step_started", step: "extract", type: "shell", attempt: 1, attempts: 1 },
      { event: "log", step: "extract", level: "info", message: "extracted 1200 rows" },
      { event: "step_succeeded", step: "extract", attempt: 1, duration_ms: 800 + run, output: { exit_code: 0 } },
      { event: "step_started", step: "load", type: "sql", attempt: 1, attempts: 1 },
      { event: "step_progress", step: "load", rows: 1200 },
      failed
        ? { event: "step_failed", step: "load", attempt: 1, duration_ms: 300, error: "relation does not exist" }
        : { event: "step_succeeded", step: "load", attempt: 1, duration_ms: 1200, output: { rows: 1200 } },
      failed
        ? { event: "step_skipped", step: "ping", reason: "step load failed" }
        : { event: "step_succeeded", step: "ping", attempt: 1, duration_ms: 40, output: {} },
      failed
        ? { event: "run_failed", duration_ms: 1100 + run, failed_step: "load", error: "step load failed: relation does not exist" }
        : { event: "run_succeeded", duration_ms: 2040 + run },
    ];
    const lines = events.map(
      (event, position) => `${JSON.stringify({ ts: new Date(at + position * 100).toISOString(), ...event, run_id: runId, job_id: id })}\n`,
    );
    writeFileSync(join(folder, `${runId}.ndjson`), lines.join(""));
  }
}
const written = Date.now() - started;

const app = createConsoleApp({ projectDir: root, cwd: root, processEnv: {}, servedBy: "console", startRun: async () => ({ runId: "" }) });
const server = createServer((request, response) => app.handle(request, response));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}/`;

async function timed(path, headers = {}) {
  const begin = process.hrtime.bigint();
  const response = await fetch(base + path, { headers });
  const body = await response.text();
  const expected = headers["If-None-Match"] ? 304 : 200;
  if (response.status !== expected) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`);
  const wire = Number(response.headers.get("content-length"));
  return { ms: Number(process.hrtime.bigint() - begin) / 1e6, bytes: Buffer.byteLength(body), wire, body };
}

function warm(path, headers = {}) {
  return (async () => {
    const times = [];
    let bytes = 0;
    let wire = 0;
    for (let index = 0; index < warmRuns; index++) {
      const result = await timed(path, headers);
      times.push(result.ms);
      bytes = result.bytes;
      wire = result.wire;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], p90: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))], bytes, wire };
  })();
}

// The longest the event loop was held up while the cold catalogue was made: what a daemon's fires would wait.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const cold = await timed("api/jobs");
loopDelay.disable();
const catalogue = JSON.parse(cold.body);
if (catalogue.jobs.length !== jobs || catalogue.jobs.some((job) => job.recent.length !== Math.min(30, runsPerJob)))
  throw new Error("the catalogue is not whole");
const warmJobs = await warm("api/jobs");
// What the page's poll every two seconds costs while nothing changed: its ETag, answered 304 without a body.
const etag = (await fetch(base + "api/jobs")).headers.get("etag");
const unchanged = await warm("api/jobs", { "If-None-Match": etag });
const history = await warm("api/jobs/job-0500/history");
const runId = catalogue.jobs[500].lastRun.runId;
const run = await warm(`api/runs/${runId}`);
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
printTable(
  `Console, ${jobs} jobs × ${runsPerJob} runs (${jobs * runsPerJob} logs written in ${(written / 1000).toFixed(1)} s), ${warmRuns} warm requests each (Node ${process.version}, ${new Date().toISOString().slice(0, 10)})`,
  ["request", "cold ms", "warm median ms", "warm p90 ms", "body (gzip)", "goal"],
  [
    [
      "GET api/jobs",
      cold.ms.toFixed(0),
      warmJobs.median.toFixed(1),
      warmJobs.p90.toFixed(1),
      `${kb(warmJobs.bytes)} (${kb(warmJobs.wire)})`,
      `< 300 ms warm: ${warmJobs.median < 300 ? "met" : "NOT met"}`,
    ],
    [
      "GET api/jobs, unchanged (If-None-Match: 304)",
      "",
      unchanged.median.toFixed(1),
      unchanged.p90.toFixed(1),
      `${unchanged.bytes} B`,
      "the page's poll every 2 s",
    ],
    ["GET api/jobs/ID/history", "", history.median.toFixed(1), history.p90.toFixed(1), kb(history.bytes), ""],
    ["GET api/runs/RUN_ID", "", run.median.toFixed(1), run.p90.toFixed(1), kb(run.bytes), ""],
  ],
);
console.log(
  `\nLongest event-loop stall while the cold catalogue was made: ${(loopDelay.max / 1e6).toFixed(0)} ms (the project's check; reading the logs yields every ${15} ms)`,
);
await new Promise((resolve) => server.close(resolve));
await app.close();
if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
else console.log(root);
