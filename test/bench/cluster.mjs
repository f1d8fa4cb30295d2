// Several daemons on one PostgreSQL state store, under failure (issue 17, "Performance and proof").
// (1) Three real `nomaflow daemon` processes, each on its own copy of one project (its own runs_dir,
// a "host"), share a fresh database: BENCH_JOBS (default 1,000) jobs fire every 15 s (a seconds-field
// schedule; one `node` step returning {}), `on_abandoned: rerun`, state defaults (heartbeat 5 s,
// lease 20 s). For BENCH_SECONDS (default 300) one daemon in turn is killed with SIGKILL every
// BENCH_KILL_EVERY s (default 20) and restarted at once; kills land BENCH_KILL_OFFSET_MS (default
// 300) after a fire time, then 5 and 10 s after (20 s against 15), so some hit runs in flight. Then
// no kill for a lease and two heartbeats, so the last kill's runs are recovered, and a clean stop.
// Counted from the store (`fires`, `daemons`, `runs`) and from every run log of the three runs
// dirs, not from the daemons' word: every fire time of every job (from the first claim to the stop
// less a margin) claimed once, started once (trigger schedule or catchup), doubled never; each
// run a kill left unfinished rerun once (trigger recovery) and how long after the kill; lateness.
// A fire lost "in the failover window" is one claimed by a daemon at most a heartbeat before it was
// killed and never run, or one skipped (concurrency: forbid, the default; BENCH_CONCURRENCY=allow
// to compare) because a killed daemon still held the job's lock, at most a lease and two
// heartbeats after the kill (its locks are freed when it is found dead). Every lost fire is listed.
// (2) 1,000 hourly jobs, none due, three daemons on a second fresh database for BENCH_IDLE_SECONDS
// (default 60): statements per second each daemon sends to the store (/metrics
// nomaflow_state_statements_total), beside the database's committed transactions
// (pg_stat_database.xact_commit). Peak RSS: /proc/PID/status VmHWM sampled every second.
// The baseline: one daemon without `state` (local files) on the same jobs for BENCH_BASELINE_ROUNDS
// fires (default 3; 0 skips it). Goals: 0 doubled, 0 lost beyond the failover window, kill to
// recovery < 30 s, lateness p99 < 500 ms, < 1 statement/s per idle daemon, peak RSS < 150 MB.
// Server: NOMAFLOW_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres); the databases
// are created and dropped (BENCH_KEEP=1 keeps them, the projects and the daemons' logs, as evidence).
// Run `npm run build` first.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, withClient } from "./benchUtil.mjs";

/** A whole number from the environment, at least `min`. */
function setting(name, fallback, min) {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: a whole number of at least ${min} is expected`);
  return value;
}

const jobs = setting("BENCH_JOBS", 1000, 1);
const benchSeconds = setting("BENCH_SECONDS", 300, 1);
const killEvery = setting("BENCH_KILL_EVERY", 20, 1);
const killOffsetMs = setting("BENCH_KILL_OFFSET_MS", 300, 0);
const idleSeconds = setting("BENCH_IDLE_SECONDS", 60, 1);
const baselineRounds = setting("BENCH_BASELINE_ROUNDS", 3, 0);
const concurrency = process.env.BENCH_CONCURRENCY || "forbid";
if (concurrency !== "forbid" && concurrency !== "allow") throw new Error(`BENCH_CONCURRENCY=${concurrency}: forbid (the default of a job) or allow`);
const keep = process.env.BENCH_KEEP === "1";
const serverUrl = process.env.NOMAFLOW_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";

const DAEMONS = 3;
const EVERY_SECONDS = 15;
const HEARTBEAT_SECONDS = 5;
const LEASE_SECONDS = 20;
/** After the last kill: its runs are found abandoned (a lease) and rerun (a sweep, a heartbeat) before the stop. */
const TAIL_SECONDS = LEASE_SECONDS + 2 * HEARTBEAT_SECONDS + 5;
/** Fire times this close to the stop are not expected (their claim may be under way when it comes). */
const MARGIN_MS = 5000;
/** A fire claimed by a daemon at most this long before it was killed was in flight at the kill. */
const IN_FLIGHT_MS = HEARTBEAT_SECONDS * 1000;
/** The idle phase is measured from this long after the last daemon started (first sweeps and prunes are start-up work). */
const IDLE_SETTLE_MS = 10_000;
const FINAL_EVENTS = new Set(["run_succeeded", "run_failed", "run_interrupted"]);
/** Daemon log events kept whole: they explain fires not run and abandoned runs not rerun. */
const KEPT_EVENTS = new Set(["skipped", "recovery_skipped"]);

// The daemon is started as its systemd unit starts it.
const { DAEMON_NODE_FLAGS } = await import(new URL("../../dist/daemon/daemonNodeFlags.js", import.meta.url).href);
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), "nomaflow-bench-cluster-"));
const logDir = join(workDir, "daemon-logs");
mkdirSync(logDir);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sortNumbers = (values) => [...values].sort((a, b) => a - b);
const percentile = (sorted, fraction) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]);
const seconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a");
const millis = (ms) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : "n/a");
const met = (ok) => (ok ? "met" : "NOT met");
const iso = (ms) => new Date(ms).toISOString();
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const signed = (ms) => `${ms >= 0 ? "+" : "-"}${(Math.abs(ms) / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------
// Databases, projects, daemons

async function createBenchDatabase(label) {
  const name = `nomaflow_bench_${label}_${randomBytes(4).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function dropBenchDatabase(database) {
  if (keep) {
    console.log(`kept database ${database.name} (BENCH_KEEP=1; dropdb ${database.name} to remove it)`);
    return;
  }
  await withClient(serverUrl, (client) => client.query(`drop database if exists "${database.name}" with (force)`));
}

/** Committed transactions of a database so far, read from another database (the server's). */
async function committed(database) {
  return withClient(serverUrl, async (client) => {
    const { rows } = await client.query("select xact_commit::float8 as n from pg_stat_database where datname = $1", [database.name]);
    return Number(rows[0]?.n ?? NaN);
  });
}

/** One copy of the project (one "host"): the same job files, its own runs_dir. */
function writeProject(name, cron, storeUrl) {
  const root = join(workDir, name);
  mkdirSync(join(root, "jobs"), { recursive: true });
  mkdirSync(join(root, "plugins"));
  const state =
    storeUrl === undefined
      ? ""
      : `connectors:\n  store: { url: "${storeUrl}" }\nstate: { connector: store, heartbeat_seconds: ${HEARTBEAT_SECONDS}, lease_seconds: ${LEASE_SECONDS} }\n`;
  writeFileSync(join(root, "nomaflow.yaml"), `runs_dir: runs\n${state}`);
  writeFileSync(join(root, "plugins", "noop.mjs"), "export function noop() {\n  return {};\n}\n");
  const policy = storeUrl === undefined ? "" : "on_abandoned: rerun\n";
  for (let index = 0; index < jobs; index++) {
    const id = `job-${String(index).padStart(4, "0")}`;
    writeFileSync(
      join(root, "jobs", `${id}.yaml`),
      `id: ${id}\nschedule: { cron: "${cron}", timezone: UTC }\nconcurrency: ${concurrency}\n${policy}steps:\n  - { name: noop, type: node, callable: noop.mjs:noop }\n`,
    );
  }
  return root;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const live = new Set();

/**
 * A real `nomaflow daemon` (JSON log lines counted by event, the lines themselves written to a file
 * under the work folder). `label` names the host and the incarnation: d1#3 is host 1's third start.
 */
async function startDaemon(label, root, { http = true } = {}) {
  const env = { ...process.env, NO_COLOR: "1" };
  for (const name of ["FORCE_COLOR", "NOTIFY_SOCKET", "JOURNAL_STREAM", "WATCHDOG_USEC", "NOMAFLOW_RUNS_DIR"]) delete env[name];
  const port = http ? await freePort() : undefined;
  const args = [...DAEMON_NODE_FLAGS, bin, "daemon", "-C", root, "--log-format", "json", "--grace", "10"];
  if (port !== undefined) args.push("--http", `127.0.0.1:${port}`);
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const file = createWriteStream(join(logDir, `${label.replace("#", "-")}.ndjson`));
  const daemon = {
    label,
    child,
    pid: child.pid,
    port,
    spawnedAt: Date.now(),
    startedAt: undefined,
    killedAt: undefined,
    peakKb: 0,
    statements: undefined,
    events: new Map(),
    /** Warnings and errors, each event name's first few. */
    problems: [],
    kept: [],
    tail: "",
  };
  let onStarted;
  const started = new Promise((resolve) => (onStarted = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      file.write(chunk);
      daemon.tail = (daemon.tail + chunk).slice(-4000);
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop();
      for (const part of parts) {
        let line;
        try {
          line = JSON.parse(part);
        } catch {
          line = { level: "raw", event: "raw", text: part };
        }
        daemon.events.set(line.event, (daemon.events.get(line.event) ?? 0) + 1);
        if (line.event === "daemon_started") {
          daemon.startedAt = Date.now();
          onStarted();
        }
        if (line.level !== "info" && daemon.events.get(line.event) <= 3) daemon.problems.push(line);
        if (KEPT_EVENTS.has(line.event)) daemon.kept.push(line);
      }
    });
  }
  daemon.exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      live.delete(daemon);
      file.end();
      resolve({ code, signal });
    }),
  );
  daemon.started = Promise.race([
    started,
    daemon.exited.then(({ code, signal }) => {
      throw new Error(`daemon ${label} exited (${code ?? signal}) before it started:\n${daemon.tail}`);
    }),
  ]);
  live.add(daemon);
  return daemon;
}

async function untilStarted(daemon, timeoutMs = 120_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`daemon ${daemon.label} did not start within ${timeoutMs / 1000} s:\n${daemon.tail}`)), timeoutMs);
  });
  try {
    await Promise.race([daemon.started, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then SIGKILL if it has not stopped within `timeoutMs`. */
async function stopDaemon(daemon, timeoutMs = 60_000) {
  daemon.child.kill("SIGTERM");
  const timer = setTimeout(() => daemon.child.kill("SIGKILL"), timeoutMs);
  const { code, signal } = await daemon.exited;
  clearTimeout(timer);
  if (code !== 0) console.log(`note: daemon ${daemon.label} exited ${code ?? signal} after SIGTERM:\n${daemon.tail}`);
}

function vmHwmKb(pid) {
  const match = /^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : 0;
}

/** Every second: each live daemon's peak RSS so far (VmHWM), so that a killed one's is known too. */
function sampleRss() {
  const sample = () => {
    for (const daemon of live) {
      try {
        daemon.peakKb = Math.max(daemon.peakKb, vmHwmKb(daemon.pid));
      } catch {
        // Gone between the exit and the next sample.
      }
    }
  };
  const timer = setInterval(sample, 1000);
  return () => {
    sample();
    clearInterval(timer);
  };
}

async function scrape(daemon) {
  const response = await fetch(`http://127.0.0.1:${daemon.port}/metrics`, { signal: AbortSignal.timeout(3000) });
  const text = await response.text();
  const match = /^nomaflow_state_statements_total (\S+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Every 5 s: each live daemon's statements so far (a killed one keeps its last reading). */
function scrapeStatements() {
  const pass = () =>
    Promise.all(
      [...live].map(async (daemon) => {
        try {
          daemon.statements = (await scrape(daemon)) ?? daemon.statements;
        } catch {
          // Starting, or just killed.
        }
      }),
    );
  const timer = setInterval(pass, 5000);
  return async () => {
    clearInterval(timer);
    await pass();
  };
}

// ---------------------------------------------------------------------------------------------
// Run logs

/** Every run log of a runs dir: its run_started, its final event if any. A line cut by SIGKILL is skipped. */
function readRuns(root, host) {
  const runsDir = join(root, "runs");
  const runs = [];
  let entries;
  try {
    entries = readdirSync(runsDir, { withFileTypes: true });
  } catch {
    return runs;
  }
  for (const entry of entries.filter((item) => item.isDirectory() && !item.name.startsWith("."))) {
    for (const file of readdirSync(join(runsDir, entry.name)).filter((name) => name.endsWith(".ndjson"))) {
      const events = [];
      for (const line of readFileSync(join(runsDir, entry.name, file), "utf8").split("\n")) {
        if (line === "") continue;
        try {
          events.push(JSON.parse(line));
        } catch {
          // The last line of a run whose daemon was killed while writing it.
        }
      }
      const started = events.find((event) => event.event === "run_started");
      const final = events.find((event) => FINAL_EVENTS.has(event.event));
      runs.push({
        host,
        runId: file.slice(0, -".ndjson".length),
        jobId: entry.name,
        started,
        startedMs: started && Date.parse(started.ts),
        scheduledMs: started?.scheduled_for ? Date.parse(started.scheduled_for) : undefined,
        final,
      });
    }
  }
  return runs;
}

const fireKey = (jobId, ms) => `${jobId} ${Math.round(ms)}`;

/**
 * Each fire time's p99 lateness, in order; * where a daemon had been killed less than a lease and a
 * heartbeat before: the others may not have found it dead yet, and its share waits their hand-off.
 */
function latenessByFire(runs, kills) {
  const byFire = new Map();
  for (const run of runs.filter((item) => item.started?.trigger === "schedule")) {
    byFire.set(run.scheduledMs, [...(byFire.get(run.scheduledMs) ?? []), run.startedMs - run.scheduledMs]);
  }
  return [...byFire.keys()]
    .sort((a, b) => a - b)
    .map((at) => {
      const killed = kills.some((kill) => kill.at < at && at - kill.at <= (LEASE_SECONDS + HEARTBEAT_SECONDS) * 1000);
      return `${percentile(sortNumbers(byFire.get(at)), 0.99)}${killed ? "*" : ""}`;
    })
    .join(" / ");
}

function lateness(runs) {
  return sortNumbers(runs.filter((run) => run.started?.trigger === "schedule").map((run) => run.startedMs - run.scheduledMs));
}

// ---------------------------------------------------------------------------------------------
// (0) The baseline: one daemon, local files.

let baseline;
async function runBaseline() {
  const root = writeProject("baseline", `*/${EVERY_SECONDS} * * * * *`, undefined);
  const daemon = await startDaemon("baseline", root, { http: false });
  const stopSampling = sampleRss();
  try {
    await untilStarted(daemon);
    const deadline = Date.now() + (baselineRounds + 2) * EVERY_SECONDS * 1000;
    while ((daemon.events.get("run_finished") ?? 0) < baselineRounds * jobs && Date.now() < deadline) await sleep(250);
  } finally {
    stopSampling();
    await stopDaemon(daemon);
  }
  const runs = readRuns(root, 0);
  baseline = { lateness: lateness(runs), peakMb: daemon.peakKb / 1024 };
  rmSync(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// (1) Three daemons under kills.

async function runCluster(database) {
  const roots = Array.from({ length: DAEMONS }, (_, host) => writeProject(`host-${host + 1}`, `*/${EVERY_SECONDS} * * * * *`, database.url));
  const incarnations = [];
  const hosts = roots.map(() => ({ starts: 0, current: undefined }));
  const launch = async (host) => {
    const label = `d${host + 1}#${++hosts[host].starts}`;
    const daemon = await startDaemon(label, roots[host]);
    daemon.host = host;
    hosts[host].current = daemon;
    incarnations.push(daemon);
    return daemon;
  };
  const stopSampling = sampleRss();
  const stopScraping = scrapeStatements();
  const kills = [];
  let commitsBefore;
  let busyStart;
  let stopAt;
  try {
    const first = await Promise.all(roots.map((_, host) => launch(host)));
    await Promise.all(first.map((daemon) => untilStarted(daemon)));
    busyStart = Date.now();
    commitsBefore = await committed(database);
    const killPhaseEnd = busyStart + benchSeconds * 1000;
    const period = EVERY_SECONDS * 1000;
    let nextKill = Math.ceil((busyStart + killEvery * 1000) / period) * period + killOffsetMs;
    for (let index = 0; nextKill < killPhaseEnd; index++, nextKill += killEvery * 1000) {
      await sleep(nextKill - Date.now());
      const host = index % DAEMONS;
      const victim = hosts[host].current;
      victim.killedAt = Date.now();
      victim.child.kill("SIGKILL");
      await victim.exited;
      kills.push({ at: victim.killedAt, victim });
      const next = await launch(host);
      next.started.catch(() => {});
      process.stderr.write(`kill ${kills.length}: ${victim.label} at ${iso(victim.killedAt)}; ${next.label} starting\n`);
    }
    await sleep(Math.max(0, killPhaseEnd - Date.now()) + TAIL_SECONDS * 1000);
    stopAt = Date.now();
  } finally {
    await Promise.all([...live].map((daemon) => stopDaemon(daemon)));
    stopSampling();
    await stopScraping();
  }
  const busyEnd = Date.now();
  const commits = (await committed(database)) - commitsBefore;

  const store = await withClient(database.url, async (client) => {
    const fires = await client.query(
      `select job_id, (extract(epoch from scheduled_for) * 1000)::float8 as at, daemon_id,
              (extract(epoch from claimed_at) * 1000)::float8 as claimed_at from nomaflow.fires`,
    );
    const daemons = await client.query("select id, pid from nomaflow.daemons");
    const runs = await client.query(
      "select run_id, job_id, daemon_id, scheduled_for, status, recovery_of, (extract(epoch from abandoned_at) * 1000)::float8 as abandoned_at from nomaflow.runs",
    );
    const events = await client.query("select count(*)::int as n from nomaflow.run_events");
    return { fires: fires.rows, daemons: daemons.rows, runs: runs.rows, events: events.rows[0].n };
  });
  const runs = roots.flatMap((root, host) => readRuns(root, host));
  return analyse({ incarnations, kills, store, runs, stopAt, busyStart, busyEnd, commits });
}

function analyse({ incarnations, kills, store, runs, stopAt, busyStart, busyEnd, commits }) {
  const byPid = new Map(incarnations.map((daemon) => [daemon.pid, daemon]));
  const byDaemonId = new Map(store.daemons.map((row) => [row.id, byPid.get(row.pid)]));
  const storeRuns = new Map(store.runs.map((row) => [row.run_id, row]));
  const storeRunsByFire = new Set(store.runs.filter((row) => row.scheduled_for).map((row) => fireKey(row.job_id, Date.parse(row.scheduled_for))));
  const logRuns = new Map(runs.map((run) => [run.runId, run]));
  /** The daemon process that ran a run: from its log, else from its row in the store. */
  const incarnationOf = (runId) => {
    const run = logRuns.get(runId);
    if (run?.started) return byPid.get(run.started.pid);
    const row = storeRuns.get(runId);
    return row && byDaemonId.get(row.daemon_id);
  };
  const nearestKill = (ms) => kills.reduce((best, kill) => (best === undefined || Math.abs(kill.at - ms) < Math.abs(best.at - ms) ? kill : best), undefined);
  const kept = (event) => incarnations.flatMap((daemon) => daemon.kept.filter((line) => line.event === event).map((line) => ({ ...line, daemon })));
  const skips = new Map(kept("skipped").map((line) => [fireKey(line.job, Date.parse(line.scheduled_for)), line]));

  // Fires: expected, claimed, started, doubled, lost.
  const claims = new Map(store.fires.map((row) => [fireKey(row.job_id, row.at), row]));
  const windowStart = store.fires.reduce((min, row) => Math.min(min, row.at), Infinity);
  const windowEnd = stopAt - MARGIN_MS;
  const fireTimes = [];
  for (let at = windowStart; at <= windowEnd; at += EVERY_SECONDS * 1000) fireTimes.push(at);
  const scheduled = new Map();
  const recoveredFires = new Map();
  for (const run of runs.filter((item) => item.started)) {
    const key = fireKey(run.jobId, run.scheduledMs);
    const into = run.started.trigger === "recovery" ? recoveredFires : scheduled;
    into.set(key, [...(into.get(key) ?? []), run]);
  }
  const doubled = [...scheduled.entries()].filter(([, list]) => list.length > 1);
  let expected = 0;
  let claimedInWindow = 0;
  let startedInWindow = 0;
  let coveredByRecovery = 0;
  const lost = [];
  for (let index = 0; index < jobs; index++) {
    const jobId = `job-${String(index).padStart(4, "0")}`;
    for (const at of fireTimes) {
      expected++;
      const key = fireKey(jobId, at);
      const claim = claims.get(key);
      if (claim) claimedInWindow++;
      if (scheduled.has(key)) {
        startedInWindow++;
        continue;
      }
      if (recoveredFires.has(key)) {
        coveredByRecovery++;
        continue;
      }
      const claimer = claim && byDaemonId.get(claim.daemon_id);
      const fire = { jobId, at, claim, claimer, kill: nearestKill(at), why: claim ? "claimed, never run" : "never claimed", inWindow: false };
      const skip = skips.get(key);
      if (skip) {
        // The lock's run may have left no trace (killed between its lock and its start): then the
        // holder is taken to be the daemon that claimed the job's fire before.
        const known = incarnationOf(skip.running);
        const previous = claims.get(fireKey(jobId, at - EVERY_SECONDS * 1000));
        const holder = known ?? (previous && byDaemonId.get(previous.daemon_id));
        const holderRun = logRuns.get(skip.running);
        const state = holderRun?.final
          ? `ended ${secs(holder?.killedAt - Date.parse(holderRun.final.ts))} before the kill`
          : holderRun?.started
            ? "unfinished at the kill"
            : "never started";
        const killedAt = holder?.killedAt;
        fire.inWindow = killedAt !== undefined && at >= killedAt - 1000 && at <= killedAt + (LEASE_SECONDS + 2 * HEARTBEAT_SECONDS) * 1000;
        fire.why =
          killedAt === undefined
            ? `skipped by ${skip.daemon.label}: its forbid lock held by run ${skip.running} of ${holder?.label ?? "an unknown daemon"}, not killed`
            : `skipped by ${skip.daemon.label}: its forbid lock held by ${holder.label}${known ? "" : " (inferred)"}, killed ${secs(at - killedAt)} before the fire time; that run ${state}`;
      } else if (claimer?.killedAt !== undefined && claim.claimed_at <= claimer.killedAt && claimer.killedAt - claim.claimed_at <= IN_FLIGHT_MS) {
        fire.why = `claimed by ${claimer.label} ${secs(claimer.killedAt - claim.claimed_at)} before its kill, never run${storeRunsByFire.has(key) ? "" : " (no runs row in the store: nothing can rerun it)"}`;
        fire.inWindow = true;
      } else if (claim) {
        fire.why = `claimed by ${claimer?.label ?? claim.daemon_id} ${signed(claim.claimed_at - at)} after the fire time, never run`;
      }
      lost.push(fire);
    }
  }
  const triggers = (trigger) => runs.filter((run) => run.started?.trigger === trigger).length;

  // Kills: the runs each left unfinished; every rerun, what it reran and how long after the kill.
  const recoveries = runs.filter((run) => run.started?.trigger === "recovery");
  const recoveryCount = new Map();
  for (const run of recoveries) recoveryCount.set(run.started.recovery_of, (recoveryCount.get(run.started.recovery_of) ?? 0) + 1);
  const unfinished = runs.filter((run) => run.started && !run.final && byPid.get(run.started.pid)?.killedAt !== undefined);
  const abandonedScheduled = unfinished.filter((run) => run.started.trigger !== "recovery");
  const reruns = { unfinished: [], ended: [], endedBeforeKill: [], noLog: [], notKilled: 0 };
  for (const run of recoveries) {
    const target = logRuns.get(run.started.recovery_of);
    const killedAt = incarnationOf(run.started.recovery_of)?.killedAt;
    if (killedAt === undefined) reruns.notKilled++;
    else (target?.final ? reruns.ended : target?.started ? reruns.unfinished : reruns.noLog).push(run.startedMs - killedAt);
    // How long before the kill a rerun run had ended: the moment in which the store had not heard of its end yet.
    if (killedAt !== undefined && target?.final) reruns.endedBeforeKill.push(killedAt - Date.parse(target.final.ts));
  }
  const recoverySkipped = new Map(kept("recovery_skipped").map((line) => [line.abandoned, line]));
  const notRecovered = abandonedScheduled
    .filter((run) => !recoveryCount.has(run.runId))
    .map((run) => ({ run, skip: recoverySkipped.get(run.runId), store: storeRuns.get(run.runId) }));
  const doubleRecoveries = [...recoveryCount.values()].filter((count) => count > 1).length;
  const storeStatus = new Map();
  for (const row of store.runs) storeStatus.set(row.status, (storeStatus.get(row.status) ?? 0) + 1);
  const restartDelays = sortNumbers(
    incarnations.filter((daemon) => !daemon.label.endsWith("#1") && daemon.startedAt).map((daemon) => daemon.startedAt - daemon.spawnedAt),
  );

  const lifetimeSeconds = incarnations.reduce((sum, daemon) => sum + ((daemon.killedAt ?? busyEnd) - Math.max(daemon.spawnedAt, busyStart)) / 1000, 0);
  const statements = incarnations.reduce((sum, daemon) => sum + (daemon.statements ?? 0), 0);
  const problems = new Map();
  for (const daemon of incarnations) {
    for (const line of daemon.problems) problems.set(line.event, [...(problems.get(line.event) ?? []), { daemon: daemon.label, line }]);
  }
  const problemCounts = new Map();
  for (const daemon of incarnations) {
    for (const [event, count] of daemon.events) if (problems.has(event)) problemCounts.set(event, (problemCounts.get(event) ?? 0) + count);
  }

  return {
    incarnations,
    kills,
    fireRounds: fireTimes.length,
    windowStart,
    windowEnd,
    expected,
    claimsTotal: store.fires.length,
    claimedInWindow,
    startedInWindow,
    coveredByRecovery,
    schedule: triggers("schedule"),
    catchup: triggers("catchup"),
    recovery: recoveries.length,
    runLogsWithoutStart: runs.filter((run) => !run.started).length,
    doubled,
    doubleRecoveries,
    lost,
    abandonedScheduled: abandonedScheduled.length,
    abandonedRecoveries: unfinished.length - abandonedScheduled.length,
    reruns: {
      ...reruns,
      unfinished: sortNumbers(reruns.unfinished),
      ended: sortNumbers(reruns.ended),
      endedBeforeKill: sortNumbers(reruns.endedBeforeKill),
      noLog: sortNumbers(reruns.noLog),
    },
    allRerunDelays: sortNumbers([...reruns.unfinished, ...reruns.ended, ...reruns.noLog]),
    notRecovered,
    storeStatus,
    storeEvents: store.events,
    lateness: lateness(runs),
    latenessByFire: latenessByFire(runs, kills),
    restartDelays,
    statementsPerSecond: statements / lifetimeSeconds,
    commitsPerSecond: commits / ((busyEnd - busyStart) / 1000) / DAEMONS,
    problems,
    problemCounts,
    peakMb: Array.from({ length: DAEMONS }, (_, host) =>
      incarnations.filter((daemon) => daemon.host === host).reduce((max, daemon) => Math.max(max, daemon.peakKb / 1024), 0),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// (2) Three idle daemons.

async function runIdle(database) {
  const minute = (new Date().getUTCMinutes() + 30) % 60;
  const roots = Array.from({ length: DAEMONS }, (_, host) => writeProject(`idle-${host + 1}`, `${minute} * * * *`, database.url));
  const daemons = [];
  const stopSampling = sampleRss();
  try {
    for (const [host, root] of roots.entries()) daemons.push(await startDaemon(`idle${host + 1}`, root));
    await Promise.all(daemons.map((daemon) => untilStarted(daemon)));
    await sleep(IDLE_SETTLE_MS);
    const before = { at: performance.now(), commits: await committed(database), statements: await Promise.all(daemons.map(scrape)) };
    await sleep(idleSeconds * 1000);
    const after = { at: performance.now(), commits: await committed(database), statements: await Promise.all(daemons.map(scrape)) };
    const span = (after.at - before.at) / 1000;
    return {
      perDaemon: daemons.map((_, index) => (after.statements[index] - before.statements[index]) / span),
      commitsPerDaemon: (after.commits - before.commits) / span / DAEMONS,
      peakMb: daemons.map((daemon) => daemon.peakKb / 1024),
    };
  } finally {
    stopSampling();
    await Promise.all(daemons.map((daemon) => stopDaemon(daemon)));
  }
}

// ---------------------------------------------------------------------------------------------

const databases = [];
let cluster;
let idle;
try {
  if (baselineRounds > 0) {
    process.stderr.write(`baseline: one daemon, local files, ${baselineRounds} fires of ${jobs} jobs\n`);
    await runBaseline();
  }
  process.stderr.write(
    `cluster: ${DAEMONS} daemons, ${jobs} jobs every ${EVERY_SECONDS} s, a kill every ${killEvery} s for ${benchSeconds} s (+${TAIL_SECONDS} s)\n`,
  );
  const busyDb = await createBenchDatabase("cluster");
  databases.push(busyDb);
  cluster = await runCluster(busyDb);
  process.stderr.write(`idle: ${DAEMONS} daemons, ${jobs} hourly jobs, ${idleSeconds} s\n`);
  const idleDb = await createBenchDatabase("idle");
  databases.push(idleDb);
  idle = await runIdle(idleDb);
} finally {
  for (const daemon of live) daemon.child.kill("SIGKILL");
  for (const database of databases) await dropBenchDatabase(database).catch((error) => console.log(`could not drop ${database.name}: ${error.message}`));
  if (keep) console.log(`kept the projects and the daemons' logs in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

const c = cluster;
const killsPerHost = Array.from({ length: DAEMONS }, (_, host) => c.kills.filter((kill) => kill.victim.host === host).length);
const lostBeyond = c.lost.filter((fire) => !fire.inWindow);
const lateP99 = percentile(c.lateness, 0.99);
const rerunMax = c.allRerunDelays.at(-1);
const idleMax = Math.max(...idle.perDaemon);
const peak = Math.max(...c.peakMb, ...idle.peakMb);
const delays = (sorted) => `${seconds(percentile(sorted, 0.5))} / ${seconds(sorted.at(-1))} (${sorted.length})`;
const base = (value) => (baseline ? value : "");
printTable(
  `${DAEMONS} nomaflow daemons on one PostgreSQL store, ${jobs} jobs (concurrency: ${concurrency}) every ${EVERY_SECONDS} s, SIGKILL of one every ${killEvery} s for ${benchSeconds} s (then ${TAIL_SECONDS} s without); idle: ${jobs} hourly jobs over ${idleSeconds} s`,
  ["measure", `${DAEMONS} daemons, one store`, "baseline: 1 daemon, local files", "goal"],
  [
    [`scheduled fires expected (${jobs} jobs x ${c.fireRounds} fire times, ${iso(c.windowStart)} .. ${iso(c.windowEnd)})`, c.expected, "", ""],
    ["fires claimed in the store (fires rows: in that window / all)", `${c.claimedInWindow} / ${c.claimsTotal}`, "", ""],
    [
      "fires run (run_started, trigger schedule or catchup, in the window)",
      `${c.startedInWindow} (+ ${c.coveredByRecovery} run only by a recovery run)`,
      "",
      "",
    ],
    ["run logs: schedule / catchup / recovery (no run_started)", `${c.schedule} / ${c.catchup} / ${c.recovery} (${c.runLogsWithoutStart})`, "", ""],
    ["doubled: a (job, scheduled_for) with two schedule/catchup runs", c.doubled.length, "", `0: ${met(c.doubled.length === 0)}`],
    ["an abandoned run rerun twice", c.doubleRecoveries, "", `0: ${met(c.doubleRecoveries === 0)}`],
    [
      "lost in the failover window: claimed <= 5 s before its claimer's kill / skipped for a killed daemon's forbid lock",
      `${c.lost.filter((fire) => fire.inWindow && fire.why.startsWith("claimed")).length} / ${c.lost.filter((fire) => fire.inWindow && fire.why.startsWith("skipped")).length}`,
      "",
      "",
    ],
    [
      "lost beyond it: never claimed / claimed, never run",
      `${lostBeyond.filter((fire) => !fire.claim).length} / ${lostBeyond.filter((fire) => fire.claim).length}`,
      "",
      `0: ${met(lostBeyond.length === 0)}`,
    ],
    [
      "kills (SIGKILL, restarted at once), per daemon; restart to daemon_started p50 / max",
      `${c.kills.length}: ${killsPerHost.join(" / ")}; ${seconds(percentile(c.restartDelays, 0.5))} / ${seconds(c.restartDelays.at(-1))}`,
      "",
      "",
    ],
    [
      "runs a kill left unfinished (run logs): scheduled / recovery runs (not rerun again, by design)",
      `${c.abandonedScheduled} / ${c.abandonedRecoveries}`,
      "",
      "",
    ],
    [
      "  rerun (a run with trigger recovery, recovery_of it) / not rerun",
      `${c.abandonedScheduled - c.notRecovered.length} / ${c.notRecovered.length}`,
      "",
      `all: ${met(c.notRecovered.length === 0)}`,
    ],
    ["kill to the recovery run started, p50 / max (count): of runs unfinished at the kill", delays(c.reruns.unfinished), "", ""],
    ["  of runs that left no log (killed before it was written)", delays(c.reruns.noLog), "", ""],
    ["  of runs whose log had ended before the kill (the store still said running)", delays(c.reruns.ended), "", ""],
    [
      "    how long before the kill those runs had ended, p50 / max (the store not yet told of their end)",
      c.reruns.endedBeforeKill.length === 0 ? "none" : `${millis(percentile(c.reruns.endedBeforeKill, 0.5))} / ${millis(c.reruns.endedBeforeKill.at(-1))}`,
      "",
      "",
    ],
    ["  every rerun", delays(c.allRerunDelays), "", `max < 30 s: ${met(rerunMax < 30_000)}`],
    ["reruns of runs of a daemon that was not killed", c.reruns.notKilled, "", ""],
    [
      "runs rows in the store by status; run_events rows",
      `${[...c.storeStatus.entries()].map(([status, count]) => `${status} ${count}`).join(", ")}; ${c.storeEvents}`,
      "",
      "",
    ],
    [
      "fire lateness p50 / p99 / max (run_started.ts - scheduled_for, trigger schedule)",
      `${millis(percentile(c.lateness, 0.5))} / ${millis(lateP99)} / ${millis(c.lateness.at(-1))} (${c.lateness.length} fires)`,
      base(
        `${millis(percentile(baseline?.lateness ?? [], 0.5))} / ${millis(percentile(baseline?.lateness ?? [], 0.99))} / ${millis(baseline?.lateness.at(-1))} (${baseline?.lateness.length} fires)`,
      ),
      `p99 < 500 ms: ${met(lateP99 < 500)}`,
    ],
    [`  p99 of each fire time, in order, ms (*: a kill < ${LEASE_SECONDS + HEARTBEAT_SECONDS} s before)`, c.latenessByFire, "", ""],
    [
      "statements per second per daemon while busy (/metrics; store commits per daemon beside)",
      `${c.statementsPerSecond.toFixed(1)} (${c.commitsPerSecond.toFixed(1)})`,
      "",
      "",
    ],
    [
      `statements per second per idle daemon, each (${jobs} hourly jobs; store commits per daemon beside)`,
      `${idle.perDaemon.map((value) => value.toFixed(2)).join(" / ")} (${idle.commitsPerDaemon.toFixed(2)})`,
      "",
      `< 1: ${met(idleMax < 1)}`,
    ],
    [
      "peak RSS of each host's daemons, busy (idle)",
      `${c.peakMb.map((value) => value.toFixed(0)).join(" / ")} MB (${idle.peakMb.map((value) => value.toFixed(0)).join(" / ")} MB)`,
      base(`${baseline?.peakMb.toFixed(0)} MB`),
      `< 150 MB: ${met(peak < 150)}`,
    ],
    [
      "daemon log warnings and errors, by event (all incarnations)",
      [...c.problemCounts.entries()].map(([event, count]) => `${event} ${count}`).join(", ") || "none",
      "",
      "",
    ],
  ],
);

const LIST = 20;
const listed = (title, items, line) => {
  if (items.length === 0) return;
  console.log(`\n${title} (${items.length}):`);
  for (const item of items.slice(0, LIST)) console.log(`- ${line(item)}`);
  if (items.length > LIST) console.log(`- and ${items.length - LIST} more`);
};
const killNote = (fire) => (fire.kill ? `; nearest kill: ${fire.kill.victim.label} at ${signed(fire.kill.at - fire.at)} from the fire time` : "");
listed("lost fires beyond the failover window", lostBeyond, (fire) => `${fire.jobId} ${iso(fire.at)}: ${fire.why}${killNote(fire)}`);
listed(
  "lost fires in the failover window",
  c.lost.filter((fire) => fire.inWindow),
  (fire) => `${fire.jobId} ${iso(fire.at)}: ${fire.why}`,
);
listed("doubled fires", c.doubled, ([key, list]) => `${key}: ${list.map((run) => `${run.runId} (${run.started.trigger}, host ${run.host + 1})`).join(", ")}`);
listed("runs a kill left unfinished, never rerun", c.notRecovered, ({ run, skip, store }) => {
  const killedAt = c.incarnations.find((daemon) => daemon.pid === run.started.pid)?.killedAt;
  const why = skip ? `recovery_skipped (${skip.reason}, running ${skip.running})` : `store: ${store ? store.status : "no runs row"}`;
  return `${run.jobId} ${run.runId} (${run.started.trigger} ${run.started.scheduled_for}), started ${signed(run.startedMs - killedAt)} from the kill: ${why}`;
});
listed(
  "daemon log warnings and errors, the first of each event",
  [...c.problems.entries()],
  ([event, list]) => `${event} (${list[0].daemon}): ${JSON.stringify(list[0].line).slice(0, 300)}`,
);
