/** The daemon's log lines: text for journalctl, JSON for log shippers. */
import { describe, expect, it } from "vitest";
import { DaemonLog, formatDaemonLogLine } from "../../src/daemon/daemonLog.js";

const at = Date.parse("2026-11-28T01:00:00.012Z");

function capture(format: "text" | "json", syslogPrefix = false) {
  const out: string[] = [];
  const err: string[] = [];
  const log = new DaemonLog({ format, out: (line) => out.push(line), err: (line) => err.push(line), now: () => at, syslogPrefix });
  return { log, out, err };
}

describe("daemon log lines", () => {
  it("text: time, event, job, then key=value with values quoted only when needed; warnings on stderr", () => {
    const { log, out, err } = capture("text");
    log.info("fired", "reporting-nightly-sync", { scheduled_for: "2026-11-28T02:00:00+01:00", run: "20261128T010000012Z-k3f9qa", late_ms: undefined });
    log.warn("skipped", "hourly", { reason: "still_running", running: null });
    log.error("job_invalid", "b", { file: "jobs/b.yaml:4:5", error: 'unknown step type "shel"' });
    expect(out).toEqual(["2026-11-28T01:00:00.012Z fired reporting-nightly-sync scheduled_for=2026-11-28T02:00:00+01:00 run=20261128T010000012Z-k3f9qa\n"]);
    expect(err).toEqual([
      "2026-11-28T01:00:00.012Z skipped hourly reason=still_running running=null\n",
      '2026-11-28T01:00:00.012Z job_invalid b file=jobs/b.yaml:4:5 error="unknown step type \\"shel\\""\n',
    ]);
  });

  it("json: one object a line with ts, level, event, job and the fields", () => {
    const { log, out } = capture("json");
    log.info("reloaded", null, { jobs: 3, added: "a,b", changed: undefined });
    expect(out.map((line) => JSON.parse(line))).toEqual([{ ts: "2026-11-28T01:00:00.012Z", level: "info", event: "reloaded", jobs: 3, added: "a,b" }]);
    expect(out[0]!.endsWith("}\n")).toBe(true);
  });

  it("under systemd, text lines carry their syslog priority for journald", () => {
    const { log, out, err } = capture("text", true);
    log.info("stopped", null, {});
    log.error("alert_failed", "j", { channel: "oncall" });
    expect(out).toEqual(["<6>2026-11-28T01:00:00.012Z stopped\n"]);
    expect(err).toEqual(["<3>2026-11-28T01:00:00.012Z alert_failed j channel=oncall\n"]);
    expect(formatDaemonLogLine("text", { ts: "t", level: "info", event: "e", job: null, fields: { empty: "" } })).toBe('t e empty=""');
  });
});
