/**
 * STAND-IN, to be replaced when `project.config.state` is merged (issue 17, the state settings):
 * the one place run history reads nomaflow.yaml's `state:`. It takes `project.config.state` when
 * the project model has it, else reads `state.connector` and `state.schema` from the file as
 * parsed, defensively. Defaults as in CLUSTER.md.
 */
import type { Project } from "../project/loadProject.js";

/** nomaflow.yaml `state:`, as CLUSTER.md defines it. */
export interface StateSettings {
  /** A connector of the project with a postgres:// URL. */
  connector: string;
  /** @default "nomaflow" */
  schema: string;
  /** @default 5 */
  heartbeatSeconds: number;
  /** @default 20 */
  leaseSeconds: number;
  /** @default 90 */
  keepDays: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const numberOr = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) ? value : fallback);

/** The project's state settings, or undefined when it has none (one host, local files only). */
export function stateSettingsOf(project: Pick<Project, "config" | "configFile">): StateSettings | undefined {
  const typed = (project.config as { state?: unknown }).state;
  if (isRecord(typed) && typeof typed.connector === "string") return typed as unknown as StateSettings;
  const data: unknown = project.configFile.source?.data;
  const raw = isRecord(data) ? data.state : undefined;
  if (!isRecord(raw) || typeof raw.connector !== "string" || raw.connector === "") return undefined;
  return {
    connector: raw.connector,
    schema: typeof raw.schema === "string" && raw.schema !== "" ? raw.schema : "nomaflow",
    heartbeatSeconds: numberOr(raw.heartbeat_seconds, 5),
    leaseSeconds: numberOr(raw.lease_seconds, 20),
    keepDays: numberOr(raw.keep_days, 90),
  };
}
