/**
 * The files `nomaflow init` writes: a project that validates and runs at once, without a
 * database or a network, and shows where everything else goes.
 */

export interface TemplateFile {
  /** From the project folder, with `/`. */
  path: string;
  content: string;
  /** One line for the `init` report. */
  purpose: string;
}

/** The example job's id (and file name). */
export const EXAMPLE_JOB = "example";

/** Lines the project's .gitignore must hold: run logs, secrets, embedded databases and compiled plugins. */
export const GITIGNORE_LINES = ["/runs/", ".env", "/.nomaflow/"];

/** What the `$schema=` modelines say; undefined leaves the modeline out (no schemas were found). */
export interface ModelineTargets {
  /** For nomaflow.yaml, at the project's top. */
  config: string | undefined;
  /** For jobs/*.yaml. */
  job: string | undefined;
}

const modeline = (schema: string | undefined) => (schema === undefined ? "" : `# yaml-language-server: $schema=${schema}\n`);

function configFile(schema: string | undefined): string {
  return `${modeline(schema)}# The project: where jobs connect, where alerts go, and what every job gets by default.
env_file: .env                 # secrets, never committed: copy .env.example to .env
runs_dir: runs                 # one NDJSON run log per run (kept out of git)
python: { interpreter: python3 }   # for python steps
defaults:                      # for every job that does not say otherwise
  timezone: UTC                # schedules without a zone use this, never the machine's local zone
  retry: { attempts: 1 }       # tries per step
  alerts: { on_failure: true }
connectors:
  # Embedded PostgreSQL (PGlite) in a folder: no server, ready for sql and sql_copy steps.
  scratch: { url: "pglite:.nomaflow/scratch" }
  # A PostgreSQL server, its URL (a secret) from .env or the environment:
  # warehouse: { url: "\${env:WAREHOUSE_DB_URL}", pool: { max: 4 } }
# Where alerts go. Uncomment, and set the variables in .env:
# notifications:
#   channels:
#     oncall: { type: slack, url: "\${env:SLACK_WEBHOOK_URL}" }
#     hook:   { type: webhook, url: "\${env:ALERT_WEBHOOK_URL}" }
#   default: [oncall]          # when a job names no recipients
`;
}

function exampleJob(schema: string | undefined): string {
  return `${modeline(schema)}# An example to copy from: a shell command, then a TypeScript function from plugins/.
# \`nomaflow run ${EXAMPLE_JOB}\` runs it now; \`nomaflow daemon\` runs it on its schedule.
id: ${EXAMPLE_JOB}                         # must equal the file name without .yaml
description: Says hello, then counts the words it said.
tags: [example]
enabled: true
schedule: { cron: "0 6 * * *", timezone: Europe/Paris }   # every day at 06:00 Paris time, summer and winter
params:                             # given with \`nomaflow run ${EXAMPLE_JOB} -p who=team\`
  who: { type: string, default: world, description: "who to greet" }
retry: { attempts: 2, backoff: fixed, base_seconds: 10 }   # per step; attempts = total tries
steps:
  - name: say-hello                 # stdout becomes log lines, and the step's output
    type: shell
    command: ["echo", "hello \${params.who}"]   # a list runs without a shell; a string runs in sh
    timeout: 30s
  - name: count-words               # plugins/example/words.ts, run in this process
    type: node
    callable: example/words.ts:countWords
    op_kwargs: { text: "\${steps.say-hello.output.stdout}" }
`;
}

const EXAMPLE_PLUGIN = `/**
 * An example node step: jobs/${EXAMPLE_JOB}.yaml calls it as \`callable: example/words.ts:countWords\`.
 * A callable gets the run's context and the step's op_kwargs; what it returns (JSON) is the step's
 * output, which later steps read as \${steps.NAME.output.KEY}. No build step: nomaflow compiles it.
 */
import type { NodeStepContext } from "nomaflow";

export function countWords(ctx: NodeStepContext, { text }: { text: string }) {
  const words = text.split(/\\s+/).filter(Boolean).length;
  ctx.log.info(\`\${words} words in "\${text}"\`);
  return { words };
}
`;

const PLUGINS_README = `# plugins/

Code that jobs call, run without a build step:

- \`type: node\` steps call an exported function of a TypeScript or JavaScript module here:
  \`callable: example/words.ts:countWords\` is \`countWords\` in \`plugins/example/words.ts\`.
- \`type: python\` steps call a Python function: \`callable: reporting.sanity:assert_row_counts\` is
  \`assert_row_counts\` in \`plugins/reporting/sanity.py\` (with an \`__init__.py\` beside it).
- \`step_types: [checks/row_count.ts]\` in nomaflow.yaml adds the step types a module defines with
  \`defineStepType\` from "nomaflow".

A function gets a context: \`ctx.log\`, \`ctx.params\`, \`ctx.notify(text)\`, and the connectors of
nomaflow.yaml (\`ctx.getConnector(name)\` in TypeScript, \`ctx.get_connector(name)\` in Python), whose
queries go through nomaflow: no database driver is needed. \`import type … from "nomaflow"\` gives an
editor the types when nomaflow is installed in the project (node_modules/nomaflow).
`;

const ENV_EXAMPLE = `# Copy to .env (never committed) and fill in. Variables set in the environment win over this file.
# Every value a job takes from \${env:…} is a secret: nomaflow shows it as *** in output and logs.
# WAREHOUSE_DB_URL=postgres://nomaflow:password@db.internal:5432/warehouse
# SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXX
`;

export function gitignoreText(lines: readonly string[]): string {
  return `# nomaflow: run logs, secrets, embedded databases and compiled plugins\n${lines.join("\n")}\n`;
}

/** Every file but .gitignore, which is merged rather than written (scaffoldProject.ts). */
export function templateFiles(modelines: ModelineTargets): TemplateFile[] {
  return [
    { path: "nomaflow.yaml", content: configFile(modelines.config), purpose: "connectors, alert channels, defaults for every job" },
    {
      path: `jobs/${EXAMPLE_JOB}.yaml`,
      content: exampleJob(modelines.job),
      purpose: "an example job: a shell step and a TypeScript step, daily at 06:00 Paris time",
    },
    { path: "plugins/example/words.ts", content: EXAMPLE_PLUGIN, purpose: "the TypeScript function the example job calls" },
    { path: "plugins/README.md", content: PLUGINS_README, purpose: "how jobs call Python and TypeScript code" },
    { path: ".env.example", content: ENV_EXAMPLE, purpose: "the secrets to put in .env (never committed)" },
  ];
}
