// Runner overhead: a job of 200 http steps against a local server answering 204, beside the same
// 200 requests made by a bare undici loop in one process. Goals: overhead per step under 2 ms
// beyond the request itself, and the whole run's peak RSS under 100 MB. Run `npm run build` first.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, startNoContentServer } from "./benchUtil.mjs";

const steps = Number(process.env.BENCH_STEPS ?? 200);
const rounds = Number(process.env.BENCH_RUNS ?? 5);
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const undiciPath = fileURLToPath(new URL("../../node_modules/undici/index.js", import.meta.url));

const { server, origin } = await startNoContentServer();
const url = `${origin}/hook`;

const root = mkdtempSync(join(tmpdir(), "nomaflow-bench-run-"));
mkdirSync(join(root, "jobs"));
writeFileSync(join(root, "nomaflow.yaml"), "runs_dir: runs\n");
writeFileSync(
  join(root, "jobs", "bench.yaml"),
  `id: bench\nsteps:\n${Array.from({ length: steps }, (_, index) => `  - { name: s${index}, type: http, url: "${url}?step=${index}", method: POST, body: { n: ${index} } }`).join("\n")}\n`,
);

// The floor: the same requests, sequential, one keep-alive agent, no runner.
const floorScript = `
const { request } = require(${JSON.stringify(undiciPath)});
(async () => {
  const started = performance.now();
  for (let index = 0; index < ${steps}; index++) {
    const response = await request(${JSON.stringify(url)} + "?step=" + index, { method: "POST", body: JSON.stringify({ n: index }), headers: { "content-type": "application/json" } });
    await response.body.dump();
  }
  process.stdout.write(String(performance.now() - started));
})();
`;

// The server lives in this process, so children must be awaited, never waited for synchronously.
function runChild(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ours = [];
const floor = [];
const rss = [];
try {
  for (let round = 0; round < rounds; round++) {
    const measured = await runChild("/usr/bin/time", ["-f", "%M", process.execPath, bin, "run", "bench", "--json"], { cwd: root });
    if (measured.status !== 0) throw new Error(`nomaflow run failed: ${measured.stderr}`);
    const final = JSON.parse(measured.stdout.trimEnd().split("\n").at(-1));
    if (final.event !== "run_succeeded") throw new Error(`run ended with ${final.event}`);
    ours.push(final.duration_ms);
    rss.push(Number(measured.stderr.trim().split("\n").at(-1)) / 1024);
    const bare = await runChild(process.execPath, ["-e", floorScript]);
    floor.push(Number(bare.stdout));
  }
} finally {
  server.close();
  rmSync(root, { recursive: true, force: true });
}
const perStep = (median(ours) - median(floor)) / steps;
printTable(
  `${steps} http steps against a local 204 server, ${rounds} runs (medians)`,
  ["measure", "value", "goal"],
  [
    ["bare undici loop, same requests (floor)", `${median(floor).toFixed(1)} ms`, ""],
    ["nomaflow run, from run_started to run_succeeded", `${median(ours).toFixed(1)} ms`, ""],
    ["runner overhead per step", `${perStep.toFixed(3)} ms`, `< 2 ms: ${perStep < 2 ? "met" : "NOT met"}`],
    ["peak RSS of nomaflow run", `${median(rss).toFixed(1)} MB`, `< 100 MB: ${median(rss) < 100 ? "met" : "NOT met"}`],
  ],
);
