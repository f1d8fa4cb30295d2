/** The shape of nomaflow.yaml. Channel fields are checked per kind (channelTypes.ts). */
import { Type, type Static } from "@sinclair/typebox";
import { channelTypeNames } from "./channelTypes.js";
import { AbandonedPolicy, AlertPolicy, Concurrency, EXPECTED, JobTimeout, MisfireGraceMinutes, Reference, RetryPolicy, RunsRetention } from "./common.js";

export const CONNECTOR_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

/** A PostgreSQL connector's pool (pglite connectors have one session). */
export const ConnectorPool = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 4, description: "Most connections at once." })),
    idle_timeout_seconds: Type.Optional(Type.Number({ minimum: 0, default: 30 })),
  },
  { additionalProperties: false },
);
export type ConnectorPool = Static<typeof ConnectorPool>;

export const ConnectorDefinition = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      description: "postgres://… or postgresql://… (a server), or pglite:DIR (embedded PostgreSQL in a folder).",
    }),
    pool: Type.Optional(ConnectorPool),
  },
  { additionalProperties: false },
);

/**
 * `state:` — the PostgreSQL state store that lets several daemons share one project (DESIGN 6.4).
 * Leases are judged by the store's clock; a lease must outlast a few missed heartbeats, which
 * `validate` checks (lease_seconds >= 3 × heartbeat_seconds) since one field cannot bound another here.
 */
export const StateSettings = Type.Object(
  {
    connector: Reference("connector", {
      description: "A connector with a postgres:// URL that every daemon of the project reaches (not pglite:).",
    }),
    schema: Type.Optional(
      Type.String({
        pattern: "^(?!pg_)[a-z_][a-z0-9_]*$",
        maxLength: 63,
        default: "nomaflow",
        description: "The schema holding Nomaflow's tables; created by nomaflow state migrate when missing.",
        [EXPECTED]: "a lower-case SQL name: letters, digits and '_', not starting with pg_, at most 63 characters",
      }),
    ),
    heartbeat_seconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, default: 5, description: "How often each daemon renews its lease in the store." }),
    ),
    lease_seconds: Type.Optional(
      Type.Integer({
        minimum: 3,
        maximum: 3600,
        default: 20,
        description: "A daemon that has not renewed its lease for this long is dead: its runs are abandoned. At least 3 × heartbeat_seconds.",
      }),
    ),
    keep_days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 36500, default: 90, description: "Run events and fires older than this are pruned from the store." }),
    ),
  },
  { additionalProperties: false, description: "Several daemons on one PostgreSQL: where they share fires, leases and run history." },
);
export type StateSettings = Static<typeof StateSettings>;

/**
 * `daemon:` — settings of `nomaflow daemon` alone (a run by hand is not limited by them). With
 * `state:`, each daemon reads them for itself: the limit is per daemon, not per cluster.
 */
export const DaemonSettings = Type.Object(
  {
    max_concurrent_runs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description:
          "At most this many runs going at once on this daemon; further fires wait in fire order and start as runs end (--max-runs overrides it). Default: no limit.",
      }),
    ),
  },
  { additionalProperties: false, description: "Settings of nomaflow daemon." },
);
export type DaemonSettings = Static<typeof DaemonSettings>;

export const ChannelBase = Type.Object(
  {
    type: Type.Union(
      channelTypeNames.map((name) => Type.Literal(name)),
      {
        description: `${channelTypeNames.slice(0, -1).join(", ")} or ${channelTypeNames.at(-1)}.`,
      },
    ),
  },
  { additionalProperties: true },
);

export const ProjectConfigFile = Type.Object(
  {
    env_file: Type.Optional(Type.String({ minLength: 1, default: ".env", description: "Secrets file; a missing file is not an error." })),
    runs_dir: Type.Optional(Type.String({ minLength: 1, default: "runs", description: "Where run logs go." })),
    python: Type.Optional(
      Type.Object(
        { interpreter: Type.Optional(Type.String({ minLength: 1, default: "python3", description: "Python used for python steps." })) },
        { additionalProperties: false },
      ),
    ),
    step_types: Type.Optional(
      Type.Array(
        Type.String({
          pattern: "\\.(?:ts|js|mjs)$",
          description: "A module under plugins/ (.ts, .js or .mjs) whose exports are step types made with defineStepType.",
          [EXPECTED]: "a path from plugins/ ending in .ts, .js or .mjs, e.g. checks/row_count.ts",
        }),
        { uniqueItems: true, description: "Plugin modules that add step types." },
      ),
    ),
    defaults: Type.Optional(
      Type.Object(
        {
          timezone: Type.Optional(Type.String({ minLength: 1, default: "UTC", description: "Never the machine's local zone." })),
          retry: Type.Optional(RetryPolicy),
          alerts: Type.Optional(AlertPolicy),
          concurrency: Type.Optional(Concurrency),
          misfire_grace_minutes: Type.Optional(MisfireGraceMinutes()),
          on_abandoned: Type.Optional(AbandonedPolicy),
          timeout: Type.Optional(JobTimeout()),
          runs_retention: Type.Optional(RunsRetention),
        },
        { additionalProperties: false, description: "Applied to every job unless the job says otherwise." },
      ),
    ),
    daemon: Type.Optional(DaemonSettings),
    state: Type.Optional(StateSettings),
    connectors: Type.Optional(
      Type.Record(Type.String({ pattern: CONNECTOR_NAME_PATTERN }), ConnectorDefinition, {
        [EXPECTED]: "a map of connector names to {url, pool}",
        additionalProperties: false,
      }),
    ),
    notifications: Type.Optional(
      Type.Object(
        {
          channels: Type.Optional(
            Type.Record(Type.String({ pattern: CONNECTOR_NAME_PATTERN }), ChannelBase, {
              [EXPECTED]: "a map of channel names to {type, …}",
              additionalProperties: false,
            }),
          ),
          default: Type.Optional(Type.Array(Reference("channel"), { description: "Where alerts go when a job names no recipients." })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProjectConfigFile = Static<typeof ProjectConfigFile>;
