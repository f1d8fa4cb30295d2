/**
 * `nomaflow demo`: the example job, for real, with nothing to set up. The recipe's variables
 * point its connectors at two embedded databases (seeded on first use) and its Slack webhook at a
 * local stand-in, for this process only: no file is written but the databases and the run log.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEMO_DIR, demoFolders } from "../../demo/demoFolders.js";
import { demoVariables, RECIPE_CONNECTORS, RECIPE_JOB, requireRecipeConnectors, requireRecipeJobFile, SLACK_VARIABLE } from "../../demo/recipeShape.js";
import { DEMO_SIZES, ORDERS_PER_CUSTOMER, type DemoSizes } from "../../demo/sampleData.js";
import { seedDemoDatabases, seedReason, type SeededDatabase } from "../../demo/seedDemoDatabases.js";
import { startSlackStandIn, type SlackMessage } from "../../demo/slackStandIn.js";
import { displayPath, findProjectRoot, loadProject } from "../../project/loadProject.js";
import { collectKnownSecrets } from "../../secrets/knownSecrets.js";
import { parseParams } from "../../runner/parseParams.js";
import { SecretMasker } from "../../secrets/secretMasker.js";
import { processIsAlive, readRunLog, summarizeRun } from "../../run-logs/readRunLog.js";
import { formatDuration } from "../../project/formatDuration.js";
import { formatLocalClock } from "../render/formatLocalTime.js";
import { checkJob } from "../../validate/checkProject.js";
import { createOutput, textWidth, type Output } from "../output.js";
import { formatRunTimeline } from "../render/runTimeline.js";
import { RUN_EXIT_CODES, runInForeground } from "../runInForeground.js";
import { shellQuote } from "../../files/shellQuote.js";
import { selfCommand } from "../selfCommand.js";

export interface DemoOptions {
  project?: string;
  /** Seed the databases again. @default false */
  reset?: boolean;
  /** Customers in ops-db (orders: five times as many); tests keep it small. @default 20,000 */
  customers?: number;
}

const count = (value: number) => value.toLocaleString("en-US");
const rows = (sizes: DemoSizes) => `${count(sizes.customers)} customers, ${count(sizes.orders)} orders`;

export async function demoCommand(options: DemoOptions): Promise<number> {
  // Like `run`: the run goes on to its end when the reader of its output goes away.
  const output = createOutput({ whenStdoutCloses: "drop" });
  const cwd = process.cwd();
  const root = findProjectRoot(options.project, cwd);
  const folders = demoFolders(root);
  const sizes = options.customers === undefined ? DEMO_SIZES : { customers: options.customers, orders: options.customers * ORDERS_PER_CUSTOMER };
  const { style } = output;

  const slack = await startSlackStandIn();
  try {
    // The variables reach the project through its environment only: neither process.env nor .env changes.
    const variables = demoVariables(folders, slack.url);
    const project = loadProject({ projectDir: root, cwd, processEnv: { ...process.env, ...variables } });
    requireRecipeJobFile(project);
    const job = await checkJob(project, RECIPE_JOB);
    requireRecipeConnectors(project);
    const params = parseParams(job, []);

    const shown = (path: string) => displayPath(path, cwd);
    output.out(`${style.bold(`nomaflow demo: ${RECIPE_JOB}`)}, the example job, run for real with nothing to set up:`);
    const width = Math.max(...RECIPE_CONNECTORS.map(({ name }) => name.length));
    const stands = [
      ...RECIPE_CONNECTORS.map(
        ({ name, variable }) => [name, `embedded PostgreSQL (PGlite) in ${shown(variables[variable]!.slice("pglite:".length))}`, variable] as const,
      ),
      ["Slack", `a stand-in on ${new URL(slack.url).host} that shows what it receives`, SLACK_VARIABLE] as const,
    ];
    const whatWidth = Math.max(...stands.map(([, what]) => what.length));
    for (const [name, what, variable] of stands) output.out(`  ${name.padEnd(width)}  ${what.padEnd(whatWidth)}  ${style.dim(variable)}`);
    output.out("");

    const reason = await seedReason(folders, sizes, options.reset);
    if (reason === undefined) {
      output.out(`demo databases already seeded in ${shown(folders.root)} ${style.dim("(--reset seeds them again)")}`);
    } else {
      output.out(reason === "first run" ? "seeding the demo databases (first run only)…" : `seeding the demo databases again (${reason})…`);
      const seeded = await seedDemoDatabases({
        folders,
        sizes,
        reset: options.reset,
        onCreated: (ms) => output.out(`  ${"created".padEnd(width)}  two empty databases (PostgreSQL's initdb, once)  ${style.dim(`(${formatDuration(ms)})`)}`),
        onDatabase: (database) => output.out(seededLine(database, width, output)),
      });
      output.out(`  ${"seeded".padEnd(width)}  in ${formatDuration(seeded.durationMs)}`);
    }
    output.out("");

    output.out(style.bold(`running ${RECIPE_JOB}, as \`nomaflow run ${RECIPE_JOB}\` does:`));
    const result = await runInForeground({ project, job, params, output });

    output.out("");
    output.out(style.bold(`the run's timeline, as \`nomaflow show ${result.runId}\` prints it:`));
    const log = readRunLog(result.logPath);
    const summary = summarizeRun(log.events, processIsAlive, { runId: result.runId, jobId: job.id });
    for (const line of formatRunTimeline(summary, style, Date.now(), textWidth())) output.out(line);

    output.out("");
    const masker = new SecretMasker();
    collectKnownSecrets(project, job, masker);
    for (const line of slackLines(slack.messages, masker, output)) output.out(line);

    output.out("");
    for (const line of nextSteps(root, cwd, output)) output.out(line);
    return RUN_EXIT_CODES[result.status];
  } finally {
    await slack.close();
  }
}

function seededLine(database: SeededDatabase, width: number, { style }: Output): string {
  const what =
    database.name === "ops-db"
      ? `public.customers and public.orders: ${rows(database.sizes)}`
      : `last night's copy in schema reporting: ${rows(database.sizes)}`;
  return `  ${database.name.padEnd(width)}  ${what}  ${style.dim(`(${formatDuration(database.durationMs)})`)}`;
}

/** What reached the stand-in, as Slack would have shown it: the JSON it was sent, secrets masked. */
function slackLines(messages: readonly SlackMessage[], masker: SecretMasker, { style }: Output): string[] {
  if (messages.length === 0) return [`${style.bold("Slack would have received nothing:")} no step or alert posted to ${SLACK_VARIABLE}`];
  const lines = [style.bold("Slack would have received:")];
  for (const message of messages) {
    const text = typeof message.payload === "string" ? message.payload : payloadJson(message.payload);
    const refused = message.answer === "ok" ? "" : style.red(`  refused: Slack would answer 400 ${message.answer}`);
    lines.push(`  ${style.dim(`at ${formatLocalClock(message.receivedAt)}:`)}${refused}`);
    lines.push(
      ...masker
        .mask(text)
        .split("\n")
        .map((line) => `    ${line}`),
    );
  }
  return lines;
}

/** JSON with one line per top-level field and per item of a top-level list (Slack's blocks). */
function payloadJson(payload: unknown): string {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return JSON.stringify(payload, null, 2);
  const fields = Object.entries(payload).map(([key, value]) => {
    const items = Array.isArray(value) ? value.map((item) => `    ${JSON.stringify(item)}`) : [];
    return Array.isArray(value) && items.length > 0
      ? `  ${JSON.stringify(key)}: [\n${items.join(",\n")}\n  ]`
      : `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return fields.length === 0 ? "{}" : `{\n${fields.join(",\n")}\n}`;
}

/** How to run the same job against real servers. */
function nextSteps(root: string, cwd: string, { style }: Output): string[] {
  // Typed after the `cd` below, so a path to nomaflow is relative to the project.
  const nomaflow = selfCommand(root);
  const lines = [style.bold("Next: point the connectors at your databases")];
  if (root !== cwd) lines.push(`  cd ${shellQuote(displayPath(root, cwd))}`);
  const envFile = join(root, ".env");
  if (existsSync(envFile)) lines.push(`  ${style.dim("# edit .env (never committed) and set:")}`);
  else if (existsSync(join(root, ".env.example"))) lines.push(`  cp .env.example .env    ${style.dim("# never committed; then set in it:")}`);
  else lines.push(`  ${style.dim("# create .env (never committed) with:")}`);
  const variables = [
    ["OPS_DB_URL=postgres://user:password@ops-host:5432/ops", "the source"],
    ["REPORTING_DB_URL=postgres://user:password@reporting-host:5432/reporting", "the target"],
    ["SLACK_WEBHOOK_URL=https://hooks.slack.com/services/…", "the channel"],
  ] as const;
  const variableWidth = Math.max(...variables.map(([assignment]) => assignment.length));
  lines.push(
    ...variables.map(([assignment, what]) => `  ${style.dim(`#   ${assignment.padEnd(variableWidth)}  ${what}`)}`),
    `  ${nomaflow} connectors test`,
    `  ${nomaflow} run ${RECIPE_JOB}`,
    style.dim(`Nothing in jobs/ changes. The demo's databases stay in ${DEMO_DIR}/ (ignored by git): delete it to free the space.`),
  );
  return lines;
}
