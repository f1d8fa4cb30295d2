// The python step's bridge: start-up of a step whose function returns {}, beside the bare
// interpreter (`python -c pass`) in the same run; and one `scalar()` round trip through the bridge
// (from Python, sync and async) beside the same query through the connector straight from Node.
// Goals: start-up overhead under 150 ms; a scalar() under 2 ms beyond the query itself.
// Run `npm run build` first.
//
// Environment: BENCH_RUNS (30 step start-ups), BENCH_QUERIES (500 round trips), BENCH_PYTHON
// (python3; several separated by commas; the interpreter each resolves to, sys.executable, is
// measured too when it differs, e.g. behind a pyenv shim; the first is used for scalar()), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres; only
// `select $1::int` is run, nothing is created).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable } from "./benchUtil.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 30);
const queries = Number(process.env.BENCH_QUERIES ?? 500);
const pythons = (process.env.BENCH_PYTHON ?? "python3").split(",").filter(Boolean);
const python = pythons[0];
const pgUrl = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const { runPythonStep } = await import("../../dist/step-types/python/runPythonStep.js");
const { ConnectorSet } = await import("../../dist/connectors/connectorSet.js");

const root = mkdtempSync(join(tmpdir(), "nomaflow-bench-python-"));
mkdirSync(join(root, "plugins"));
writeFileSync(
  join(root, "plugins", "bench.py"),
  `import time

def empty(ctx):
    return {}

def scalars(ctx, *, n):
    db = ctx.get_connector("db")
    db.scalar("select 1")  # the connection is opened here, not timed
    times = []
    for index in range(n):
        started = time.perf_counter()
        db.scalar("select $1::int", index)
        times.append((time.perf_counter() - started) * 1000)
    return {"times": times}

async def scalars_async(ctx, *, n):
    db = ctx.get_connector("db")
    await db.scalar("select 1")
    times = []
    for index in range(n):
        started = time.perf_counter()
        await db.scalar("select $1::int", index)
        times.append((time.perf_counter() - started) * 1000)
    return {"times": times}
`,
);

const sorted = (values) => [...values].sort((a, b) => a - b);
const at = (values, fraction) => sorted(values)[Math.min(values.length - 1, Math.floor(fraction * values.length))];
const ms = (value) => value.toFixed(value < 10 ? 3 : 1);

function context(connectors) {
  return {
    jobId: "bench",
    runId: "bench-run",
    stepName: "step",
    attempt: 1,
    projectRoot: root,
    env: process.env,
    log: () => {},
    progress: () => {},
    mask: (text) => text,
    connector: (name) => connectors.get(name),
    applicationName: "nomaflow:bench:step",
    params: {},
    notify: async () => {},
  };
}

/** Wall times of `work`, after two warm-up calls. */
async function timeAsync(work, count) {
  const times = [];
  for (let index = 0; index < count + 2; index++) {
    const started = performance.now();
    await work();
    if (index >= 2) times.push(performance.now() - started);
  }
  return times;
}

/** Wall times of `first` and `second`, called in turn, after two warm-up rounds. */
async function timeInterleaved(count, first, second) {
  const times = [[], []];
  for (let index = 0; index < count + 2; index++) {
    for (const [slot, work] of [first, second].entries()) {
      const started = performance.now();
      await work();
      if (index >= 2) times[slot].push(performance.now() - started);
    }
  }
  return times;
}

const bare = (interpreter) =>
  new Promise((resolve, reject) => {
    const child = spawn(interpreter, ["-c", "pass"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${interpreter} -c pass exited ${code}`))));
  });

const never = new AbortController().signal;
const interpreters = [];
for (const interpreter of pythons) {
  interpreters.push(interpreter);
  const resolved = spawnSync(interpreter, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
  if (resolved && resolved !== interpreter && !pythons.includes(resolved)) interpreters.push(resolved);
}
const version = spawnSync(python, ["--version"], { encoding: "utf8" }).stdout.trim();

const startRows = [];
try {
  for (const interpreter of interpreters) {
    const noConnectors = new ConnectorSet({ connectors: new Map(), environment: { values: {}, file: "", fileFound: false }, projectRoot: root });
    // Interleaved, so that a busy moment of the machine weighs on both alike.
    const [baseline, step] = await timeInterleaved(
      runs,
      () => bare(interpreter),
      () => runPythonStep({ callable: "bench:empty" }, context(noConnectors), never, interpreter),
    );
    const overhead = at(step, 0.5) - at(baseline, 0.5);
    startRows.push(
      [`${interpreter} -c pass (baseline)`, ms(at(baseline, 0.5)), ms(at(baseline, 0.9)), ""],
      [`python step, function returns {} (${interpreter})`, ms(at(step, 0.5)), ms(at(step, 0.9)), ""],
      ["  start-up overhead over the bare interpreter (median)", ms(overhead), "", `< 150 ms: ${overhead < 150 ? "met" : "NOT met"}`],
    );
  }
  printTable(
    `python step start-up, ${runs} runs each (${version}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)})`,
    ["measure", "median ms", "p90 ms", "goal"],
    startRows,
  );

  await scalarRoundTrips();
} finally {
  rmSync(root, { recursive: true, force: true });
}

async function scalarRoundTrips() {
  const connectors = new ConnectorSet({
    connectors: new Map([["db", { name: "db", url: pgUrl, pool: {} }]]),
    environment: { values: {}, file: "", fileFound: false },
    projectRoot: root,
  });
  try {
    const db = connectors.get("db");
    const reachable = await db.scalar("select 1").then(
      () => true,
      (error) => console.log(`\nscalar() round trips skipped: no PostgreSQL at ${pgUrl} (${error.message}); set BENCH_PG_URL`),
    );
    if (!reachable) return;
    let index = 0;
    const direct = await timeAsync(() => db.scalar("select $1::int", [index++]), queries);
    const viaSync = (await runPythonStep({ callable: "bench:scalars", op_kwargs: { n: queries } }, context(connectors), never, python)).times;
    const viaAsync = (await runPythonStep({ callable: "bench:scalars_async", op_kwargs: { n: queries } }, context(connectors), never, python)).times;
    const rows = [["connector.scalar() from Node (baseline: the query itself)", ms(at(direct, 0.5)), ms(at(direct, 0.9)), ""]];
    for (const [name, times] of [
      ["db.scalar() from a sync Python function", viaSync],
      ["await db.scalar() from an async Python function", viaAsync],
    ]) {
      const extra = at(times, 0.5) - at(direct, 0.5);
      rows.push(
        [name, ms(at(times, 0.5)), ms(at(times, 0.9)), ""],
        ["  bridge overhead per call (median)", ms(extra), "", `< 2 ms: ${extra < 2 ? "met" : "NOT met"}`],
      );
    }
    printTable(`scalar("select $1::int") round trips, ${queries} each, PostgreSQL at ${new URL(pgUrl).host}`, ["measure", "median ms", "p90 ms", "goal"], rows);
  } finally {
    await connectors.closeAll();
  }
}
