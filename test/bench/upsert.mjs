// sql_copy upsert against the same done by hand with psql, in the same run: N rows (default 1M)
// over a target holding the same N keys, half of them changed. By hand: `psql \copy … to stdout
// (format binary) | psql` that copies into a temporary table and runs `INSERT … ON CONFLICT DO
// UPDATE … WHERE (t.cols) IS DISTINCT FROM (excluded.cols)` in one transaction. Goal: sql_copy
// ≤ 1.1× by hand. Then overwrite of the same table by a swap and by a replace in one transaction,
// so the price of each is known. Rounds alternate the ways; each starts from the same target
// (rebuilt from a kept copy). Run `npm run build` first.
//
// Usage: node test/bench/upsert.mjs [--rows N] [--rounds R]
// Environment: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432). Databases nomaflow_bench_upsert_*
// are created and dropped by the script (it refuses to drop one it did not make).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { printTable, withClient } from "./benchUtil.mjs";

const argument = (name, fallback, least) => {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < least) throw new Error(`--${name} needs a whole number ≥ ${least}, not ${process.argv[index + 1]}`);
  return value;
};
const rows = argument("rows", 1_000_000, 2);
const rounds = argument("rounds", 3, 1);
const serverUrl = (process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");
const sourceDb = "nomaflow_bench_upsert_src";
const targetDb = "nomaflow_bench_upsert_dst";
const MARKER = "nomaflow bench database, made by test/bench/upsert.mjs";
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const urlOf = (database) => `${serverUrl}/${encodeURIComponent(database)}`;

const columns =
  "id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, changed_at timestamptz NOT NULL, qty int, note text";
const others = ["name", "amount", "status", "changed_at", "qty", "note"];
const rowsSelect = `SELECT i, 'Item ' || i, round(((i * 7919) % 1000000) / 100.0, 2), (ARRAY['new','paid','shipped'])[1 + i % 3],
  timestamptz '2020-01-01 00:00+00' + i * interval '1 minute', (i % 100)::int, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END
  FROM generate_series(1::bigint, ${rows}) AS i`;

const admin = new pg.Client({ connectionString: urlOf("postgres") });
await admin.connect();

async function dropOwnDatabase(name) {
  const { rows: found } = await admin.query("SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", [name]);
  if (found.length === 0) return;
  if (!String(found[0].comment ?? "").startsWith(MARKER)) throw new Error(`database ${name} exists and was not made by this benchmark`);
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
}

const withDatabase = (name, work) => withClient(urlOf(name), work);

function runChild(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

const folder = mkdtempSync(join(tmpdir(), "nomaflow-bench-upsert-"));
try {
  for (const name of [sourceDb, targetDb]) {
    await dropOwnDatabase(name);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`COMMENT ON DATABASE ${name} IS '${MARKER}'`);
  }
  const generated = performance.now();
  await withDatabase(sourceDb, async (client) => {
    await client.query(`CREATE TABLE items (${columns}); INSERT INTO items ${rowsSelect}`);
    await client.query("VACUUM (ANALYZE) items");
  });
  // The target's kept copy: every even id changed (amount and status), the odd ones as in the source.
  await withDatabase(targetDb, async (client) => {
    await client.query(`CREATE TABLE kept (${columns}); INSERT INTO kept ${rowsSelect}; UPDATE kept SET amount = amount + 1, status = 'old' WHERE id % 2 = 0`);
    await client.query("VACUUM (ANALYZE) kept");
  });
  console.log(`generated ${rows} rows in each database in ${((performance.now() - generated) / 1000).toFixed(1)} s`);

  mkdirSync(join(folder, "jobs"));
  writeFileSync(join(folder, "nomaflow.yaml"), `connectors:\n  src: { url: "${urlOf(sourceDb)}" }\n  dst: { url: "${urlOf(targetDb)}" }\n`);
  const step = (mode, extra = "") =>
    `steps:\n  - name: copy\n    type: sql_copy\n    source: { connector: src, table: items }\n    target: { connector: dst, table: items }\n    mode: ${mode}\n${extra}`;
  writeFileSync(join(folder, "jobs", "upsert.yaml"), `id: upsert\n${step("upsert")}`);
  for (const method of ["swap", "replace"])
    writeFileSync(join(folder, "jobs", `overwrite-${method}.yaml`), `id: overwrite-${method}\n${step("overwrite", `    overwrite_method: ${method}\n`)}`);
  const handSql = join(folder, "by-hand.sql");
  writeFileSync(
    handSql,
    `BEGIN;\nCREATE TEMP TABLE staging (LIKE items) ON COMMIT DROP;\n\\copy staging from pstdin (format binary)\n` +
      `INSERT INTO items AS t SELECT * FROM staging ON CONFLICT (id) DO UPDATE SET ${others.map((column) => `${column} = excluded.${column}`).join(", ")}\n` +
      `  WHERE (${others.map((column) => `t.${column}`).join(", ")}) IS DISTINCT FROM (${others.map((column) => `excluded.${column}`).join(", ")});\nCOMMIT;\n`,
  );

  /** Before each run: the target as yesterday left it, with its primary key and a secondary index. */
  const resetTarget = () =>
    withDatabase(targetDb, async (client) => {
      await client.query(`DROP TABLE IF EXISTS items; CREATE TABLE items (${columns}); INSERT INTO items SELECT * FROM kept; CREATE INDEX ON items (status)`);
      await client.query("VACUUM (ANALYZE) items");
      await client.query("CHECKPOINT");
    });
  const checksum = () =>
    withDatabase(targetDb, async (client) => (await client.query("SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) AS md5 FROM items t")).rows[0].md5);
  const expected = await withDatabase(
    sourceDb,
    async (client) => (await client.query("SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) AS md5 FROM items t")).rows[0].md5,
  );

  async function nomaflow(job, check) {
    const result = await runChild(process.execPath, [bin, "run", job, "--json"], { cwd: folder });
    const lines = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    if (result.status !== 0 || lines.at(-1)?.event !== "run_succeeded")
      throw new Error(`nomaflow run ${job} failed: ${result.stdout.slice(-2000)}${result.stderr}`);
    check(lines.findLast((line) => line.event === "step_succeeded").output);
    return result.seconds;
  }
  const halfChanged = rows / 2 - (rows % 2) / 2;
  const ways = {
    "sql_copy upsert": () =>
      nomaflow("upsert", (output) => {
        if (output.rows_updated !== halfChanged || output.rows_inserted !== 0) throw new Error(`unexpected counts ${JSON.stringify(output)}`);
      }),
    "sql_copy overwrite, swap": () =>
      nomaflow("overwrite-swap", (output) => {
        if (output.overwrite_method !== "swap") throw new Error(`unexpected output ${JSON.stringify(output)}`);
      }),
    "sql_copy overwrite, replace": () =>
      nomaflow("overwrite-replace", (output) => {
        if (output.overwrite_method !== "replace" || output.rows_updated !== halfChanged) throw new Error(`unexpected output ${JSON.stringify(output)}`);
      }),
    "by hand: psql \\copy | psql (ON CONFLICT … IS DISTINCT FROM)": async () => {
      const script =
        'set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c "\\copy items to stdout (format binary)" | psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$3"';
      const result = await runChild("bash", ["-c", script, "bash", urlOf(sourceDb), urlOf(targetDb), handSql]);
      if (result.status !== 0) throw new Error(`psql by hand failed: ${result.stderr}`);
      return result.seconds;
    },
  };

  const times = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? Object.keys(ways) : Object.keys(ways).reverse();
    for (const name of order) {
      await resetTarget();
      times[name].push(await ways[name]());
      if (round === 1 && (await checksum()) !== expected) throw new Error(`${name}: the target differs from the source after the copy`);
    }
    console.log(`round ${round}: ${order.map((name) => `${name.split(":")[0]} ${times[name].at(-1).toFixed(2)} s`).join(", ")}`);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const all = (name) => times[name].map((time) => time.toFixed(2)).join(" / ");
  const hand = median(times["by hand: psql \\copy | psql (ON CONFLICT … IS DISTINCT FROM)"]);
  const ours = median(times["sql_copy upsert"]);
  const ratio = ours / hand;
  printTable(
    `upsert of ${rows.toLocaleString("en")} rows over ${rows.toLocaleString("en")} (half changed), median of ${rounds} rounds`,
    ["way", "median s", "all rounds s", "ratio (goal ≤ 1.1)"],
    [
      [
        "by hand: psql \\copy | psql, ON CONFLICT … WHERE … IS DISTINCT FROM",
        hand.toFixed(2),
        times["by hand: psql \\copy | psql (ON CONFLICT … IS DISTINCT FROM)"].map((time) => time.toFixed(2)).join(" / "),
        "",
      ],
      ["sql_copy mode: upsert", ours.toFixed(2), all("sql_copy upsert"), `${ratio.toFixed(2)}: ${ratio <= 1.1 ? "met" : "NOT met"}`],
    ],
  );
  const swap = median(times["sql_copy overwrite, swap"]);
  printTable(
    `overwrite of the same table (${rows.toLocaleString("en")} rows over ${rows.toLocaleString("en")}, half changed), median of ${rounds} rounds`,
    ["overwrite_method", "median s", "all rounds s", "against swap"],
    [
      ["swap (stash, indexes, swap)", swap.toFixed(2), all("sql_copy overwrite, swap"), "1.00"],
      [
        "replace (one transaction)",
        median(times["sql_copy overwrite, replace"]).toFixed(2),
        all("sql_copy overwrite, replace"),
        (median(times["sql_copy overwrite, replace"]) / swap).toFixed(2),
      ],
    ],
  );
} finally {
  for (const name of [sourceDb, targetDb]) await dropOwnDatabase(name).catch((error) => console.error(`could not drop ${name}: ${error.message}`));
  await admin.end();
  rmSync(folder, { recursive: true, force: true });
}
