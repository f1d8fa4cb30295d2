import { describe, expect, it } from "vitest";
import { DaemonMetrics, QUEUE_WAIT_BUCKETS_SECONDS, RUN_DURATION_BUCKETS_SECONDS } from "../../src/daemon/metrics.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

/** Fails the test with `message` unless `condition` holds (cheaper than expect() for 25,000 lines). */
function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * Reads the text exposition format 0.0.4 back, strictly: every line a HELP, a TYPE or a sample;
 * HELP and TYPE once per family and before its samples; a family's samples together; label values
 * with only the three escapes the format allows.
 */
function parseExposition(text: string): Map<string, Family> {
  check(text.endsWith("\n"), "the text must end with a line feed");
  const families = new Map<string, Family>();
  const commentLine = new RegExp(`^# (HELP|TYPE) (${METRIC_NAME}) (.*)$`);
  let current: Family | undefined;
  const closed = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = commentLine.exec(line);
    if (comment) {
      const [, keyword, name, rest] = comment as unknown as [string, string, string, string];
      if (current && current.name !== name) closed.add(current.name);
      check(!closed.has(name), `${name} appears in two places`);
      current = families.get(name) ?? { name, help: "", type: "", samples: [] };
      families.set(name, current);
      if (keyword === "HELP") {
        check(current.help === "", `second HELP for ${name}`);
        current.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
      } else {
        check(current.type === "" && current.samples.length === 0, `second TYPE, or TYPE after samples, for ${name}`);
        check(["counter", "gauge", "histogram", "summary", "untyped"].includes(rest), `bad type ${rest}`);
        current.type = rest;
      }
      continue;
    }
    const sample = parseSample(line);
    check(current && current.type !== "", `sample before its TYPE: ${line}`);
    const suffixes = current.type === "histogram" ? ["_bucket", "_sum", "_count"] : [""];
    check(
      suffixes.some((suffix) => current!.name + suffix === sample.name),
      `sample ${sample.name} outside its family ${current.name}`,
    );
    current.samples.push(sample);
  }
  return families;
}

function parseSample(line: string): Sample {
  const head = new RegExp(`^(${METRIC_NAME})`).exec(line);
  check(head, `not a sample line: ${JSON.stringify(line)}`);
  const name = head[1]!;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    at++;
    while (line[at] !== "}") {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      check(label, `bad label in ${line}`);
      at += label[0].length;
      let value = "";
      for (;;) {
        const char = line[at++];
        check(char !== undefined, `unterminated label value in ${line}`);
        if (char === '"') break;
        if (char === "\\") {
          const escaped = line[at++];
          check(escaped === "\\" || escaped === '"' || escaped === "n", `bad escape in ${line}`);
          value += escaped === "n" ? "\n" : escaped;
        } else value += char;
      }
      check(labels[label[1]!] === undefined, `label ${label[1]} twice in ${line}`);
      labels[label[1]!] = value;
      if (line[at] === ",") at++;
    }
    at++;
  }
  check(line[at] === " ", `no space before the value in ${line}`);
  const value = line.slice(at + 1);
  check(VALUE.test(value), `bad value in ${line}`);
  return { name, labels, value: Number(value.replace("Inf", "Infinity")) };
}

function samplesOf(families: Map<string, Family>, family: string, name = family): Sample[] {
  return (families.get(family)?.samples ?? []).filter((sample) => sample.name === name);
}

function valueOf(families: Map<string, Family>, family: string, labels: Record<string, string>, name = family): number | undefined {
  return samplesOf(families, family, name).find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}

const T0 = Date.parse("2026-11-29T02:00:00Z");

describe("parseExposition (this test's reader)", () => {
  it("rejects what the format forbids, so that passing tests mean something", () => {
    const ok = '# HELP x_total Things.\n# TYPE x_total counter\nx_total{job="a"} 1\n';
    expect(parseExposition(ok).get("x_total")?.samples).toEqual([{ name: "x_total", labels: { job: "a" }, value: 1 }]);
    expect(() => parseExposition(ok.replace('"a"', '"a\\t"'))).toThrow(/bad escape/);
    expect(() => parseExposition("x_total 1\n")).toThrow(/before its TYPE/);
    expect(() => parseExposition(`${ok}# TYPE y gauge\ny 1\nx_total 2\n`)).toThrow(/outside its family/);
    expect(() => parseExposition(ok.replace(" 1\n", " one\n"))).toThrow(/bad value/);
    expect(() => parseExposition(ok.slice(0, -1))).toThrow(/line feed/);
  });
});

describe("DaemonMetrics.render", () => {
  it("writes the exposition format: HELP and TYPE for every family, names prefixed, one newline at the end", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.setNextFire("nightly-load", T0 + 60_000);
    metrics.runFinished("nightly-load", "succeeded", 1500, T0);
    metrics.fireSkipped("nightly-load");
    const families = parseExposition(metrics.render());
    const expected = {
      nomaflow_build_info: "gauge",
      nomaflow_daemon_uptime_seconds: "gauge",
      nomaflow_runs_total: "counter",
      nomaflow_run_duration_seconds: "histogram",
      nomaflow_last_success_timestamp_seconds: "gauge",
      nomaflow_next_fire_timestamp_seconds: "gauge",
      nomaflow_fires_skipped_total: "counter",
      nomaflow_fires_missed_total: "counter",
      nomaflow_runs_recovered_total: "counter",
      nomaflow_runs_running: "gauge",
      nomaflow_runs_queued: "gauge",
      nomaflow_run_queue_seconds: "histogram",
      nomaflow_fires_claimed_total: "counter",
      process_resident_memory_bytes: "gauge",
      process_cpu_seconds_total: "counter",
      process_start_time_seconds: "gauge",
    };
    expect(Object.fromEntries([...families.values()].map((family) => [family.name, family.type]))).toEqual(expected);
    for (const family of families.values()) expect(family.help.length, family.name).toBeGreaterThan(10);
    // Counters end in _total, as the naming conventions ask.
    for (const family of families.values()) if (family.type === "counter") expect(family.name).toMatch(/_total$/);
  });

  it("counts runs by job and status, showing zero for statuses not seen yet", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.runFinished("a", "succeeded", 10, T0);
    metrics.runFinished("a", "succeeded", 10, T0);
    metrics.runFinished("a", "failed", 10, T0);
    metrics.runFinished("b", "abandoned", 0, T0);
    metrics.setNextFire("c", T0);
    const families = parseExposition(metrics.render());
    const runs = samplesOf(families, "nomaflow_runs_total").map((s) => `${s.labels.job} ${s.labels.status} ${s.value}`);
    expect(runs).toEqual([
      "a succeeded 2",
      "a failed 1",
      "a interrupted 0",
      "a abandoned 0",
      "b succeeded 0",
      "b failed 0",
      "b interrupted 0",
      "b abandoned 1",
      "c succeeded 0",
      "c failed 0",
      "c interrupted 0",
      "c abandoned 0",
    ]);
  });

  it("keeps run durations in a histogram: cumulative buckets from 1 s to 6 h, +Inf equal to _count, _sum in seconds", () => {
    const metrics = new DaemonMetrics(() => T0);
    const durationsMs = [200, 1000, 1001, 45_000, 3_600_000, 30_000_000];
    for (const ms of durationsMs) metrics.runFinished("load", "succeeded", ms, T0);
    metrics.runFinished("load", "failed", 2000, T0);
    const families = parseExposition(metrics.render());
    const buckets = samplesOf(families, "nomaflow_run_duration_seconds", "nomaflow_run_duration_seconds_bucket");
    expect(buckets.map((b) => b.labels.le)).toEqual([...RUN_DURATION_BUCKETS_SECONDS.map(String), "+Inf"]);
    expect(RUN_DURATION_BUCKETS_SECONDS[0]).toBe(1);
    expect(RUN_DURATION_BUCKETS_SECONDS.at(-1)).toBe(6 * 3600);
    const counts = buckets.map((b) => b.value);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    // A bound is inclusive: exactly 1 s counts in le="1".
    expect(valueOf(families, "nomaflow_run_duration_seconds", { le: "1" }, "nomaflow_run_duration_seconds_bucket")).toBe(2);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { le: "5" }, "nomaflow_run_duration_seconds_bucket")).toBe(4);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { le: "3600" }, "nomaflow_run_duration_seconds_bucket")).toBe(6);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { le: "21600" }, "nomaflow_run_duration_seconds_bucket")).toBe(6);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { le: "+Inf" }, "nomaflow_run_duration_seconds_bucket")).toBe(7);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { job: "load" }, "nomaflow_run_duration_seconds_count")).toBe(7);
    const sum = valueOf(families, "nomaflow_run_duration_seconds", { job: "load" }, "nomaflow_run_duration_seconds_sum");
    expect(sum).toBeCloseTo([...durationsMs, 2000].reduce((a, b) => a + b, 0) / 1000, 6);
  });

  it("gauges runs going and queued, and keeps the time fires waited for a slot in a histogram (0 when they did not)", () => {
    const metrics = new DaemonMetrics(() => T0);
    let families = parseExposition(metrics.render());
    expect(valueOf(families, "nomaflow_runs_running", {})).toBe(0);
    expect(valueOf(families, "nomaflow_run_queue_seconds", {}, "nomaflow_run_queue_seconds_count")).toBe(0);
    metrics.setRunCounts(4, 2);
    for (const ms of [0, 0, 900, 61_000, 20_000_000]) metrics.fireWaited(ms);
    families = parseExposition(metrics.render());
    expect(valueOf(families, "nomaflow_runs_running", {})).toBe(4);
    expect(valueOf(families, "nomaflow_runs_queued", {})).toBe(2);
    const buckets = samplesOf(families, "nomaflow_run_queue_seconds", "nomaflow_run_queue_seconds_bucket");
    expect(buckets.map((b) => `${b.labels.le} ${b.value}`)).toEqual([
      ...QUEUE_WAIT_BUCKETS_SECONDS.map((bound) => `${bound} ${bound < 1 ? 2 : bound < 300 ? 3 : 4}`),
      "+Inf 5",
    ]);
    expect(valueOf(families, "nomaflow_run_queue_seconds", {}, "nomaflow_run_queue_seconds_sum")).toBeCloseTo(20_061.9, 6);
  });

  it("shows no histogram for a job that has not run yet", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.setNextFire("idle", T0);
    const families = parseExposition(metrics.render());
    expect(families.get("nomaflow_run_duration_seconds")?.samples).toEqual([]);
  });

  it("escapes backslash, double quote and line feed in label values", () => {
    const metrics = new DaemonMetrics(() => T0);
    const weird = 'we"ird\\job\nname';
    metrics.runFinished(weird, "succeeded", 5, T0);
    const text = metrics.render();
    expect(text).toContain('job="we\\"ird\\\\job\\nname"');
    const families = parseExposition(text);
    expect(new Set(samplesOf(families, "nomaflow_runs_total").map((s) => s.labels.job))).toEqual(new Set([weird]));
  });

  it("gives the last success and the next fire as seconds since the epoch", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.runFinished("a", "succeeded", 10, T0 - 5_500);
    metrics.runFinished("a", "succeeded", 10, T0 - 9_000); // an older run that ended later in the log
    metrics.runFinished("a", "failed", 10, T0);
    metrics.setNextFire("a", T0 + 3_600_000);
    const families = parseExposition(metrics.render());
    expect(valueOf(families, "nomaflow_last_success_timestamp_seconds", { job: "a" })).toBe((T0 - 5_500) / 1000);
    expect(valueOf(families, "nomaflow_next_fire_timestamp_seconds", { job: "a" })).toBe(T0 / 1000 + 3600);
  });

  it("drops a job's next fire when it has none", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.setNextFire("a", T0);
    metrics.setNextFire("a", undefined);
    const families = parseExposition(metrics.render());
    expect(families.get("nomaflow_next_fire_timestamp_seconds")?.samples).toEqual([]);
    expect(valueOf(families, "nomaflow_runs_total", { job: "a", status: "failed" })).toBe(0);
  });

  it("counts skipped and missed fires per job", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.fireSkipped("a");
    metrics.fireSkipped("a");
    metrics.fireMissed("b");
    const families = parseExposition(metrics.render());
    expect(samplesOf(families, "nomaflow_fires_skipped_total").map((s) => [s.labels.job, s.value])).toEqual([
      ["a", 2],
      ["b", 0],
    ]);
    expect(samplesOf(families, "nomaflow_fires_missed_total").map((s) => [s.labels.job, s.value])).toEqual([
      ["a", 0],
      ["b", 1],
    ]);
  });

  it("forgets a removed job's gauges but keeps its counters, even when one of its runs ends afterwards", () => {
    const metrics = new DaemonMetrics(() => T0);
    metrics.setNextFire("gone", T0 + 60_000);
    metrics.runFinished("gone", "succeeded", 1000, T0 - 1000);
    metrics.forgetJob("gone");
    metrics.runFinished("gone", "succeeded", 1000, T0);
    metrics.forgetJob("never-seen");
    let families = parseExposition(metrics.render());
    expect(families.get("nomaflow_last_success_timestamp_seconds")?.samples).toEqual([]);
    expect(families.get("nomaflow_next_fire_timestamp_seconds")?.samples).toEqual([]);
    expect(valueOf(families, "nomaflow_runs_total", { job: "gone", status: "succeeded" })).toBe(2);
    expect(valueOf(families, "nomaflow_run_duration_seconds", { job: "gone" }, "nomaflow_run_duration_seconds_count")).toBe(2);
    expect(samplesOf(families, "nomaflow_runs_total").some((s) => s.labels.job === "never-seen")).toBe(false);

    // Back in the project: the gauges come back as events arrive.
    metrics.setNextFire("gone", T0 + 120_000);
    metrics.runFinished("gone", "succeeded", 1000, T0 + 1000);
    families = parseExposition(metrics.render());
    expect(valueOf(families, "nomaflow_next_fire_timestamp_seconds", { job: "gone" })).toBe(T0 / 1000 + 120);
    expect(valueOf(families, "nomaflow_last_success_timestamp_seconds", { job: "gone" })).toBe(T0 / 1000 + 1);
  });

  it("counts uptime from construction on the injected clock", () => {
    let now = T0;
    const metrics = new DaemonMetrics(() => now);
    now += 90_500;
    expect(valueOf(parseExposition(metrics.render()), "nomaflow_daemon_uptime_seconds", {})).toBe(90.5);
  });

  it("reports the process's memory and start time", () => {
    const families = parseExposition(new DaemonMetrics().render());
    expect(valueOf(families, "process_resident_memory_bytes", {})).toBeGreaterThan(1_000_000);
    const started = valueOf(families, "process_start_time_seconds", {})!;
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    expect(started).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 5);
    expect(valueOf(families, "process_cpu_seconds_total", {})).toBeGreaterThan(0);
    expect(samplesOf(families, "nomaflow_build_info")[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("renders 1,000 jobs quickly enough to scrape every few seconds", () => {
    const metrics = new DaemonMetrics(() => T0);
    for (let i = 0; i < 1000; i++) {
      const job = `job-${String(i).padStart(4, "0")}`;
      metrics.setNextFire(job, T0 + i * 1000);
      metrics.runFinished(job, i % 10 === 0 ? "failed" : "succeeded", i * 1000, T0);
    }
    metrics.render();
    const started = performance.now();
    const text = metrics.render();
    const elapsedMs = performance.now() - started;
    const families = parseExposition(text);
    expect(samplesOf(families, "nomaflow_runs_total")).toHaveLength(4000);
    expect(samplesOf(families, "nomaflow_run_duration_seconds", "nomaflow_run_duration_seconds_bucket")).toHaveLength(
      1000 * (RUN_DURATION_BUCKETS_SECONDS.length + 1),
    );
    // Typically a few milliseconds; the bound only catches an accidental quadratic.
    expect(elapsedMs).toBeLessThan(250);
  });
  it("with a state store, shows what the daemon sees of its cluster", () => {
    const metrics = new DaemonMetrics(() => T0);
    expect(metrics.render()).not.toContain("nomaflow_cluster_");
    let view = { storeUp: true, daemonsAlive: 3, leasesExpired: 1, leaseLost: 0, definitionMismatch: false, statements: 42 };
    metrics.watchCluster(() => view);
    metrics.firesClaimed(5);
    metrics.runRecovered("nightly-load");
    const text = metrics.render();
    for (const line of [
      "nomaflow_state_store_up 1",
      "nomaflow_cluster_daemons_alive 3",
      "nomaflow_cluster_leases_expired_total 1",
      "nomaflow_cluster_lease_lost_total 0",
      "nomaflow_cluster_definition_mismatch 0",
      "nomaflow_state_statements_total 42",
      "nomaflow_fires_claimed_total 5",
      'nomaflow_runs_recovered_total{job="nightly-load"} 1',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
    view = { ...view, storeUp: false, definitionMismatch: true };
    expect(metrics.render()).toContain("nomaflow_state_store_up 0\n");
    expect(metrics.render()).toContain("nomaflow_cluster_definition_mismatch 1\n");
  });
});
