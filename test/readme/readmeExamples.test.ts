/**
 * Every command and output README.md shows in a ```console block is real: this file runs them.
 *
 * Markers. The line just before each ```console fence is one of
 *   <!-- example: FIXTURE -->             run the block in a fresh copy of the fixture;
 *   <!-- example: FIXTURE, continued -->  run it in the copy the previous block of FIXTURE left,
 *                                         with its run history (for `runs` and `show` after `run`);
 *   <!-- example: not checked — REASON --> say why it cannot run here (benchmark timings, say).
 * A console block without one fails the first test, so no example slips in unchecked. A fenced
 * block after <!-- example file: FIXTURE/PATH --> shows that fixture file and must equal it.
 *
 * Fixtures. `recipe` is the repository's own project (nomaflow.yaml, jobs/, plugins/,
 * .env.example). Any other FIXTURE is the folder test/readme/fixtures/FIXTURE/, a small project,
 * with an optional fixture.json (see FixtureSettings in exampleProject.ts): `base: "recipe"` to
 * start from the recipe, `dotenv` for the lines of its .env (git ignores .env files), `receiver:
 * NAME` to set NAME in .env to a local HTTP receiver answering 200 {"ok":true}, and `postgres: URL`
 * when the fixture names that PostgreSQL server: the block then runs only when
 * NOMAFLOW_TEST_PG_URL is exactly URL, and is skipped with one line otherwise.
 *
 * Commands. Each `$ ` line runs in the project folder, in order, the lines after it (up to the
 * next `$ `) being its output, stdout and stderr together. Understood: `nomaflow ARGS` (the built
 * bin), optionally after `NAME=value` assignments; `npm run demo` (package.json's demo script,
 * which must be a nomaflow command; npm's banner is not part of the README text); `echo $?`.
 * Every variable that could point an example elsewhere (`*_URL`, `PG*`, `NOMAFLOW_*`) is unset,
 * and the CLI runs with TZ=UTC, NO_COLOR=1, and its clock moved to README_NOW (readmeClock.mjs) so
 * that next fires and DST warnings read as on the day the README was written.
 *
 * Exit status. A command must exit 0, unless the README shows its status with `$ echo $?` on the
 * next line; then it is compared like any output.
 *
 * Output. Compared line by line after the normalisations in matchOutput.ts (clock times, the time
 * of UTC timestamps, durations, host and pid, a PostgreSQL server's version, ephemeral ports),
 * with trailing blanks ignored. Run ids must correspond one to one (a README id stands for the
 * same real run wherever it appears, also in a later `nomaflow show ID`). The copy's folder is
 * written /srv/nomaflow/etl. A README line that is only `…` stands for any number of lines.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/tempProject.js";
import { parseConsoleBlocks, parseFileBlocks, type ConsoleBlock, type ExampleCommand } from "./consoleBlocks.js";
import { ExampleShell, README_NOW } from "./exampleCommands.js";
import { createExampleProject, FIXTURES_DIR, fixtureExists, readFixtureSettings, type ExampleProject } from "./exampleProject.js";
import { compareOutput } from "./matchOutput.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const blocks = parseConsoleBlocks(readme);
const clockOffsetMs = Date.parse(README_NOW) - Date.now();

interface Session {
  project: ExampleProject;
  shell: ExampleShell;
  /** README run id → the real run id it stands for. */
  runIds: Map<string, string>;
  failed: boolean;
}
const latestSession = new Map<string, Session>();
const sessions: Session[] = [];
afterAll(async () => {
  for (const session of sessions) await session.project.close({ keep: session.failed });
});

async function openSession(fixture: string): Promise<Session> {
  const project = await createExampleProject(fixture);
  const session = { project, shell: new ExampleShell(project.dir, clockOffsetMs), runIds: new Map<string, string>(), failed: false };
  sessions.push(session);
  latestSession.set(fixture, session);
  return session;
}

/** Problems with the markers themselves, reported by the first test. */
function markerProblems(): string[] {
  const started = new Set<string>();
  const problems: string[] = [];
  for (const block of blocks) {
    if (block.kind === "unmarked") problems.push(`README.md:${block.line}: ${block.problem}`);
    if (block.kind !== "checked") continue;
    if (!fixtureExists(block.fixture)) problems.push(`README.md:${block.line}: no fixture ${block.fixture} (test/readme/fixtures/${block.fixture}/)`);
    if (block.continued && !started.has(block.fixture))
      problems.push(`README.md:${block.line}: "${block.fixture}, continued" but no earlier block starts ${block.fixture}`);
    started.add(block.fixture);
  }
  return problems;
}

/** Why a block cannot run on this machine, or undefined. */
function skipReason(block: Extract<ConsoleBlock, { kind: "checked" }>, skippedFixtures: Set<string>): string | undefined {
  if (block.continued && skippedFixtures.has(block.fixture)) return `continues the skipped ${block.fixture} example`;
  if (!fixtureExists(block.fixture)) return undefined;
  const { postgres } = readFixtureSettings(block.fixture);
  if (postgres !== undefined && process.env.NOMAFLOW_TEST_PG_URL !== postgres) return `needs PostgreSQL: set NOMAFLOW_TEST_PG_URL=${postgres} to run`;
  return undefined;
}

/** The command with each README run id replaced by the real run it stands for. */
function withRealRunIds(command: ExampleCommand, runIds: Map<string, string>): string {
  return command.text.replace(/\b\d{8}T\d{9}Z-[a-z2-7]{6}\b/g, (id) => {
    const real = runIds.get(id);
    if (real === undefined) throw new Error(`README.md:${command.line}: run ${id} is used before any output of this example showed it`);
    return real;
  });
}

function bindRunIds(pairs: [string, string][], runIds: Map<string, string>, where: string): void {
  for (const [readmeId, realId] of pairs) {
    const bound = runIds.get(readmeId);
    const other = [...runIds].find(([id, real]) => real === realId && id !== readmeId);
    expect(bound ?? realId, `${where}: README run ${readmeId} stands for two different runs`).toBe(realId);
    expect(other, `${where}: README runs ${other?.[0]} and ${readmeId} are the same real run ${realId}`).toBeUndefined();
    runIds.set(readmeId, realId);
  }
}

describe("README.md console examples", () => {
  it("marks every console block: <!-- example: FIXTURE --> or <!-- example: not checked — REASON -->", () => {
    expect(markerProblems()).toEqual([]);
    expect(blocks.some((block) => block.kind === "checked")).toBe(true);
  });

  it("shows the fixture files it names as they are", () => {
    for (const file of parseFileBlocks(readme)) {
      expect(file.content, `README.md:${file.line} shows test/readme/fixtures/${file.path}`).toBe(readFileSync(join(FIXTURES_DIR, file.path), "utf8"));
    }
  });

  const skippedFixtures = new Set<string>();
  for (const block of blocks) {
    if (block.kind === "not checked") it.skip(`README.md:${block.line}: not checked — ${block.reason}`, () => {});
    if (block.kind !== "checked") continue;
    const title = `README.md:${block.line}: ${block.commands.map(({ text }) => `$ ${text}`).join("; ")}`;
    const skip = skipReason(block, skippedFixtures);
    if (skip !== undefined) {
      if (!block.continued) skippedFixtures.add(block.fixture);
      console.log(`skipped (${skip}): ${title}`);
      it.skip(title, () => {});
      continue;
    }

    it(title, { timeout: 120_000 }, async ({ onTestFailed }) => {
      const session = block.continued ? latestSession.get(block.fixture) : await openSession(block.fixture);
      if (session === undefined) throw new Error(`README.md:${block.line}: no earlier ${block.fixture} example ran to continue`);
      onTestFailed(() => {
        session.failed = true;
        console.log(`README example at README.md:${block.line} failed; its project is kept in ${session.project.dir}`);
      });
      for (const [index, command] of block.commands.entries()) {
        const where = `README.md:${command.line}: $ ${command.text}`;
        const result = await session.shell.run(withRealRunIds(command, session.runIds));
        if (block.commands[index + 1]?.text !== "echo $?") {
          expect(
            result.status,
            `${where}\nexited ${result.status}; a README example that fails shows it with \`$ echo $?\` next:\n${result.lines.join("\n")}`,
          ).toBe(0);
        }
        const comparison = compareOutput(command.output, result.lines);
        if (!comparison.matches)
          expect(comparison.actual, `${where}\nreal output (normalised) vs README (a README line "…" stands for any lines)`).toBe(comparison.expected);
        bindRunIds(comparison.runIdPairs, session.runIds, where);
      }
    });
  }
});
