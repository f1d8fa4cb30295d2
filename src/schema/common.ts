/**
 * Schema pieces shared by the project file, the job file and the step types. TypeBox builds
 * plain JSON Schema (draft 2020-12) and gives the TypeScript type of each shape, so a shape is
 * written once (STYLE 2).
 */
import { Type, type SchemaOptions, type Static, type TSchema } from "@sinclair/typebox";

/**
 * Annotation keywords our validator understands; ajv is told about them in `ajvInstance.ts`.
 * `x-expected` is the phrase used when a value matches no branch of a union.
 * `x-ref` marks a string that names something defined elsewhere in the project.
 * `x-sql` marks a string that is SQL text: `${…}` in it are written as quoted SQL values.
 */
export const EXPECTED = "x-expected";
export const REFERENCE = "x-ref";
export const SQL_TEXT = "x-sql";

/** Each annotation keyword with the JSON type of its value. */
export const ANNOTATIONS = [
  { keyword: EXPECTED, schemaType: "string" },
  { keyword: REFERENCE, schemaType: "string" },
  { keyword: SQL_TEXT, schemaType: "boolean" },
] as const;

/**
 * One rule for booleans everywhere: `true` or `false`, as YAML 1.2 reads them in project files
 * (where `yes` is a string), as `-p name=…` takes them and as a `${…}` that fills a boolean field
 * is converted.
 */
export const BOOLEAN_RULE = "booleans are written true or false (as in YAML files), not yes/no, on/off or 1/0";

export type ReferenceKind = "connector" | "channel";

/** Lower-case names for jobs and steps: `[a-z0-9][a-z0-9_-]*`. */
export const NAME_PATTERN = "^[a-z0-9][a-z0-9_-]*$";

export const Name = (options: SchemaOptions = {}) =>
  Type.String({ pattern: NAME_PATTERN, [EXPECTED]: "a lower-case name: letters, digits, '-' and '_'", ...options });

/** A string naming a connector or a notification channel of nomaflow.yaml. */
export const Reference = (kind: ReferenceKind, options: SchemaOptions = {}) => Type.String({ minLength: 1, [REFERENCE]: kind, ...options });

/** For plugin step types: a field naming a connector, checked by `validate` like built-in ones. */
export const ConnectorName = (options: SchemaOptions = {}) => Reference("connector", options);

/**
 * A string of SQL text, for built-in and plugin step types alike: each `${…}` in it is written as
 * one quoted SQL value (never pasted as code), and `validate` checks where each one sits.
 */
export const SqlText = (options: SchemaOptions = {}) => Type.String({ minLength: 1, [SQL_TEXT]: true, ...options });

/** `30`, `2.5`, `"90s"`, `"30m"`, `"1h30m"`, `"500ms"`. */
export const DURATION_PATTERN = "^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+$";

export const Duration = (options: SchemaOptions = {}) =>
  Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    [EXPECTED]: "a number of seconds or a duration such as 90s, 30m, 1h or 1h30m",
    ...options,
  });

export const Backoff = Type.Union([Type.Literal("fixed"), Type.Literal("exponential")], {
  description: "How the wait between tries grows.",
  default: "fixed",
});
export type Backoff = Static<typeof Backoff>;

/** The fraction `jitter: true` stands for. */
export const JITTER_WHEN_TRUE = 0.2;

export const RetryPolicy = Type.Object(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: "Total number of tries, the first included.", default: 1 })),
    backoff: Type.Optional(Backoff),
    base_seconds: Type.Optional(Type.Number({ minimum: 0, description: "Wait before the second try; doubled each try when exponential.", default: 0 })),
    max_seconds: Type.Optional(Type.Number({ minimum: 0, description: "Upper bound of one wait (exponential)." })),
    jitter: Type.Optional(
      Type.Union([Type.Boolean(), Type.Number({ minimum: 0, maximum: 1 })], {
        description: `Randomise each wait by up to this fraction (true = ${JITTER_WHEN_TRUE}).`,
        [EXPECTED]: "true, false or a fraction between 0 and 1",
        default: false,
      }),
    ),
  },
  { additionalProperties: false, description: "Retry policy of each step: attempts is the total number of tries." },
);
export type RetryPolicy = Static<typeof RetryPolicy>;

/** `on_success: { recipients }`: a success message to channels of its own (failures may go elsewhere). */
export const SuccessAlert = Type.Union(
  [
    Type.Boolean(),
    Type.Object(
      {
        recipients: Type.Array(Reference("channel"), {
          minItems: 1,
          description: "The channels told of a success, instead of the job's recipients.",
        }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description: "Send a message once when a run succeeds: true (to the alert recipients) or { recipients: [channels] }.",
    [EXPECTED]: "true, false or { recipients: [channel, …] }",
    default: false,
  },
);
export type SuccessAlert = Static<typeof SuccessAlert>;

export const AlertPolicy = Type.Object(
  {
    on_failure: Type.Optional(Type.Boolean({ description: "Alert once when a run fails.", default: true })),
    on_success: Type.Optional(SuccessAlert),
    on_long_run_minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "Alert once when a run is still going after this many minutes." })),
    recipients: Type.Optional(
      Type.Array(Reference("channel"), {
        description: "Notification channels to alert; empty means notifications.default.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type AlertPolicy = Static<typeof AlertPolicy>;

export const Concurrency = Type.Union([Type.Literal("forbid"), Type.Literal("allow")], {
  description: "forbid: skip a scheduled fire while the previous run is still going.",
  default: "forbid",
});
export type Concurrency = Static<typeof Concurrency>;

/**
 * What happens to a run whose daemon died (with `state:` only, where another daemon sees it): it is
 * reported abandoned, and with `rerun` the job runs once more on a live daemon (trigger `recovery`).
 */
export const AbandonedPolicy = Type.Union([Type.Literal("alert"), Type.Literal("rerun")], {
  description: "When the daemon running it dies (with state: only): alert, or alert and run the job once more on another daemon (trigger recovery).",
  default: "alert",
});
export type AbandonedPolicy = Static<typeof AbandonedPolicy>;

/** `timeout:` of a job (and of `defaults:`): the longest a whole run may take. */
export const JobTimeout = () =>
  Duration({
    description:
      "The longest a run may take, in seconds or a duration such as 30m or 2h: when it passes, the running step is stopped as at its own timeout, the steps left are skipped (run_if: always steps still run, within their own timeout) and the run fails.",
  });

/**
 * `runs_retention:` — which run logs `nomaflow runs prune` and the daemon (hourly) delete: those
 * both beyond the newest `keep_last` of their job and started more than `days` ago. A field left
 * out does not restrict: only `days`, every log older than that (but the newest); only
 * `keep_last`, every log beyond that many. A run still going and each job's newest are never deleted.
 */
export const RunsRetention = Type.Object(
  {
    days: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "Delete run logs of runs started more than this many days ago." })),
    keep_last: Type.Optional(Type.Integer({ minimum: 1, description: "Always keep this many of the job's newest run logs, whatever their age." })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    [EXPECTED]: "{ days, keep_last } with at least one of them",
    description:
      "Which old run logs to delete (nomaflow runs prune, and the daemon once an hour); none unless set. A job's replaces defaults.runs_retention whole.",
  },
);
export type RunsRetention = Static<typeof RunsRetention>;

export const MisfireGraceMinutes = (options: SchemaOptions = {}) => Type.Number({ minimum: 0, ...options, default: 60 });

/**
 * The `default:` a schema declares, for the code that fills in an absent field: each default is
 * written once, in the schema that `validate` and the editor schemas show.
 */
export function defaultOf<T extends TSchema>(schema: T): Static<T> {
  if (!("default" in schema)) throw new Error(`the schema ${JSON.stringify(schema)} declares no default`);
  return schema.default as Static<T>;
}

/** An object of string values (HTTP headers, environment variables). */
export const StringMap = (options: SchemaOptions = {}) => Type.Record(Type.String(), Type.String(), options);

/** The level of a log line, in a run log and in a step's `context.log`. */
export const LogLevel = Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warning"), Type.Literal("error")]);
export type LogLevel = Static<typeof LogLevel>;
