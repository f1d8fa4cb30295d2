// The daemon at scale. (1) 1,000 jobs on one seconds-field schedule fire together, each running one
// step that does nothing (a `node` plugin function returning {}; BENCH_STEP=http: a GET to a local
// server answering 204); lateness is read from the run logs (run_started.ts minus scheduled_for). Goals: p99 lateness < 250 ms, peak RSS < 150 MB. (2) 1,000
// hourly jobs, none due, for BENCH_IDLE_SECONDS (default 60): the daemon's CPU from
// /proc/<pid>/stat (utime + stime). Goal: < 1 %. The baseline is an empty Node process with one
// timer, measured over the same window; for lateness, the same 1,000 runs started back to back by
// startRun in a bare process (no scheduler): the runner's own floor. BENCH_CONSOLE=1: the daemons
// serve --http 127.0.0.1:0 and a visitor keeps the console's catalogue open (the page, then
// api/jobs every 2 s as the page polls), so that the console's cost to firing and idling shows.
// Run `npm run build` first.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, startNoContentServer } from "./benchUtil.mjs";

const jobs = Number(process.env.BENCH_JOBS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const everySeconds = 15;
const stepKind = process.env.BENCH_STEP ?? "node";
const withConsole = process.env.BENCH_CONSOLE === "1";
const consoleArgs = withConsole ? ["--http", "127.0.0.1:0"] : [];
// The daemon is started as its systemd unit starts it; BENCH_NODE_FLAGS="" (or other flags) to compare.
const { DAEMON_NODE_FLAGS } = await import(new URL("../../dist/daemon/daemonNodeFlags.js", import.meta.url).href);
const nodeFlags = process.env.BENCH_NODE_FLAGS === undefined ? DAEMON_NODE_FLAGS : process.env.BENCH_NODE_FLAGS.split(" ").filter(Boolean);
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

const { server, origin } = await startNoContentServer();
const url = `${origin}/ping`;

function makeProject(cron) {
  const root = mkdtempSync(join(tmpdir(), "nomaflow-bench-daemon-"));
  mkdirSync(join(root, "jobs"));
  mkdirSync(join(root, "plugins"));
  writeFileSync(join(root, "nomaflow.yaml"), "runs_dir: runs\n");
  writeFileSync(join(root, "plugins", "noop.mjs"), "export function noop() {\n  return {};\n}\n");
  const step = stepKind === "http" ? `{ name: ping, type: http, url: "${url}" }` : "{ name: noop, type: node, callable: noop.mjs:noop }";
  for (let index = 0; index < jobs; index++) {
    const id = `job-${String(index).padStart(4, "0")}`;
    writeFileSync(join(root, "jobs", `${id}.yaml`), `id: ${id}\nschedule: { cron: "${cron}", timezone: Europe/Paris }\nsteps:\n  - ${step}\n`);
  }
  return root;
}

/** Starts a process and counts the lines of its stdout and stderr. */
function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  const state = { child, lines: 0, text: "", waiters: [] };
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      state.lines += chunk.split("\n").length - 1;
      if (state.text.length < 1_000_000) state.text += chunk;
      for (const waiter of [...state.waiters]) waiter();
    });
  }
  state.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  state.until = (condition, timeoutMs) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!condition(state)) return;
        state.waiters = state.waiters.filter((waiter) => waiter !== check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => reject(new Error(`timed out; output so far:\n${state.text.slice(-3000)}`)), timeoutMs);
      state.waiters.push(check);
      check();
    });
  return state;
}

const procStatus = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted, fraction) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];

/** A visitor with the catalogue open: the page, then api/jobs every 2 s (with its ETag, as the page does). */
function openConsole(daemon) {
  if (!withConsole) return () => undefined;
  const url = /http=(\S+)/.exec(daemon.text)?.[1];
  if (url === undefined) throw new Error(`the daemon did not say where it serves HTTP:\n${daemon.text.slice(-2000)}`);
  let etag;
  let stopped = false;
  const poll = async () => {
    await fetch(`${url}/`).then((response) => response.text());
    while (!stopped) {
      const response = await fetch(`${url}/api/jobs`, { headers: etag ? { "If-None-Match": etag } : {} });
      if (response.status !== 200 && response.status !== 304) throw new Error(`api/jobs answered ${response.status}`);
      etag = response.headers.get("etag") ?? etag;
      await response.arrayBuffer();
      await sleep(2000);
    }
  };
  const polling = poll();
  return () => {
    stopped = true;
    return polling;
  };
}

async function stop(daemon) {
  daemon.child.kill("SIGTERM");
  const code = await daemon.exited;
  if (code !== 0) throw new Error(`the daemon exited ${code}:\n${daemon.text.slice(-3000)}`);
}

// (1) 1,000 jobs firing together.
const busyRoot = makeProject(`*/${everySeconds} * * * * *`);
const lateness = [];
// When the work begins: the first step_started (the run log exists by then; it is created in the background).
const stepLateness = [];
const byRound = new Map();
let busyPeakRss;
let busyAfterRss;
try {
  const daemon = start(process.execPath, [...nodeFlags, bin, "daemon", "-C", busyRoot, "--grace", "10", ...consoleArgs]);
  await daemon.until((state) => state.text.includes("daemon_started"), 60_000);
  const closeConsole = openConsole(daemon);
  // Each round logs a fired and a run_finished line per job.
  await daemon.until((state) => state.lines >= 1 + rounds * 2 * jobs, (rounds + 2) * everySeconds * 1000);
  busyPeakRss = procStatus(daemon.child.pid, "VmHWM");
  // Once the last runs are over and the next fire is seconds away, the daemon gives memory back.
  await sleep(4000);
  busyAfterRss = procStatus(daemon.child.pid, "VmRSS");
  await closeConsole();
  await stop(daemon);
  for (const job of readdirSync(join(busyRoot, "runs")).filter((name) => !name.startsWith("."))) {
    for (const file of readdirSync(join(busyRoot, "runs", job))) {
      const events = readFileSync(join(busyRoot, "runs", job, file), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      const started = events[0];
      if (events.at(-1).event !== "run_succeeded") throw new Error(`run ${file} of ${job} ended with ${events.at(-1).event}`);
      // A caught-up fire (the daemon started just after a fire time) is not a lateness sample.
      if (started.trigger !== "schedule") continue;
      const late = Date.parse(started.ts) - Date.parse(started.scheduled_for);
      lateness.push(late);
      const firstStep = events.find((event) => event.event === "step_started");
      stepLateness.push(Date.parse(firstStep.ts) - Date.parse(started.scheduled_for));
      byRound.set(started.scheduled_for, [...(byRound.get(started.scheduled_for) ?? []), late]);
    }
  }
} finally {
  rmSync(busyRoot, { recursive: true, force: true });
}
lateness.sort((a, b) => a - b);
stepLateness.sort((a, b) => a - b);

// The floor: the same 1,000 runs started back to back by startRun in a bare process, no daemon;
// each run's start offset is when its run_started was written, from the first one's start.
const floorRoot = makeProject("0 0 1 1 *");
const floorScript = `
const { loadProject } = await import(${JSON.stringify(new URL("../../dist/project/loadProject.js", import.meta.url).href)});
const { checkProject } = await import(${JSON.stringify(new URL("../../dist/validate/checkProject.js", import.meta.url).href)});
const { startRun } = await import(${JSON.stringify(new URL("../../dist/runner/startRun.js", import.meta.url).href)});
const project = loadProject({ projectDir: ${JSON.stringify(floorRoot)} });
const jobs = [...(await checkProject(project)).jobs.values()];
const offsets = [];
for (let round = 0; round < ${rounds}; round++) {
  const started = performance.now();
  const handles = jobs.map((job) => startRun({ project, job, params: {}, trigger: "schedule", scheduledFor: null, openLogInBackground: true, onEvent: (event) => event.event === "run_started" && offsets.push(performance.now() - started) }));
  await Promise.all(handles.map((handle) => handle.result));
}
process.stdout.write(JSON.stringify(offsets));
`;
let floor;
try {
  const child = start(process.execPath, ["--input-type=module", "-e", floorScript]);
  if ((await child.exited) !== 0) throw new Error(`the floor script failed:\n${child.text}`);
  floor = JSON.parse(child.text).sort((a, b) => a - b);
} finally {
  rmSync(floorRoot, { recursive: true, force: true });
}

// (2) 1,000 hourly jobs, idle, beside an empty Node process.
const minute = (new Date().getMinutes() + 30) % 60;
const idleRoot = makeProject(`${minute} * * * *`);
let idle;
try {
  const daemon = start(process.execPath, [...nodeFlags, bin, "daemon", "-C", idleRoot, ...consoleArgs]);
  const baseline = start(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  await daemon.until((state) => state.text.includes("daemon_started"), 60_000);
  const closeConsole = openConsole(daemon);
  await sleep(5000); // start-up work (validation, first writes) is not idle time
  const before = { daemon: cpuTicks(daemon.child.pid), baseline: cpuTicks(baseline.child.pid), at: performance.now() };
  await sleep(idleSeconds * 1000);
  const seconds = (performance.now() - before.at) / 1000;
  idle = {
    daemonCpu: ((cpuTicks(daemon.child.pid) - before.daemon) / CLOCK_TICKS / seconds) * 100,
    baselineCpu: ((cpuTicks(baseline.child.pid) - before.baseline) / CLOCK_TICKS / seconds) * 100,
    daemonRss: procStatus(daemon.child.pid, "VmRSS"),
    daemonPeak: procStatus(daemon.child.pid, "VmHWM"),
    baselineRss: procStatus(baseline.child.pid, "VmRSS"),
  };
  baseline.child.kill("SIGTERM");
  await closeConsole();
  await stop(daemon);
} finally {
  server.close();
  rmSync(idleRoot, { recursive: true, force: true });
}

const met = (ok) => (ok ? "met" : "NOT met");
printTable(
  `nomaflow daemon${withConsole ? " with the console open (api/jobs every 2 s)" : ""}, ${jobs} jobs (${rounds} rounds of ${jobs} ${stepKind} steps fired together; idle over ${idleSeconds} s)`,
  ["measure", "daemon", "baseline", "goal"],
  [
    [
      "fire lateness p50 (run_started.ts - scheduled_for; baseline: startRun alone)",
      `${percentile(lateness, 0.5)} ms`,
      `${percentile(floor, 0.5).toFixed(0)} ms`,
      "",
    ],
    ["fire lateness p99", `${percentile(lateness, 0.99)} ms`, `${percentile(floor, 0.99).toFixed(0)} ms`, `< 250 ms: ${met(percentile(lateness, 0.99) < 250)}`],
    [
      "fire lateness p99 of each round, in order",
      [...byRound.keys()]
        .sort()
        .map(
          (round) =>
            `${percentile(
              byRound.get(round).sort((a, b) => a - b),
              0.99,
            )}`,
        )
        .join(" / ") + " ms",
      "",
      "",
    ],
    ["first step started p50 / p99 (work begins)", `${percentile(stepLateness, 0.5)} / ${percentile(stepLateness, 0.99)} ms`, "", ""],
    ["fire lateness max", `${lateness.at(-1)} ms (${lateness.length} fires)`, `${floor.at(-1).toFixed(0)} ms`, ""],
    ["peak RSS while firing", `${busyPeakRss.toFixed(1)} MB`, "", `< 150 MB: ${met(busyPeakRss < 150)}`],
    ["RSS 4 s after the last round (memory given back when idle)", `${busyAfterRss.toFixed(1)} MB`, "", ""],
    [
      `idle CPU, ${jobs.toLocaleString("en-US")} hourly jobs (baseline: empty node)`,
      `${idle.daemonCpu.toFixed(2)} %`,
      `${idle.baselineCpu.toFixed(2)} %`,
      `< 1 %: ${met(idle.daemonCpu < 1)}`,
    ],
    [
      "idle RSS, peak since start (baseline: empty node)",
      `${idle.daemonRss.toFixed(1)} MB (${idle.daemonPeak.toFixed(1)} MB)`,
      `${idle.baselineRss.toFixed(1)} MB`,
      "",
    ],
  ],
);
