// sql_copy throughput: a 1M-row customers table and a 3M-row orders table, generated on the server,
// copied between two databases by `nomaflow run` (sql_copy, mode overwrite: stash, indexes, swap)
// beside, in the same run, the raw pipe `psql \copy … to stdout | psql \copy … from stdin` into an
// identical empty table with the same indexes, and pgloader when it is installed. Goals: sql_copy
// within 1.15× of the pipe, peak RSS under 150 MB whatever the row count, the swap's exclusive lock
// held under 100 ms. A second table says where sql_copy's time goes, from pg_stat_activity sampled
// while it runs. Run `npm run build` first.
//
// Environment: BENCH_ROUNDS (3), BENCH_SCALE (1 = 1M customers, 3M orders), BENCH_PG_URL
// (postgres://postgres@127.0.0.1:5432), BENCH_SOURCE_DB (nomaflow_bench_ops), BENCH_TARGET_DB
// (nomaflow_bench_reporting), BENCH_KEEP=1 to keep both databases (the next run then reuses the
// source when its row counts match). The script only ever drops databases it created itself.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { printTable, withClient } from "./benchUtil.mjs";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const serverUrl = (process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");
const sourceDb = process.env.BENCH_SOURCE_DB ?? "nomaflow_bench_ops";
const targetDb = process.env.BENCH_TARGET_DB ?? "nomaflow_bench_reporting";
const keep = process.env.BENCH_KEEP === "1";
const customerRows = Math.max(10, Math.round(1_000_000 * scale));
const orderRows = Math.max(30, Math.round(3_000_000 * scale));
const someRows = Math.min(10_000, Math.floor(customerRows / 10)); // what the targets hold before each copy
const SAMPLE_MS = 20;
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const urlOf = (database) => `${serverUrl}/${encodeURIComponent(database)}`;
const MARKER = "nomaflow bench database, made by test/bench/copy.mjs";

for (const name of [sourceDb, targetDb]) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
}
if (sourceDb === targetDb) throw new Error("BENCH_SOURCE_DB and BENCH_TARGET_DB must differ");

const admin = new pg.Client({ connectionString: urlOf("postgres") });
await admin.connect();

// ---------------------------------------------------------------------------------------------
// Schema and data

const customersColumns = `id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, country char(2) NOT NULL,
  balance numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, tags text[], profile jsonb`;
const ordersColumns = `id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
  status text NOT NULL, ordered_at timestamptz NOT NULL, lines int NOT NULL, note text`;

// Deterministic rows, generated on the server; `first`..`last` so a target's "some rows" match the source's shape.
const customersSelect = (first, last) => `SELECT i, 'Customer ' || i, 'customer' || i || '@example.' || (ARRAY['com','org','net','de','fr'])[1 + i % 5],
  (ARRAY['FR','DE','US','GB','ES','IT','NL','BE','PL','SE'])[1 + (i * 7) % 10],
  round(((i * 7919) % 10000000) / 100.0 - 50000, 2),
  timestamptz '2015-01-01 00:00+00' + (i % 300000000) * interval '1 second',
  CASE WHEN i % 4 = 0 THEN NULL ELSE ARRAY['tier' || (i % 3), 'seg-' || (i % 17)] END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('lang', (ARRAY['fr','de','en'])[1 + i % 3], 'score', i % 1000, 'newsletter', i % 2 = 0, 'since', 2000 + i % 25) END
  FROM generate_series(${first}::bigint, ${last}) AS i`;
const ordersSelect = (first, last) => `SELECT i, 1 + (i * 104729) % ${customerRows}, round(((i * 31) % 100000) / 100.0, 2),
  (ARRAY['new','paid','shipped','delivered','cancelled'])[1 + i % 5],
  timestamptz '2020-01-01 00:00+00' + (i % 150000000) * interval '1 second',
  (1 + i % 9)::int,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'order ' || i || ' — deliver to the back door, ring twice' END
  FROM generate_series(${first}::bigint, ${last}) AS i`;

/** The target side of each table: the primary key plus secondary indexes. */
function targetTableSql(schema, table, kind) {
  const name = `${schema}.${table}`;
  if (kind === "customers") {
    return [`CREATE TABLE ${name} (${customersColumns})`, `CREATE INDEX ON ${name} (email)`, `CREATE INDEX ON ${name} (country, created_at)`];
  }
  return [`CREATE TABLE ${name} (${ordersColumns})`, `CREATE INDEX ON ${name} (customer_id)`, `CREATE INDEX ON ${name} (ordered_at)`];
}

async function databaseComment(name) {
  const { rows } = await admin.query("SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", [name]);
  return rows.length === 0 ? undefined : (rows[0].comment ?? "");
}

/** Drops `name` if this script made it; refuses to touch a database it did not make. */
async function dropOwnDatabase(name) {
  const comment = await databaseComment(name);
  if (comment === undefined) return;
  if (!comment.startsWith(MARKER))
    throw new Error(`database ${name} exists and was not made by this benchmark; set BENCH_SOURCE_DB/BENCH_TARGET_DB to other names`);
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
}

async function createDatabase(name, note) {
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`COMMENT ON DATABASE ${name} IS '${MARKER}; ${note}'`);
}

const withDatabase = (name, work) => withClient(urlOf(name), work);

const sourceNote = `source customers=${customerRows} orders=${orderRows} v1`;
async function prepareSource() {
  const comment = await databaseComment(sourceDb);
  if (comment !== undefined && comment.endsWith(sourceNote)) {
    console.log(`reusing ${sourceDb} (${customerRows} customers, ${orderRows} orders)`);
    return;
  }
  await dropOwnDatabase(sourceDb);
  await createDatabase(sourceDb, "generating");
  const started = performance.now();
  await withDatabase(sourceDb, async (client) => {
    await client.query(`CREATE TABLE customers (${customersColumns})`);
    await client.query(`CREATE TABLE orders (${ordersColumns})`);
    await client.query(`INSERT INTO customers ${customersSelect(1, customerRows)}`);
    await client.query(`INSERT INTO orders ${ordersSelect(1, orderRows)}`);
    await client.query("VACUUM (FREEZE, ANALYZE) customers");
    await client.query("VACUUM (FREEZE, ANALYZE) orders");
  });
  await admin.query(`COMMENT ON DATABASE ${sourceDb} IS '${MARKER}; ${sourceNote}'`);
  console.log(`generated ${sourceDb}: ${customerRows} customers, ${orderRows} orders in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// What is copied

const ordersSubset = Math.round(orderRows / 3);
const label = (count) => (count >= 1_000_000 ? `${+(count / 1_000_000).toFixed(2)}M` : count >= 1000 ? `${+(count / 1000).toFixed(1)}k` : String(count));
const cases = [
  { id: "customers", kind: "customers", rows: customerRows, title: `${label(customerRows)} customers`, sourceSql: "public.customers", pgloader: true },
  { id: "orders", kind: "orders", rows: orderRows, title: `${label(orderRows)} orders`, sourceSql: "public.orders", pgloader: true },
  {
    id: "orders_subset",
    kind: "orders",
    rows: ordersSubset,
    title: `${label(ordersSubset)} orders (query id ≤ ${label(ordersSubset)})`,
    query: `SELECT * FROM public.orders WHERE id <= ${ordersSubset}`,
    pgloader: false,
  },
  // The same copy as "orders" into an identical table, with the step's `format: text` (auto picks binary there).
  {
    id: "orders_text",
    kind: "orders",
    rows: orderRows,
    title: `${label(orderRows)} orders, format: text`,
    sourceSql: "public.orders",
    format: "text",
    pgloader: false,
    pipe: false,
  },
];

async function prepareTarget() {
  await dropOwnDatabase(targetDb);
  await createDatabase(targetDb, "target");
  await withDatabase(targetDb, async (client) => {
    for (const schema of ["pipe", "pgl"]) await client.query(`CREATE SCHEMA ${schema}`);
    for (const item of cases) for (const statement of targetTableSql("public", item.id, item.kind)) await client.query(statement);
  });
}

/** Before each sql_copy: the target holds "yesterday's" few rows, with its indexes, so overwrite takes the stash + swap path. */
async function resetTarget(client, item) {
  await client.query(`TRUNCATE public.${item.id}`);
  await client.query(`INSERT INTO public.${item.id} ${(item.kind === "customers" ? customersSelect : ordersSelect)(1, someRows)}`);
  await client.query(`VACUUM (ANALYZE) public.${item.id}`);
}

/** Before each pipe or pgloader run: a fresh, empty, identical table with the same indexes. */
async function freshTable(client, schema, item) {
  await client.query(`DROP TABLE IF EXISTS ${schema}.${item.id}`);
  for (const statement of targetTableSql(schema, item.id, item.kind)) await client.query(statement);
}

// ---------------------------------------------------------------------------------------------
// Runners

// Each child in a process group of its own (time → bash → psql | psql), so that an interrupted
// benchmark can stop the whole group: SIGTERM first (nomaflow cancels and drops its stash), then SIGKILL.
const running = new Set();
let interrupted;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    console.error(`\n${signal}: stopping the running copy, then dropping the databases`);
    for (const child of running) {
      const group = (name) => {
        try {
          process.kill(-child.pid, name);
        } catch {
          // already gone
        }
      };
      group("SIGTERM");
      setTimeout(() => group("SIGKILL"), 5000).unref();
    }
  });
}

function runChild(command, args, options = {}) {
  if (interrupted) return Promise.reject(new Error(`interrupted by ${interrupted}`));
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // stdin closed: a tool that drops into an interactive debugger (pgloader's SBCL does) ends instead of waiting.
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => {
      running.delete(child);
      if (interrupted) reject(new Error(`interrupted by ${interrupted}`));
      else resolve({ status, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

/** `/usr/bin/time -f "%M %U %S"`'s last stderr line: peak RSS (MB) and CPU seconds of the command and its waited-for children. */
function timeLine(stderr) {
  const [rssKb, user, system] = stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { rssMb: rssKb / 1024, cpuSeconds: user + system };
}

async function runPipe(client, item) {
  await freshTable(client, "pipe", item);
  await client.query("CHECKPOINT");
  const out = item.query ? `\\copy (${item.query}) to stdout` : `\\copy ${item.sourceSql} to stdout`;
  const script = 'set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c "$2" | psql -X -v ON_ERROR_STOP=1 -d "$3" -c "$4"';
  const result = await runChild("/usr/bin/time", [
    "-f",
    "%M %U %S",
    "bash",
    "-c",
    script,
    "bash",
    urlOf(sourceDb),
    out,
    urlOf(targetDb),
    `\\copy pipe.${item.id} from stdin`,
  ]);
  if (result.status !== 0 || Number(/^COPY (\d+)$/m.exec(result.stdout)?.[1]) !== item.rows)
    throw new Error(`psql pipe for ${item.id} failed (${result.status}): ${result.stdout}${result.stderr}`);
  return { seconds: result.seconds, ...timeLine(result.stderr) };
}

let project;
async function runSqlCopy(client, item, sampler) {
  await resetTarget(client, item);
  await client.query("CHECKPOINT");
  sampler.start();
  const result = await runChild("/usr/bin/time", ["-f", "%M %U %S", process.execPath, bin, "run", `copy-${item.id.replaceAll("_", "-")}`, "--json"], {
    cwd: project,
  });
  const statements = await sampler.stop();
  const lines = result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  const final = lines.at(-1);
  if (result.status !== 0 || final?.event !== "run_succeeded")
    throw new Error(`nomaflow run for ${item.id} failed (${result.status}): ${result.stdout.slice(-2000)}${result.stderr}`);
  const output = lines.findLast((line) => line.event === "step_succeeded").output;
  if (output.rows !== item.rows) throw new Error(`sql_copy of ${item.id} copied ${output.rows} rows, expected ${item.rows}`);
  return { seconds: result.seconds, ...timeLine(result.stderr), output, phases: phasesOf(statements, output.duration_ms / 1000) };
}

const pgloaderVersion = (() => {
  const found = spawnSync("pgloader", ["--version"], { encoding: "utf8" });
  return found.status === 0
    ? found.stdout
        .split("\n")[0]
        .replace(/^pgloader version /, "")
        .replaceAll('"', "")
    : undefined;
})();

async function runPgloader(client, item) {
  await freshTable(client, "pgl", item);
  await client.query("CHECKPOINT");
  const command = join(project, `pgloader-${item.id}.load`);
  // data only: load into the existing, indexed table (like the pipe); no DROP/CREATE of indexes.
  // Fewer workers and prefetched rows than the defaults (4, 100000): with those, its 1 GB heap ran out on these tables.
  writeFileSync(
    command,
    `LOAD DATABASE\n  FROM ${urlOf(sourceDb).replace(/^postgres(ql)?:/, "pgsql:")}\n  INTO ${urlOf(targetDb).replace(/^postgres(ql)?:/, "pgsql:")}\n` +
      `  WITH data only, workers = 2, concurrency = 1, prefetch rows = 10000\n  INCLUDING ONLY TABLE NAMES MATCHING '${item.id}' IN SCHEMA 'public'\n  ALTER SCHEMA 'public' RENAME TO 'pgl'\n;\n`,
  );
  const result = await runChild("/usr/bin/time", ["-f", "%M %U %S", "pgloader", "--root-dir", join(project, "pgloader"), command]);
  if (result.status !== 0) {
    const reason = /Heap exhausted/.test(result.stdout + result.stderr) ? "heap exhausted" : `exit ${result.status}`;
    console.error(`pgloader for ${item.id} failed (${reason}): ${result.stdout.slice(-600)}`);
    return { failed: reason };
  }
  const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM pgl.${item.id}`);
  if (Number(rows[0].n) !== item.rows) throw new Error(`pgloader loaded ${rows[0].n} rows into pgl.${item.id}, expected ${item.rows}`);
  return { seconds: result.seconds, ...timeLine(result.stderr) };
}

// ---------------------------------------------------------------------------------------------
// Where sql_copy's time goes: every statement of nomaflow's sessions, from pg_stat_activity
// sampled every SAMPLE_MS (start = query_start; end = state_change once idle, else the last sample).
// Client backends only: a parallel index build's workers show the same query and would count it thrice.

function createSampler() {
  const client = new pg.Client({ connectionString: urlOf("postgres") });
  let timer;
  let statements;
  let polling = Promise.resolve();
  const poll = async () => {
    const { rows } = await client.query(
      `SELECT pid, datname, state, query, extract(epoch FROM query_start) AS started, extract(epoch FROM state_change) AS changed, extract(epoch FROM clock_timestamp()) AS now
       FROM pg_stat_activity WHERE application_name LIKE 'nomaflow%' AND backend_type = 'client backend' AND datname = ANY($1) AND query_start IS NOT NULL`,
      [[sourceDb, targetDb]],
    );
    for (const row of rows) {
      const key = `${row.pid}|${row.started}`;
      const entry = statements.get(key) ?? { database: row.datname, query: row.query, started: Number(row.started), ended: Number(row.started) };
      entry.ended = row.state === "active" ? Math.max(entry.ended, Number(row.now)) : Number(row.changed);
      statements.set(key, entry);
    }
  };
  return {
    connect: () => client.connect(),
    end() {
      clearInterval(timer);
      return client.end();
    },
    start() {
      statements = new Map();
      timer = setInterval(() => {
        polling = polling.then(poll).catch(() => undefined);
      }, SAMPLE_MS);
    },
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      return [...statements.values()];
    },
  };
}

const PHASES = [
  ["source COPY TO STDOUT", (s) => s.database === sourceDb && /^COPY\b.*\bTO STDOUT/is.test(s.query)],
  ["target COPY into the stash", (s) => s.database === targetDb && /^COPY\b.*\bFROM STDIN/is.test(s.query)],
  ["index + key build", (s) => s.database === targetDb && /^(CREATE (UNIQUE )?INDEX|ALTER TABLE .* ADD CONSTRAINT)/is.test(s.query)],
  ["VACUUM (ANALYZE) of the stash", (s) => s.database === targetDb && /^VACUUM/i.test(s.query)],
  ["swap transaction (DO blocks)", (s) => s.database === targetDb && /^DO /i.test(s.query)],
  ["DROP TABLE (old table)", (s) => s.database === targetDb && /^DROP TABLE/i.test(s.query)],
];
function phasesOf(statements, stepSeconds) {
  const phases = Object.fromEntries(PHASES.map(([name]) => [name, 0]));
  let targetTotal = 0;
  for (const statement of statements) {
    const seconds = Math.max(0, statement.ended - statement.started);
    const phase = PHASES.find(([, matches]) => matches(statement));
    if (phase) phases[phase[0]] += seconds;
    if (statement.database === targetDb) targetTotal += seconds;
  }
  // Everything of the step that is not a target statement: connecting, catalog round trips, node.
  phases["rest (catalog queries, round trips, node)"] = Math.max(0, stepSeconds - targetTotal);
  return phases;
}

// ---------------------------------------------------------------------------------------------

function writeProject() {
  project = mkdtempSync(join(tmpdir(), "nomaflow-bench-copy-"));
  mkdirSync(join(project, "jobs"));
  writeFileSync(
    join(project, "nomaflow.yaml"),
    `runs_dir: runs\nconnectors:\n  ops: { url: "${urlOf(sourceDb)}" }\n  reporting: { url: "${urlOf(targetDb)}" }\n`,
  );
  for (const item of cases) {
    const id = `copy-${item.id.replaceAll("_", "-")}`;
    const source = item.query ? `{ connector: ops, query: "${item.query}" }` : `{ connector: ops, table: ${item.sourceSql.split(".")[1]} }`;
    writeFileSync(
      join(project, "jobs", `${id}.yaml`),
      `id: ${id}\nsteps:\n  - name: copy\n    type: sql_copy\n    source: ${source}\n    target: { connector: reporting, table: ${item.id} }\n    mode: overwrite\n${item.format ? `    format: ${item.format}\n` : ""}    timeout: 1800\n`,
    );
  }
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fixed = (value, digits) => (value === undefined ? "—" : value.toFixed(digits));
const goal = (value, ok, text) => `${text}: ${ok(value) ? "met" : "NOT met"}`;

const results = new Map(cases.map((item) => [item.id, { pipe: [], ours: [], pgloader: [] }]));
const sampler = createSampler();
const benchStarted = performance.now();
try {
  const { rows } = await admin.query(
    "SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS buffers, current_setting('max_wal_size') AS wal",
  );
  console.log(
    `PostgreSQL ${rows[0].version} (shared_buffers ${rows[0].buffers}, max_wal_size ${rows[0].wal}), node ${process.version}, ${cpus().length} cores, ` +
      `pgloader ${pgloaderVersion ?? "not installed"}; ${rounds} rounds, scale ${scale}`,
  );
  await prepareSource();
  await prepareTarget();
  writeProject();
  await sampler.connect();
  await withDatabase(targetDb, async (client) => {
    for (let round = 0; round < rounds; round++) {
      const roundStarted = performance.now();
      for (const item of cases) {
        const runners = [
          ...(item.pipe === false ? [] : [["pipe", () => runPipe(client, item)]]),
          ["ours", () => runSqlCopy(client, item, sampler)],
          ...(item.pgloader && pgloaderVersion ? [["pgloader", () => runPgloader(client, item)]] : []),
        ];
        // Interleaved, and the order rotated each round, so machine noise and cache state hit all equally.
        for (let index = 0; index < runners.length; index++) {
          const [tool, run] = runners[(index + round) % runners.length];
          results.get(item.id)[tool].push(await run());
        }
      }
      const seen = cases.map((item) => {
        const { pipe, ours, pgloader } = results.get(item.id);
        const last = (list) => (list.length > round ? (list.at(-1).failed ?? `${list.at(-1).seconds.toFixed(2)} s`) : undefined);
        const parts = [
          ["pipe", last(pipe)],
          ["sql_copy", last(ours)],
          ["pgloader", last(pgloader)],
        ].filter(([, value]) => value !== undefined);
        return `${item.id} ${parts.map(([tool, value]) => `${tool} ${value}`).join(", ")}`;
      });
      console.log(`round ${round + 1}/${rounds} (${((performance.now() - roundStarted) / 1000).toFixed(0)} s): ${seen.join("; ")}`);
    }
  });
} finally {
  await sampler.end().catch(() => undefined);
  if (project) rmSync(project, { recursive: true, force: true });
  if (!keep) {
    for (const name of [targetDb, sourceDb]) await dropOwnDatabase(name).catch((error) => console.error(`could not drop ${name}: ${error.message}`));
  }
  await admin.end();
}

const summary = (id) => {
  const { pipe, ours, pgloader } = results.get(id);
  const pick = (list, field) => median(list.map((entry) => field(entry)));
  return {
    pipe: pick(pipe, (entry) => entry.seconds),
    pipeCpu: pick(pipe, (entry) => entry.cpuSeconds),
    ours: pick(ours, (entry) => entry.seconds),
    step: pick(ours, (entry) => entry.output.duration_ms / 1000),
    pgloader: pick(pgloader, (entry) => entry.seconds),
    pgloaderFailures: [...new Set(pgloader.filter((entry) => entry.failed).map((entry) => entry.failed))],
    pgloaderFailed: pgloader.filter((entry) => entry.failed).length,
    pgloaderRss: pick(pgloader, (entry) => entry.rssMb),
    rowsPerSecond: pick(ours, (entry) => entry.output.rows_per_second),
    mbPerSecond: pick(ours, (entry) => entry.output.megabytes_per_second),
    bytes: pick(ours, (entry) => entry.output.bytes),
    rss: pick(ours, (entry) => entry.rssMb),
    cpu: pick(ours, (entry) => entry.cpuSeconds),
    lock: pick(ours, (entry) => entry.output.lock_held_ms),
    formats: [...new Set(ours.map((entry) => entry.output.format))].join("/"),
    phases: Object.fromEntries(Object.keys(ours[0].phases).map((phase) => [phase, pick(ours, (entry) => entry.phases[phase])])),
  };
};

const mainCases = cases.filter((item) => item.pipe !== false);
printTable(
  `sql_copy overwrite vs psql \\copy pipe${pgloaderVersion ? " vs pgloader" : ""}, ${rounds} rounds interleaved (medians, wall time of each command)`,
  [
    "copy",
    "psql pipe s",
    "sql_copy s",
    "ratio (goal ≤ 1.15)",
    "pgloader s",
    "rows/s",
    "MB/s",
    "peak RSS MB (goal < 150)",
    "lock held ms (goal < 100)",
    "format",
  ],
  mainCases.map((item) => {
    const s = summary(item.id);
    const ratio = s.ours / s.pipe;
    return [
      item.title,
      fixed(s.pipe, 2),
      fixed(s.ours, 2),
      goal(ratio, (value) => value <= 1.15, ratio.toFixed(2)),
      !item.pgloader
        ? "—"
        : !pgloaderVersion
          ? "not installed"
          : s.pgloaderFailed === 0
            ? fixed(s.pgloader, 2)
            : `${fixed(s.pgloader, 2)} (${s.pgloaderFailed}/${rounds} failed: ${s.pgloaderFailures.join(", ")})`,
      Math.round(s.rowsPerSecond).toLocaleString("en-US"),
      fixed(s.mbPerSecond, 1),
      goal(s.rss, (value) => value < 150, s.rss.toFixed(1)),
      goal(s.lock, (value) => value < 100, s.lock.toFixed(1)),
      s.formats,
    ];
  }),
);

const textCase = cases.find((item) => item.id === "orders_text");
const binary = summary("orders");
const text = summary("orders_text");
printTable(
  "binary vs text COPY: the same orders into identical tables, format auto (binary chosen) vs format: text",
  ["copy", "format", "sql_copy s", "step s", "rows/s", "MB/s", "bytes streamed MB", "node CPU s", "peak RSS MB"],
  [
    [
      cases[1].title,
      binary.formats,
      fixed(binary.ours, 2),
      fixed(binary.step, 2),
      Math.round(binary.rowsPerSecond).toLocaleString("en-US"),
      fixed(binary.mbPerSecond, 1),
      fixed(binary.bytes / 1_048_576, 1),
      fixed(binary.cpu, 1),
      fixed(binary.rss, 1),
    ],
    [
      textCase.title,
      text.formats,
      fixed(text.ours, 2),
      fixed(text.step, 2),
      Math.round(text.rowsPerSecond).toLocaleString("en-US"),
      fixed(text.mbPerSecond, 1),
      fixed(text.bytes / 1_048_576, 1),
      fixed(text.cpu, 1),
      fixed(text.rss, 1),
    ],
  ],
);

const phaseNames = Object.keys(summary("orders").phases);
printTable(
  `where sql_copy's time goes (medians; statements seen in pg_stat_activity every ${SAMPLE_MS} ms; the source COPY runs alongside the target COPY)`,
  ["phase", ...cases.map((item) => item.title)],
  [
    ["nomaflow run, wall", ...cases.map((item) => `${fixed(summary(item.id).ours, 2)} s`)],
    ["sql_copy step (duration_ms)", ...cases.map((item) => `${fixed(summary(item.id).step, 2)} s`)],
    ...phaseNames.map((phase) => [
      phase,
      ...cases.map((item) => {
        const s = summary(item.id);
        return `${fixed(s.phases[phase], 2)} s (${Math.round((100 * s.phases[phase]) / s.step)}%)`;
      }),
    ]),
    ["node CPU (user + sys)", ...cases.map((item) => `${fixed(summary(item.id).cpu, 2)} s`)],
    [
      "psql pipe: wall / both psql CPU",
      ...cases.map((item) => (item.pipe === false ? "—" : `${fixed(summary(item.id).pipe, 2)} s / ${fixed(summary(item.id).pipeCpu, 2)} s`)),
    ],
  ],
);
if (pgloaderVersion)
  console.log(
    `\npgloader peak RSS: ${mainCases
      .filter((item) => item.pgloader)
      .map((item) => `${item.title} ${fixed(summary(item.id).pgloaderRss, 0)} MB`)
      .join(", ")}`,
  );
else console.log("\npgloader: not installed (apt-get install -y pgloader adds its column)");
console.log(`whole benchmark: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
