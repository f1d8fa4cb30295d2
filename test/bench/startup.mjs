// Start-up benchmark: `nomaflow --version` and `nomaflow validate` on the example project,
// beside `node -e 0` in the same run. Goal: under 150 ms wall each. Run `npm run build` first.
import { fileURLToPath } from "node:url";
import { printTable, timeCommand } from "./benchUtil.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/nomaflow", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 20);
const env = { ...process.env, NO_COLOR: "1" };

const cases = [
  ["node -e 0 (baseline)", process.execPath, ["-e", "0"], null],
  ["nomaflow --version", process.execPath, [bin, "--version"], 150],
  ["nomaflow validate (example project)", process.execPath, [bin, "validate"], 150],
];
const rows = cases.map(([name, command, args, goal]) => {
  const { median, p90 } = timeCommand(command, args, { runs, cwd: root, env });
  return [name, median.toFixed(1), p90.toFixed(1), goal === null ? "" : `< ${goal} ms: ${median < goal ? "met" : "NOT met"}`];
});
printTable(`Start-up, ${runs} runs each (Node ${process.version}, ${new Date().toISOString().slice(0, 10)})`, ["command", "median ms", "p90 ms", "goal"], rows);
