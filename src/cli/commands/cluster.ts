import type { ChalkInstance } from "chalk";
import { definitionsHash, projectRevision } from "../../daemon/cluster/projectRevision.js";
import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { definitionMismatch, readClusterDaemons, type ClusterDaemon, type DefinitionMismatch } from "../../state/clusterDaemons.js";
import { openProjectStore } from "../openProjectStore.js";
import { createOutput, printJson, type Output } from "../output.js";
import { columnLines } from "../render/columnLines.js";
import { formatAgo } from "../render/formatAgo.js";
import { formatLocalTime } from "../render/formatLocalTime.js";

export interface ClusterOptions {
  project?: string;
  json?: boolean;
  /** Every daemon the store keeps, not only those alive or ended within the last day. */
  all?: boolean;
}

const RECENT_HOURS = 24;
const MARK = "!";

/**
 * `nomaflow cluster`: the daemons sharing the project's state store, alive ones first, with their
 * leases as the store's clock judges them, and those whose job definitions differ flagged (a fire
 * runs the claiming host's version of its job). `--json` prints one object per daemon.
 */
export async function clusterCommand(options: ClusterOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  if (!project.config.state) {
    throw new UsageError(
      `nomaflow cluster needs state: in ${project.configFile.file}: without it, each daemon keeps its state in local files and has no cluster`,
      {
        hint: "add state: { connector: NAME } naming a PostgreSQL connector that every daemon reaches; a lone daemon reports on itself with nomaflow daemon --http (/healthz, /metrics)",
      },
    );
  }
  const store = openProjectStore(project, "nomaflow:cluster");
  let listed;
  try {
    listed = await readClusterDaemons(store, { all: options.all, recentHours: RECENT_HOURS });
  } finally {
    await store.close();
  }
  const localHash = definitionsHash(project);
  const { daemons, hidden } = listed;
  const mismatch = definitionMismatch(daemons, localHash);
  if (options.json) {
    printJson(
      output,
      daemons.map((daemon) => toJson(daemon, mismatch.flagged.has(daemon.id))),
    );
    return 0;
  }
  const { style } = output;
  if (daemons.length === 0) {
    const where = `the state store (${store.describe()})`;
    output.out(
      options.all
        ? `no daemon in ${where} yet: nomaflow daemon registers when it starts`
        : `no daemon alive or ended in the last ${RECENT_HOURS} h in ${where}`,
    );
  } else {
    printTable(output, daemons, mismatch);
    if (mismatch.flagged.size > 0) printMismatch(output, daemons, mismatch, localHash, projectRevision(project, localHash));
  }
  if (hidden > 0) {
    output.out(
      style.dim(
        options.all
          ? `(${hidden} more not shown: the oldest stopped or dead)`
          : `(${hidden} ${hidden === 1 ? "daemon" : "daemons"} stopped or dead more than ${RECENT_HOURS} h ago not shown: --all lists them)`,
      ),
    );
  }
  return 0;
}

function printTable(output: Output, daemons: readonly ClusterDaemon[], mismatch: DefinitionMismatch): void {
  const { style } = output;
  const marked = mismatch.flagged.size > 0;
  const header = ["HOST", "PID", "VERSION", "REVISION", "STARTED", "HEARTBEAT", "RUNS", "MAX RUNS", "LEASE"];
  const rows = daemons.map((daemon) => [
    daemon.host,
    String(daemon.pid),
    daemon.version,
    daemon.projectRevision,
    formatLocalTime(daemon.startedAt.getTime()),
    formatAgo(daemon.heartbeatAgeMs),
    daemon.lease === "dead" ? "—" : String(daemon.runsGoing),
    daemon.maxRuns === null ? "—" : String(daemon.maxRuns),
    leaseText(daemon),
  ]);
  // With a daemon flagged, a first column holds the mark.
  const table = marked
    ? [["", ...header], ...daemons.map((daemon, index) => [mismatch.flagged.has(daemon.id) ? MARK : "", ...rows[index]!])]
    : [header, ...rows];
  const leaseColumn = table[0]!.length - 1;
  const [headerLine, ...lines] = columnLines(table, (padded, row, column) => {
    if (row === 0) return padded;
    if (column === leaseColumn) return styleLease(style, daemons[row - 1]!, padded);
    return marked && column === 0 ? style.yellow(padded) : padded;
  });
  output.out(style.bold(headerLine!));
  for (const line of lines) output.out(line);
}

/** `dead (declared by alpha:41122 at 2026-12-06T10:03:12+01:00)`. */
function leaseText(daemon: ClusterDaemon): string {
  switch (daemon.lease) {
    case "alive":
      return "alive";
    case "expired":
      return "expired (not yet swept)";
    case "stopped":
      return "stopped";
    case "dead": {
      const by = daemon.declaredDeadBy;
      const who = by === null ? "" : ` by ${by.host !== null && by.pid !== null ? `${by.host}:${by.pid}` : by.id.slice(0, 8)}`;
      const when = daemon.deadAt ? ` at ${formatLocalTime(daemon.deadAt.getTime())}` : "";
      return who || when ? `dead (declared${who}${when})` : "dead";
    }
  }
}

function styleLease(style: ChalkInstance, daemon: ClusterDaemon, text: string): string {
  switch (daemon.lease) {
    case "alive":
      return style.green(text);
    case "expired":
      return style.yellow(text);
    case "dead":
      return style.red(text);
    case "stopped":
      return style.dim(text);
  }
}

/** The lines under the table: which daemons differ, from what, and what to do. */
function printMismatch(output: Output, daemons: readonly ClusterDaemon[], mismatch: DefinitionMismatch, localHash: string, localRevision: string): void {
  const { style } = output;
  const flagged = daemons.filter((daemon) => mismatch.flagged.has(daemon.id));
  const names = flagged.map((daemon) => `${daemon.host}:${daemon.pid} (${daemon.definitionsHash})`).join(", ");
  const alive = daemons.filter((daemon) => daemon.lease === "alive").length;
  output.out(style.yellow(`${MARK} other job definitions: ${names}`));
  const majority =
    mismatch.majority === undefined
      ? alive === 0
        ? "no daemon is alive"
        : `the ${alive} alive daemons do not agree`
      : `${mismatch.majorityCount} of ${alive} alive ${alive === 1 ? "daemon runs" : "daemons run"} ${mismatch.majority}`;
  const here = localHash === mismatch.majority ? "the same" : `${localHash}, revision ${localRevision}`;
  output.out(`  ${majority}; this copy of the project has ${here}`);
  output.out(
    `  ${style.dim("hint:")} a fire runs the job as the host that claims it has it: deploy the same nomaflow.yaml and jobs/ to every host, then reload each daemon (systemctl reload, or kill -HUP)`,
  );
}

/** A daemon for `--json`: the store's columns in snake_case, times in ISO 8601 (UTC). */
function toJson(daemon: ClusterDaemon, flagged: boolean): Record<string, unknown> {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    id: daemon.id,
    host: daemon.host,
    pid: daemon.pid,
    version: daemon.version,
    project_revision: daemon.projectRevision,
    definitions_hash: daemon.definitionsHash,
    definition_mismatch: flagged,
    lease: daemon.lease,
    started_at: iso(daemon.startedAt),
    heartbeat_at: iso(daemon.heartbeatAt),
    heartbeat_age_ms: Math.round(daemon.heartbeatAgeMs),
    lease_until: iso(daemon.leaseUntil),
    runs_going: daemon.runsGoing,
    max_runs: daemon.maxRuns,
    stopped_at: iso(daemon.stoppedAt),
    dead_at: iso(daemon.deadAt),
    declared_dead_by: daemon.declaredDeadBy,
  };
}
