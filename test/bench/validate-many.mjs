// `nomaflow validate` on 1,000 generated jobs (several zones, schedules and step types), beside
// the floor of reading and YAML-parsing the same files in one node process. Goal: under 1 s.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, timeCommand } from "./benchUtil.mjs";

const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const count = Number(process.env.BENCH_JOBS ?? 1000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const zones = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata", "UTC"];
const crons = ["0 2 * * *", "*/15 * * * *", "30 1 * * 1-5", "0 0 L * *", "0 9 1-7 * 1", "@hourly", "*/10 * * * * *"];

const root = mkdtempSync(join(tmpdir(), "nomaflow-bench-"));
mkdirSync(join(root, "jobs"));
mkdirSync(join(root, "plugins", "reporting"), { recursive: true });
writeFileSync(join(root, "plugins", "reporting", "sanity.py"), "def check(ctx):\n    return {}\n");
writeFileSync(
  join(root, "nomaflow.yaml"),
  'connectors:\n  ops-db: { url: "postgres://localhost/ops" }\n  reporting-db: { url: "postgres://localhost/reporting" }\nnotifications:\n  channels:\n    oncall: { type: slack, url: "https://hooks.example/x" }\n  default: [oncall]\n',
);
for (let index = 0; index < count; index++) {
  const id = `job-${String(index).padStart(4, "0")}`;
  writeFileSync(
    join(root, "jobs", `${id}.yaml`),
    `id: ${id}
description: generated job ${index}
tags: [bench, t${index % 10}]
schedule: { cron: "${crons[index % crons.length]}", timezone: ${zones[index % zones.length]} }
params:
  threshold: { type: number, default: 50 }
retry: { attempts: 2, backoff: exponential, base_seconds: 5 }
steps:
  - name: check
    type: python
    callable: reporting.sanity:check
    op_kwargs: { threshold: "\${params.threshold}" }
  - name: copy
    type: sql_copy
    source: { connector: ops-db, schema: public, table: t${index} }
    target: { connector: reporting-db, schema: reporting, table: t${index} }
    mode: ${["overwrite", "append", "upsert"][index % 3]}
    timeout: 30m
  - name: load
    type: sql
    connector: reporting-db
    sql: "analyze reporting.t${index}"
  - name: ping
    type: http
    url: "https://example.invalid/done?job=\${job.id}&rows=\${steps.copy.output.rows}"
    method: POST
    body: { job: "${id}" }
  - name: tidy
    type: shell
    command: ["echo", "done"]
    run_if: always
`,
  );
}

const floorScript = `
const { readdirSync, readFileSync } = require("node:fs");
const { parseDocument } = require("yaml");
for (const name of readdirSync(${JSON.stringify(join(root, "jobs"))})) parseDocument(readFileSync(${JSON.stringify(join(root, "jobs"))} + "/" + name, "utf8")).toJS();
`;
try {
  const ours = timeCommand(process.execPath, [bin, "validate", "--json"], { runs, cwd: root });
  const floor = timeCommand(process.execPath, ["-e", floorScript], { runs, cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  const output = JSON.parse(
    (await import("node:child_process"))
      .execFileSync(process.execPath, [bin, "validate", "--json"], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 })
      .toString(),
  );
  const valid = output.jobs.filter((job) => job.valid).length;
  printTable(
    `validate on ${count} generated jobs, ${runs} runs each (${readdirSync(join(root, "jobs")).length} files, ${valid} valid, ${output.diagnostics.length} diagnostics)`,
    ["command", "median ms", "p90 ms", "goal"],
    [
      ["node: read + YAML-parse the files (floor)", floor.median.toFixed(1), floor.p90.toFixed(1), ""],
      ["nomaflow validate --json", ours.median.toFixed(1), ours.p90.toFixed(1), `< 1000 ms: ${ours.median < 1000 ? "met" : "NOT met"}`],
    ],
  );
  if (valid !== count) console.error(`warning: only ${valid} of ${count} generated jobs are valid`);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
void readFileSync;
