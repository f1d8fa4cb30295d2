/**
 * The shape of a job file, without the fields a step's type owns: each step is checked again with
 * its type's schema (validate/fullStepSchema.ts), which keeps error messages about one step type at a time.
 */
import { Type, type Static } from "@sinclair/typebox";
import { AbandonedPolicy, AlertPolicy, Concurrency, Duration, EXPECTED, JobTimeout, MisfireGraceMinutes, Name, RetryPolicy, RunsRetention } from "./common.js";

export const ParamDefinition = Type.Object(
  {
    type: Type.Union([Type.Literal("string"), Type.Literal("number"), Type.Literal("integer"), Type.Literal("boolean")], {
      description: "Values given with -p are converted to this type.",
    }),
    default: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean({ description: "Must be given with -p when there is no default.", default: false })),
    enum: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export type ParamDefinition = Static<typeof ParamDefinition>;

export const PARAM_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

export const Schedule = Type.Object(
  {
    cron: Type.String({
      minLength: 1,
      description: "Five fields (minute hour day-of-month month day-of-week), an optional leading seconds field, or @daily and friends.",
    }),
    timezone: Type.Optional(Type.String({ minLength: 1, description: "IANA time zone, e.g. Europe/Paris. Default: defaults.timezone, else UTC." })),
  },
  { additionalProperties: false },
);

export const RunIf = Type.Union([Type.Literal("success"), Type.Literal("failure"), Type.Literal("always")], {
  description: "success: only while no earlier step failed; failure: only after one failed; always.",
  default: "success",
});
export type RunIf = Static<typeof RunIf>;

/** How the runs a chained job waits for must have ended: all succeeded, not all succeeded, or whatever. */
export const ChainOutcome = Type.Union([Type.Literal("success"), Type.Literal("failure"), Type.Literal("always")], {
  description:
    "success: every job named in after has a succeeded run for the logical date; failure: all of them ended and at least one did not succeed; always: all of them ended.",
  default: "success",
});
export type ChainOutcome = Static<typeof ChainOutcome>;

export const ChainTrigger = Type.Object(
  {
    after: Type.Array(Name({ description: "A job id of this project." }), {
      minItems: 1,
      uniqueItems: true,
      description: "The jobs whose runs for one logical date this job runs after (the daemon starts it, trigger chain).",
    }),
    on: Type.Optional(ChainOutcome),
  },
  { additionalProperties: false, description: "Start this job when the runs of other jobs for the same logical date have ended." },
);
export type ChainTrigger = Static<typeof ChainTrigger>;

/** Fields every step has, whatever its type. */
export const commonStepProperties = {
  name: Name({ description: "Unique in the job." }),
  type: Type.String({ minLength: 1, description: "The step type: sql_copy, sql, http, shell, python, node, or a plugin's." }),
  description: Type.Optional(Type.String()),
  timeout: Type.Optional(Duration({ description: "Seconds, or a duration such as 30m or 1h." })),
  retry: Type.Optional(RetryPolicy),
  run_if: Type.Optional(RunIf),
  rerun_on_resume: Type.Optional(
    Type.Boolean({
      default: false,
      description: "When a failed run is resumed (nomaflow run JOB --resume RUN), run this step again even if it succeeded in that run.",
    }),
  ),
};

/** The names of the fields every step has; a step type may not declare them. */
export const COMMON_STEP_FIELDS = Object.keys(commonStepProperties) as ReadonlyArray<keyof typeof commonStepProperties>;

export const StepBase = Type.Object({ name: commonStepProperties.name, type: commonStepProperties.type }, { additionalProperties: true });

export const JobFile = Type.Object(
  {
    id: Name({ description: "Must equal the file name without .yaml." }),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    schedule: Type.Optional(Schedule),
    trigger: Type.Optional(ChainTrigger),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: PARAM_NAME_PATTERN }), ParamDefinition, {
        description: "Typed parameters, given with `nomaflow run JOB -p name=value`.",
        [EXPECTED]: "a map of parameter names to {type, default, description}",
        additionalProperties: false,
      }),
    ),
    retry: Type.Optional(RetryPolicy),
    alerts: Type.Optional(AlertPolicy),
    concurrency: Type.Optional(Concurrency),
    misfire_grace_minutes: Type.Optional(MisfireGraceMinutes({ description: "After downtime, a fire missed by less than this runs once." })),
    on_abandoned: Type.Optional(AbandonedPolicy),
    timeout: Type.Optional(JobTimeout()),
    runs_retention: Type.Optional(RunsRetention),
    steps: Type.Array(StepBase, { minItems: 1, description: "Run in order." }),
  },
  { additionalProperties: false },
);
export type JobFile = Static<typeof JobFile>;
