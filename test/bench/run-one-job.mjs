// `nomaflow run` of a one-step job (`true` in the shell) in a project of 7 jobs and in one of 456,
// beside `node -e 0`. Running one job reads nomaflow.yaml and that job's file, so the two project
// sizes should take about the same time. Run `npm run build` first. BENCH_OTHER_BIN=path/to/bin/nomaflow
// (and BENCH_OTHER_LABEL) adds the same rows for another build, say one from before a change, timed in the same run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, timeCommand } from "./benchUtil.mjs";

const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 10);
const env = { ...process.env, NO_COLOR: "1" };
const bins = [["nomaflow", bin], ...(process.env.BENCH_OTHER_BIN ? [[process.env.BENCH_OTHER_LABEL ?? "other build", process.env.BENCH_OTHER_BIN]] : [])];

/** A project of `count` jobs like the one that is run: a schedule, a parameter, a shell step. */
function makeProject(count) {
  const root = mkdtempSync(join(tmpdir(), `nomaflow-bench-run-one-${count}-`));
  mkdirSync(join(root, "jobs"));
  writeFileSync(join(root, "nomaflow.yaml"), "runs_dir: runs\n");
  for (let index = 0; index < count; index++) {
    const id = `job-${String(index).padStart(3, "0")}`;
    writeFileSync(
      join(root, "jobs", `${id}.yaml`),
      `id: ${id}\nschedule: { cron: "${index % 60} 2 * * *" }\nparams:\n  day: { type: string, default: today }\nsteps:\n  - { name: noop, type: shell, command: "true" }\n`,
    );
  }
  return root;
}

const projects = [7, 456].map((count) => ({ count, root: makeProject(count) }));
try {
  const rows = [["node -e 0 (baseline)", timeCommand(process.execPath, ["-e", "0"], { runs, env })]];
  for (const [label, path] of bins) {
    for (const { count, root } of projects) {
      // timeCommand accepts exit 1; a failed run would time the wrong thing.
      const once = spawnSync(process.execPath, [path, "run", "job-000"], { cwd: root, env, encoding: "utf8" });
      if (once.status !== 0) throw new Error(`${label} run job-000 in ${count} jobs exited ${once.status}: ${once.stderr}`);
      rows.push([`${label} run job-000, ${count} jobs`, timeCommand(process.execPath, [path, "run", "job-000"], { runs, cwd: root, env })]);
    }
  }
  printTable(
    `nomaflow run of a one-step shell job (true), ${runs} runs each (Node ${process.version}, ${new Date().toISOString().slice(0, 10)})`,
    ["command", "median ms", "p90 ms"],
    rows.map(([name, { median, p90 }]) => [name, median.toFixed(1), p90.toFixed(1)]),
  );
} finally {
  for (const { root } of projects) rmSync(root, { recursive: true, force: true });
}
