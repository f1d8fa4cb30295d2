/**
 * A plain StepRunContext for step-type tests: it records what the step logs and reports, and
 * masks the given secrets the way the runner does. Nothing external is imitated.
 */
import type { LogLevel, StepRunContext } from "../../src/step-types/stepType.js";

export interface RecordedLog {
  level: LogLevel;
  message: string;
  /** Date.now() when it was logged. */
  at: number;
}

export interface RecordingContext {
  context: StepRunContext;
  logs: RecordedLog[];
  progress: { rows?: number; bytes?: number }[];
  /** Messages logged at `level`, in order. */
  messages(level: LogLevel): string[];
}

export function recordingContext(options: Partial<Omit<StepRunContext, "log" | "progress" | "mask">> & { secrets?: string[] } = {}): RecordingContext {
  const { secrets = [], ...fields } = options;
  const logs: RecordedLog[] = [];
  const progress: { rows?: number; bytes?: number }[] = [];
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join("***"), text);
  const context: StepRunContext = {
    jobId: "test-job",
    runId: "20260101T000000Z-test",
    stepName: "step",
    attempt: 1,
    projectRoot: process.cwd(),
    env: process.env,
    applicationName: "nomaflow:test-job:step",
    connector: (name) => {
      throw new Error(`no connector ${name} in this test context`);
    },
    graceMs: 2000,
    params: {},
    notify: async (text) => void logs.push({ level: "info", message: `notification: ${mask(text)}`, at: Date.now() }),
    ...fields,
    log: (level, message) => logs.push({ level, message: mask(message), at: Date.now() }),
    progress: (update) => progress.push(update),
    mask,
  };
  return { context, logs, progress, messages: (level) => logs.filter((log) => log.level === level).map((log) => log.message) };
}
