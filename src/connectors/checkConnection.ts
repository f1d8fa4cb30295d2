/**
 * One connection check, as `nomaflow connectors test` and the console's Test connection make it:
 * connect, ask the server's version, time a round trip, or say in one line why it failed.
 */
import { NomaflowError } from "../errors/nomaflowError.js";
import type { ConnectorSet } from "./connectorSet.js";

export interface ConnectionCheck {
  name: string;
  ok: boolean;
  /** The server's version string (`PostgreSQL 15.19 on x86_64…`) on success. */
  version: string | null;
  /** One round trip, to 0.01 ms. */
  latencyMs: number | null;
  /** Why it failed, without the `connector NAME:` prefix. */
  error: string | null;
  hint: string | null;
}

export interface CheckConnectionOptions {
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** @default 15000 */
  timeoutMs?: number;
}

export async function checkConnection(connectors: ConnectorSet, name: string, options: CheckConnectionOptions): Promise<ConnectionCheck> {
  try {
    const description = await connectors
      .get(name)
      .describe({ applicationName: options.applicationName, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
    return { name, ok: true, version: description.version, latencyMs: Math.round(description.latencyMs * 100) / 100, error: null, hint: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof NomaflowError ? (error.hint ?? null) : null;
    return { name, ok: false, version: null, latencyMs: null, error: message.replace(/^connector \S+: /, ""), hint };
  }
}

/** `PostgreSQL 15.19` from `PostgreSQL 15.19 on x86_64-pc-linux-gnu, compiled by …`. */
export function shortServerVersion(version: string): string {
  return version.split(" on ")[0]!;
}
