/**
 * The page's addresses: hash routes, so that the console works under any path prefix a reverse
 * proxy gives it (`https://ops.example.com/nomaflow/#/jobs`). Ids are URI-encoded in a route and
 * in an API path alike.
 */

export type Route =
  | { page: "jobs" }
  | { page: "run-now"; jobId: string }
  | { page: "run"; runId: string }
  | { page: "history"; jobId: string }
  | { page: "connectors" }
  | { page: "cron" }
  | { page: "cluster" }
  | { page: "not-found"; hash: string };

export type PageName = Route["page"];

function decode(segment: string): string | null {
  try {
    const value = decodeURIComponent(segment);
    return value === "" ? null : value;
  } catch {
    return null;
  }
}

/** The route of `location.hash`: `#/jobs` (and an empty hash), `#/jobs/ID/run`, `#/runs/RUN_ID`… */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+/, "").replace(/\/+$/, "");
  const parts = path === "" ? [] : path.split("/");
  const [first, second, third] = parts;
  if (parts.length === 0 || (parts.length === 1 && first === "jobs")) return { page: "jobs" };
  if (parts.length === 1 && first === "connectors") return { page: "connectors" };
  if (parts.length === 1 && first === "cron") return { page: "cron" };
  if (parts.length === 1 && first === "cluster") return { page: "cluster" };
  if (parts.length === 2 && first === "runs") {
    const runId = decode(second ?? "");
    if (runId !== null) return { page: "run", runId };
  }
  if (parts.length === 3 && first === "jobs" && (third === "run" || third === "history")) {
    const jobId = decode(second ?? "");
    if (jobId !== null) return third === "run" ? { page: "run-now", jobId } : { page: "history", jobId };
  }
  return { page: "not-found", hash };
}

export const jobsHref = () => "#/jobs";
export const runNowHref = (jobId: string) => `#/jobs/${encodeURIComponent(jobId)}/run`;
export const historyHref = (jobId: string) => `#/jobs/${encodeURIComponent(jobId)}/history`;
export const runHref = (runId: string) => `#/runs/${encodeURIComponent(runId)}`;

/** A path of the console's API, relative to the page (never a leading `/`). */
export function apiPath(...segments: string[]): string {
  return ["api", ...segments.map((segment) => encodeURIComponent(segment))].join("/");
}
