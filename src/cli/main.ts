/**
 * The command line: parse, call a library function, print, set the exit code. Commands are
 * imported only when chosen, so `--version` and `--help` load almost nothing.
 */
import { setFlagsFromString } from "node:v8";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DEFAULT_STOP_GRACE_SECONDS } from "../daemon/stopGrace.js";
import { NomaflowError } from "../errors/nomaflowError.js";
import { VERSION } from "../identity/version.js";
import { createOutput, StdoutClosed } from "./output.js";

// undici parses HTTP with a WebAssembly module (llhttp); V8's optimising wasm tier costs ~35 MB of
// peak memory to compile it and buys nothing measurable for requests this size, so the baseline
// tier (Liftoff) is kept. Measured in test/bench/run-overhead.mjs; revisit if a wasm-heavy
// dependency (PGlite) needs the optimising tier.
setFlagsFromString("--liftoff-only");

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 10000) throw new InvalidArgumentError("expected a whole number from 1 to 10000");
  return number;
}

function nonNegativeSeconds(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 86400) throw new InvalidArgumentError("expected seconds from 0 to 86400");
  return number;
}

function wholeNumberUpTo(max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return number;
  };
}

function withProject(command: Command): Command {
  return command.option("-C, --project <dir>", "project folder (default: the current folder or the nearest parent with nomaflow.yaml)");
}

/** Each action hands its exit status to `setExitCode`. */
export function buildProgram(setExitCode: (code: number) => void = () => {}): Command {
  // A command's module is imported only when it is chosen; commander passes the arguments, the
  // options and the Command itself, which no command wants.
  const lazyAction =
    <Args extends unknown[]>(load: () => Promise<(...args: Args) => Promise<number>>) =>
    async (...args: [...Args, Command]) => {
      const command = await load();
      setExitCode(await command(...(args.slice(0, -1) as Args)));
    };
  const program = new Command("nomaflow")
    .description("Runs declarative data jobs kept in git: YAML jobs, cron in real time zones, retries, alerts, run logs.")
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  withProject(program.command("validate"))
    .description("check every job and nomaflow.yaml without running anything")
    .argument("[files...]", "job files to check (default: all of jobs/)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "github"]).default("text"))
    .option("--json", "same as --format json")
    .option("--require-env", "an unset ${env:…} variable is an error, not a warning")
    .addHelpText("after", "\nExit status: 0 valid (warnings allowed), 1 problems found, 2 usage error.")
    .action(lazyAction(async () => (await import("./commands/validate.js")).validateCommand));

  withProject(program.command("list"))
    .description("the catalogue: each job with its schedule, next fire and last run")
    .option("--tag <tag>", "only jobs with this tag")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./commands/list.js")).listCommand));

  withProject(program.command("next"))
    .description("next fire times of a job's schedule")
    .argument("<job>", "job id")
    .option("-n, --count <n>", "how many", positiveInteger, 5)
    .option("--from <iso>", "start after this instant (ISO 8601; without an offset, in the job's time zone)")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./commands/next.js")).nextCommand));

  withProject(program.command("run"))
    .description("run a job now; a live timeline on a terminal, plain lines elsewhere")
    .argument("<job>", "job id")
    .option("-p, --param <name=value>", "a job parameter (repeatable)", (value: string, previous: string[]) => [...previous, value], [])
    .option("--for <iso>", "the fire time the run is for, its logical date (default: the latest fire at or before now)")
    .option("--resume <run-id>", "rerun a failed or interrupted run from its failed step, with its parameters and logical date")
    .option("--json", "stream the run's events as NDJSON on stdout")
    .addHelpText("after", "\nExit status: 0 succeeded, 1 failed, 2 bad parameters or configuration (nothing ran), 130 interrupted.")
    .action(lazyAction(async () => (await import("./commands/run.js")).runCommand));

  withProject(program.command("backfill"))
    .description("run a job once for each fire time of a range, each run for its own logical date")
    .argument("<job>", "job id")
    .requiredOption("--from <iso>", "the first fire time to run, inclusive (ISO 8601; without an offset, in the job's time zone)")
    .requiredOption("--to <iso>", "the last, inclusive; a date alone takes in that whole day")
    .option("-p, --param <name=value>", "a job parameter for every run (repeatable)", (value: string, previous: string[]) => [...previous, value], [])
    .option("--parallel <n>", "runs at once (concurrency: allow jobs only)", positiveInteger, 1)
    .option("--dry-run", "list the fire times and which would be skipped; run nothing")
    .option("--continue-on-failure", "go on past a failed run (default: the first failure stops it)")
    .option("--rerun", "run again the fire times that already have a succeeded run")
    .option("--json", "print a JSON report at the end instead of progress lines")
    .addHelpText(
      "after",
      [
        "",
        "A fire time that already has a succeeded run (any trigger, in the run logs or the",
        "state store) is skipped unless --rerun. Ctrl-C interrupts the runs going and prints",
        "the command that goes on; a second Ctrl-C stops them at once.",
        "",
        "Exit status: 0 every run succeeded, 1 a run failed, 2 usage or configuration error",
        "(nothing ran), 130 interrupted.",
      ].join("\n"),
    )
    .action(lazyAction(async () => (await import("./commands/backfill.js")).backfillCommand));

  const runs = withProject(program.command("runs"))
    .description("run history, newest first; runs prune deletes old run logs")
    .argument("[job]", "only this job's runs")
    .option("--limit <n>", "how many runs", positiveInteger, 20)
    .option("--json", "print JSON (each run's summary, without step outputs)")
    .action(lazyAction(async () => (await import("./commands/runs.js")).runsCommand));
  withProject(runs.command("prune"))
    .description("delete the run logs each job's runs_retention lets go (the daemon does it once an hour)")
    .option("--dry-run", "say what would be deleted, delete nothing")
    .option("--json", "print JSON (each job's retention, the logs removed, those kept because their run is going)")
    .addHelpText(
      "after",
      [
        "",
        "Never deletes a job's newest log, nor the log of a run still going; a job whose file",
        "has errors keeps its logs.",
        "",
        "Exit status: 0 done, 1 a log could not be deleted, 2 nomaflow.yaml has errors.",
      ].join("\n"),
    )
    .action(async (options: { project?: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      // `runs` has -C and --json too, and commander gives them to it wherever they are written.
      const parent = command.parent?.opts<{ project?: string; json?: boolean }>() ?? {};
      const { runsPruneCommand } = await import("./commands/runsPrune.js");
      setExitCode(await runsPruneCommand({ ...options, project: options.project ?? parent.project, json: options.json ?? parent.json }));
    });

  withProject(program.command("show"))
    .description("a run's timeline: steps, attempts, durations, errors, outputs")
    .argument("<run-id>", "a run id, or enough of its start to be unique")
    .option("-f, --follow", "print each event as the run goes; exit with the run's outcome")
    .option("--json", "print the run's summary as JSON (with --follow: the events as NDJSON)")
    .addHelpText("after", "\nExit status: 0, whatever the run's outcome; with --follow: 0 succeeded, 1 failed or abandoned, 130 interrupted.")
    .action(lazyAction(async () => (await import("./commands/show.js")).showCommand));

  const connectors = program.command("connectors").description("the database connections of nomaflow.yaml");
  withProject(connectors.command("list"))
    .description("each connector with where it points (passwords left out)")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./commands/connectors.js")).connectorsListCommand));
  withProject(connectors.command("test"))
    .description("connect, show the server version and a round trip's latency, or one clear reason")
    .argument("[name]", "one connector (default: all)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExit status: 0 all connected, 1 one failed, 2 unknown connector.")
    .action(lazyAction(async () => (await import("./commands/connectors.js")).connectorsTestCommand));

  const state = program.command("state").description("the PostgreSQL state store that several daemons share (state: in nomaflow.yaml)");
  withProject(state.command("migrate"))
    .description("create or upgrade the store's tables (the schema too, when missing); daemons also do it at start")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      [
        "",
        "Safe to run at any time, from several hosts at once: an advisory lock lets one",
        "migrate while the others wait; each migration runs in a transaction of its own",
        "and only adds tables and columns, never drops run history.",
        "",
        "Exit status: 0 up to date, 1 the store could not be reached or a migration",
        "failed, 2 no state: in nomaflow.yaml, a wrong one, or a store written by a newer",
        "nomaflow.",
      ].join("\n"),
    )
    .action(lazyAction(async () => (await import("./commands/state.js")).stateMigrateCommand));
  withProject(state.command("status"))
    .description("the store's version against the one this nomaflow knows, its schema and connector")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      [
        "",
        "Exit status: 0 ready, 1 not set up or older (run nomaflow state migrate) or not",
        "reachable, 2 no state: in nomaflow.yaml, a wrong one, or a store written by a",
        "newer nomaflow.",
      ].join("\n"),
    )
    .action(lazyAction(async () => (await import("./commands/state.js")).stateStatusCommand));

  withProject(program.command("cluster"))
    .description("the daemons sharing the state store: host, version, project revision, heartbeat, runs, lease")
    .option("--all", "also daemons stopped or dead more than 24 h ago (kept for state.keep_days)")
    .option("--json", "print JSON (an array of daemons, times in ISO 8601)")
    .addHelpText(
      "after",
      [
        "",
        "Leases are judged by the store's clock, never this host's:",
        "  alive    renewed in time",
        "  expired  ran out, and no live daemon has declared it dead yet (the next",
        "           one to renew its own lease will)",
        "  dead     declared dead by a live daemon, which marked its runs abandoned",
        "  stopped  it stopped cleanly",
        "",
        "A daemon alive or expired whose job definitions (a hash of nomaflow.yaml and",
        "jobs/) differ from those most alive daemons run, or from this copy of the",
        "project, is marked ! and named under the table: a fire runs the job as the",
        "host that claims it has it.",
        "",
        "Exit status: 0 listed (even with daemons marked), 1 the store could not be",
        "reached, 2 no state: in nomaflow.yaml, a wrong one, or a store not set up,",
        "older or newer than this nomaflow (nothing to list until it matches).",
      ].join("\n"),
    )
    .action(lazyAction(async () => (await import("./commands/cluster.js")).clusterCommand));

  withProject(program.command("daemon"))
    .description("fire scheduled jobs on time: SIGHUP reloads the project, SIGTERM stops gracefully")
    .option("--http <host:port>", "serve /healthz, Prometheus /metrics and the web console on this address (e.g. 127.0.0.1:9464)")
    .option(
      "--grace <seconds>",
      "on SIGTERM, how long running steps may take to finish before they are cancelled",
      nonNegativeSeconds,
      DEFAULT_STOP_GRACE_SECONDS,
    )
    .option("--max-runs <n>", "at most this many runs going at once; with a state store, fires past it are left to the other daemons", positiveInteger)
    .addOption(new Option("--log-format <format>", "the daemon's own log lines").choices(["text", "json"]).default("text"))
    .option("--print-systemd-unit", "print a systemd service unit for this project and exit")
    .addHelpText(
      "after",
      "\nExit status: 0 stopped cleanly, 2 configuration error or another daemon holds the project, 130 stopped at once by a second signal.",
    )
    .action(lazyAction(async () => (await import("./commands/daemon.js")).daemonCommand));

  withProject(program.command("console"))
    .description("serve the web console (jobs, runs live, history, connectors, cron) without firing schedules")
    .option("--http <host:port>", "the address to serve on (127.0.0.1 keeps it to this machine; port 0 picks a free port)", "127.0.0.1:8080")
    .addHelpText(
      "after",
      [
        "",
        "Prints the URL it serves once it listens, then nothing per request. Pages are",
        "read-only until a visitor signs in with the token NOMAFLOW_CONSOLE_TOKEN (16",
        "characters or more, from the environment or the env file): Run now and Test",
        "connection need it. Runs started from the console run in this process, as",
        "nomaflow run does. nomaflow daemon --http serves the same console beside",
        "/healthz and /metrics.",
        "",
        "Exit status: 0 stopped by SIGINT or SIGTERM, 2 configuration error or the",
        "address cannot be served.",
      ].join("\n"),
    )
    .action(lazyAction(async () => (await import("./commands/console.js")).consoleCommand));

  withProject(program.command("demo"))
    .description("run the example job on embedded databases, seeded on first use, with a stand-in for Slack")
    .option("--reset", "seed the demo databases again (in .nomaflow/demo/)")
    .addOption(new Option("--customers <n>", "customers to seed (orders: 5 per customer)").argParser(wholeNumberUpTo(10_000_000)).hideHelp())
    .addHelpText("after", "\nExit status: 0 the run succeeded, 1 it failed, 2 not the example project, 130 interrupted.")
    .action(lazyAction(async () => (await import("./commands/demo.js")).demoCommand));

  program
    .command("init")
    .description("create a new project: nomaflow.yaml, jobs/ with an example job, plugins/, .env.example, .gitignore")
    .argument("[dir]", "the project folder, created if missing (default: the current folder)")
    .option("--force", "overwrite files that are already there")
    .addHelpText("after", "\nExit status: 0 created, 2 a file is already there (nothing written) or the folder cannot be written.")
    .action(lazyAction(async () => (await import("./commands/init.js")).initCommand));

  program
    .command("cron")
    .description("next fire times of a bare cron expression")
    .argument("<expression>", 'five fields, six with seconds first, or a macro such as @daily (quote it: "0 2 * * *")')
    .option("--tz <zone>", "IANA time zone", "UTC")
    .option("-n, --count <n>", "how many", positiveInteger, 5)
    .option("--from <iso>", "start after this instant (ISO 8601; without an offset, in --tz)")
    .option("--seed <job-id>", "the job id that H (a stable per-job spread) hashes, as the daemon does")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./commands/cron.js")).cronCommand));

  program.addHelpText(
    "after",
    "\nExit status: 0 success, 1 a job or validation failed, 2 usage or configuration error, 130 interrupted.\nColour only on a terminal; NO_COLOR turns it off.",
  );
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const output = createOutput();
  let code = 0;
  const program = buildProgram((result) => (code = result));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    if (error instanceof StdoutClosed) {
      if (error.quiet) return 0;
      output.err(`${output.errStyle.red("nomaflow: error:")} ${error.message}`);
      return 1;
    }
    if (error instanceof NomaflowError) {
      output.err(`${output.errStyle.red("nomaflow: error:")} ${error.message}`);
      if (error.hint) output.err(`  ${output.errStyle.dim("hint:")} ${error.hint}`);
      return error.exitCode;
    }
    output.err(`nomaflow: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 70;
  }
}
