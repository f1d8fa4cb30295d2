// Schedule computations the daemon, `list` and `validate` lean on, beside a plain loop over the
// same number of Date objects as a baseline. Run `npm run build` first.
import { dstAnomalies } from "../../dist/schedule/dstAnomalies.js";
import { nextFireTimes } from "../../dist/schedule/nextFireTimes.js";
import { parseCron } from "../../dist/schedule/parseCron.js";
import { printTable } from "./benchUtil.mjs";

function time(work) {
  const started = performance.now();
  const result = work();
  return { ms: performance.now() - started, result };
}

const from = Date.parse("2027-03-27T12:00:00+01:00");
const baseline = time(() => {
  let sum = 0;
  for (let index = 0; index < 100_000; index++) sum += new Date(from + index * 1000).getUTCSeconds();
  return sum;
});
const seconds = time(() => nextFireTimes(parseCron("* * * * * *"), "Europe/Paris", from, 100_000));
const leap = time(() => {
  const cron = parseCron("0 0 29 2 *");
  for (let year = 2001; year < 2101; year++) nextFireTimes(cron, "America/New_York", Date.UTC(year, 2, 1), 1);
});
const zones = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata", "UTC", "Europe/London", "America/Chicago"];
const expressions = ["0 2 * * *", "30 1 * * *", "*/15 * * * *", "0 * * * *", "15 2 * * 1-5", "0 0 1 * *", "* * * * *", "0 3 L * *"];
const anomalies = time(() => {
  const start = Date.parse("2026-11-28T12:00:00Z");
  for (let index = 0; index < 1000; index++) {
    dstAnomalies(
      parseCron(expressions[index % expressions.length]),
      zones[Math.floor(index / expressions.length) % zones.length],
      start,
      start + 365 * 86_400_000,
    );
  }
});
printTable(
  "Schedule computations (one process, cold)",
  ["work", "ms"],
  [
    ["baseline: 100,000 Date objects", baseline.ms.toFixed(1)],
    ["100,000 fires of * * * * * * across the Paris spring change", seconds.ms.toFixed(1)],
    ["next 29 February from 100 start years (New York)", leap.ms.toFixed(1)],
    ["dstAnomalies for 1,000 jobs over 12 months (8 zones)", anomalies.ms.toFixed(1)],
  ],
);
