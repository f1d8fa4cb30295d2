/**
 * For python step tests: a real Python 3.8+ (`python3` on the PATH, or NOMAFLOW_TEST_PYTHON), a
 * temporary project with plugins, and a recording context whose connectors are real (ConnectorSet).
 * Without a usable Python the file's tests are skipped with one visible line, as for PostgreSQL.
 */
import { spawnSync } from "node:child_process";
import { describe } from "vitest";
import { ConnectorSet } from "../../../src/connectors/connectorSet.js";
import { StepError } from "../../../src/errors/nomaflowError.js";
import type { StepRunContext } from "../../../src/step-types/stepType.js";
import { recordingContext, type RecordingContext } from "../../support/recordingContext.js";
import { makeProject } from "../../support/tempProject.js";

export const PYTHON = process.env.NOMAFLOW_TEST_PYTHON ?? "python3";

function pythonProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import sys; print(sys.version_info >= (3, 8))"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} not found`;
  if (probe.stdout.trim() !== "True") return `${PYTHON} is older than 3.8`;
  return undefined;
}

const PROBLEM = pythonProblem();

/** `describe` that runs only with Python 3.8+, saying so once when there is none; `describer` may be describeWithPostgres. */
export function describeWithPython(name: string, body: () => void, describer: (name: string, body: () => void) => void = describe): void {
  if (PROBLEM) {
    console.log(`skipped (no Python: ${PROBLEM}; install python3 or set NOMAFLOW_TEST_PYTHON to run): ${name}`);
    describe.skip(name, body);
    return;
  }
  describer(name, body);
}

export interface PluginProject {
  root: string;
  remove(): void;
  /** A recording context for this project; `connectors` maps names to database URLs. */
  context(
    options?: Partial<Omit<StepRunContext, "log" | "progress" | "mask">> & { connectors?: Record<string, string>; secrets?: string[] },
  ): RecordingContext & {
    close(): Promise<void>;
  };
}

/** A temporary project holding `files` (e.g. `plugins/checks/rows.py`). */
export function pluginProject(files: Record<string, string>): PluginProject {
  const made = makeProject(files);
  return {
    ...made,
    context: ({ connectors = {}, ...options } = {}) => {
      const set = new ConnectorSet({
        connectors: new Map(Object.entries(connectors).map(([name, url]) => [name, { name, url, pool: {} }])),
        environment: { values: {}, file: "", fileFound: false },
        projectRoot: made.root,
      });
      const recording = recordingContext({
        projectRoot: made.root,
        connector: (name) => set.get(name),
        ...options,
      });
      return { ...recording, close: () => set.closeAll() };
    },
  };
}

/** The StepError a promise rejects with. */
export async function stepFailure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof StepError)) throw new Error(`expected a StepError, got ${String(error)}`, { cause: error });
  return error;
}

export const never: AbortSignal = new AbortController().signal;
