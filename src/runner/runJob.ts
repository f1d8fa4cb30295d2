/**
 * Runs a job now: writes its run log, runs its steps in order by their `run_if`, and ends with
 * exactly one final event. The step types do the work; this file knows none of them by name.
 */
import { hostname } from "node:os";
import { setTimeout as sleepFor } from "node:timers/promises";
import { ConnectorSet } from "../connectors/connectorSet.js";
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { forEachString, parseTemplate } from "../project/template.js";
import type { RunEvent, Trigger, UnstampedRunEvent } from "../runs/runEvents.js";
import { RunLogWriter } from "../runs/runLogWriter.js";
import { newRunId } from "../runs/runId.js";
import type { StepOutput } from "../step-types/stepType.js";
import { VERSION } from "../version.js";
import { runStep } from "./runStep.js";
import { SecretMasker } from "./secretMasker.js";

export interface RunOptions {
  project: Project;
  job: Job;
  /** Typed, with defaults filled in (see parseParams). */
  params: Record<string, unknown>;
  /** @default "manual" */
  trigger?: Trigger;
  /** The fire time a scheduled run stands for, ISO with offset. @default null */
  scheduledFor?: string | null;
  /** Aborting it interrupts the run: the running step is cancelled, run_interrupted is written. */
  interrupt?: AbortSignal;
  /** Called with every event as written (masked). */
  onEvent?: (event: RunEvent) => void;
  /** @default Date.now */
  now?: () => number;
  /** Waits between tries. @default real timers */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  /** How long a step may take to stop after a timeout or an interrupt. @default 5000 */
  graceMs?: number;
}

export interface RunResult {
  runId: string;
  logPath: string;
  status: "succeeded" | "failed" | "interrupted";
  durationMs: number;
  failedStep: string | null;
  error: string | null;
}

export interface RunHandle {
  runId: string;
  logPath: string;
  result: Promise<RunResult>;
  /** Ends the run at once (a second Ctrl-C): writes run_interrupted if no final event is written yet. */
  forceStop(): void;
}

/** Secrets known before anything runs: every `${env:…}` the job and the project's connectors and channels use. */
function collectSecrets(project: Project, job: Job, masker: SecretMasker): void {
  const sources: unknown[] = [job.steps.map((step) => step.fields), [...project.config.connectors.values()].map((connector) => connector.url)];
  sources.push([...project.config.channels.values()].map((channel) => channel.fields));
  for (const source of sources) {
    forEachString(source, (text) => {
      for (const part of parseTemplate(text).parts) {
        if (typeof part === "object" && part.kind === "env") {
          const value = project.environment.values[part.name];
          if (value !== undefined) masker.add(value);
        }
      }
    });
  }
}

export function startRun(options: RunOptions): RunHandle {
  const { project, job } = options;
  const now = options.now ?? Date.now;
  const masker = new SecretMasker();
  collectSecrets(project, job, masker);
  const runId = newRunId(new Date(now()));
  const writer = RunLogWriter.open(project.config.runsDir, job.id, runId, (text: string) => masker.mask(text));
  let finished = false;
  let closed = false;
  const emit = (event: UnstampedRunEvent): RunEvent => {
    // After a forced stop the abandoned step may still report; the log is closed to it.
    if (closed) return { ...event, ts: new Date(now()).toISOString(), run_id: runId, job_id: job.id } as RunEvent;
    const written = writer.write(event, new Date(now()));
    options.onEvent?.(written);
    return written;
  };
  const interrupt = options.interrupt ?? new AbortController().signal;
  const started = now();

  const finish = (status: RunResult["status"], failedStep: string | null, error: string | null): RunResult => {
    const durationMs = now() - started;
    if (!finished) {
      finished = true;
      const event = status === "succeeded" ? "run_succeeded" : status === "failed" ? "run_failed" : "run_interrupted";
      emit({ event, duration_ms: durationMs, failed_step: failedStep, error: error === null ? null : masker.mask(error) });
      closed = true;
      writer.close();
    }
    return { runId, logPath: writer.path, status, durationMs, failedStep, error: error === null ? null : masker.mask(error) };
  };

  const connectors = new ConnectorSet({ connectors: project.config.connectors, environment: project.environment, projectRoot: project.root });
  const steps = async (): Promise<RunResult> => {
    emit({
      event: "run_started",
      trigger: options.trigger ?? "manual",
      scheduled_for: options.scheduledFor ?? null,
      params: options.params,
      host: hostname(),
      pid: process.pid,
      version: VERSION,
      steps: job.steps.map((step) => step.name),
      step_types: job.steps.map((step) => step.type),
    });
    const outputs = new Map<string, StepOutput>();
    const missingOutputs = new Map<string, string>();
    let failedStep: string | null = null;
    let failure: string | null = null;
    for (const step of job.steps) {
      if (interrupt.aborted || finished) break;
      const failed = failedStep !== null;
      const runs = step.runIf === "always" || (step.runIf === "success" ? !failed : failed);
      if (!runs) {
        const reason = failed ? `step ${failedStep} failed` : "no earlier step failed";
        emit({ event: "step_skipped", step: step.name, reason });
        missingOutputs.set(step.name, `it was skipped: ${reason}`);
        continue;
      }
      const type = project.registry.get(step.type);
      if (!type) throw new Error(`step type ${step.type} vanished from the registry after validation`);
      const outcome = await runStep(step, {
        type,
        connectors,
        scope: { env: project.environment.values, params: options.params, jobId: job.id, runId, scheduledFor: options.scheduledFor ?? null, outputs, missingOutputs },
        projectRoot: project.root,
        pythonInterpreter: project.config.pythonInterpreter,
        masker,
        emit,
        interrupt,
        now,
        sleep: options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal })),
        random: options.random ?? Math.random,
        graceMs: options.graceMs ?? 5000,
        // Until the notification channels are wired, a plugin's notification is recorded in the run log.
        notify: async (stepName, text) => void emit({ event: "log", step: stepName, level: "info", message: `notification: ${text}` }),
      });
      if (outcome.status === "succeeded") {
        outputs.set(step.name, outcome.output);
      } else {
        missingOutputs.set(step.name, "it failed");
        if (failedStep === null) {
          failedStep = step.name;
          failure = `step ${step.name} failed: ${outcome.error}`;
        }
      }
    }
    if (interrupt.aborted) return finish("interrupted", failedStep, failure ?? "interrupted");
    return failedStep === null ? finish("succeeded", null, null) : finish("failed", failedStep, failure);
  };
  // Whatever happens, the log ends with its one final event, and every connection is closed.
  const result = steps()
    .catch((error: unknown) => finish("failed", null, `internal error: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => connectors.closeAll());

  return {
    runId,
    logPath: writer.path,
    result,
    forceStop: () => {
      if (!finished) finish("interrupted", null, "stopped at once by a second interrupt");
    },
  };
}
