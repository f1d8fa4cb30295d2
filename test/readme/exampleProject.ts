/**
 * A README example's project: a temporary copy of a fixture (or of the repository's own recipe),
 * with its `.env` written and, when the fixture asks, a local HTTP receiver for its http steps.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startReceiver, type HttpReceiver } from "../support/httpReceiver.js";
import { freshPgliteFolder } from "../support/pgliteTemplate.js";
import { REPO_ROOT } from "../support/tempProject.js";

export const FIXTURES_DIR = join(REPO_ROOT, "test", "readme", "fixtures");

/** The fixture `recipe`: the repository's own project, as a new user clones it. */
const RECIPE_FILES = ["nomaflow.yaml", "jobs", "plugins", ".env.example"];

/** `fixture.json`, optional in a fixture folder; it is not copied into the project. */
export interface FixtureSettings {
  /** "recipe": copy the recipe first, then the fixture's files over it. */
  base?: "recipe";
  /** Lines of the project's `.env` (a fixture cannot hold a `.env`: git ignores every one). */
  dotenv?: Record<string, string>;
  /** A variable set in `.env` to the URL of a receiver on 127.0.0.1 that answers 200 {"ok":true}. */
  receiver?: string;
  /** The PostgreSQL URL the fixture's files name: the example runs only when NOMAFLOW_TEST_PG_URL is exactly this. */
  postgres?: string;
}

export function fixtureExists(name: string): boolean {
  return name === "recipe" || existsSync(join(FIXTURES_DIR, name));
}

export function readFixtureSettings(name: string): FixtureSettings {
  const path = join(FIXTURES_DIR, name, "fixture.json");
  if (name === "recipe" || !existsSync(path)) return {};
  const settings = JSON.parse(readFileSync(path, "utf8")) as FixtureSettings;
  const known = new Set(["base", "dotenv", "receiver", "postgres"]);
  const unknown = Object.keys(settings).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`${path}: unknown setting ${unknown.join(", ")} (allowed: ${[...known].join(", ")})`);
  return settings;
}

export interface ExampleProject {
  /** The project folder, resolved (so it reads the same as the paths the CLI prints). */
  dir: string;
  /** Stops the receiver and removes the folder, unless `keep` (a failed example's evidence). */
  close(options?: { keep?: boolean }): Promise<void>;
}

export async function createExampleProject(fixture: string): Promise<ExampleProject> {
  const settings = readFixtureSettings(fixture);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `nomaflow-readme-${fixture}-`)));
  if (fixture === "recipe" || settings.base === "recipe") for (const part of RECIPE_FILES) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  if (fixture !== "recipe")
    cpSync(join(FIXTURES_DIR, fixture), dir, { recursive: true, filter: (source) => source !== join(FIXTURES_DIR, fixture, "fixture.json") });

  const dotenv = { ...settings.dotenv };
  let receiver: HttpReceiver | undefined;
  if (settings.receiver) {
    receiver = await startReceiver((_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"ok":true}');
    });
    dotenv[settings.receiver] = `${receiver.url}/hook`;
  }
  const lines = Object.entries(dotenv).map(([name, value]) => `${name}=${value}\n`);
  if (lines.length > 0) writeFileSync(join(dir, ".env"), lines.join(""));
  // An example's first use of a PGlite folder prints the same whether or not it had to run initdb.
  for (const folder of literalPgliteFolders(dir)) if (!existsSync(join(dir, folder))) await freshPgliteFolder(join(dir, folder));

  return {
    dir,
    close: async ({ keep = false } = {}) => {
      await receiver?.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The folders of the `pglite:` connectors the project's nomaflow.yaml names literally. */
function literalPgliteFolders(dir: string): string[] {
  const config = join(dir, "nomaflow.yaml");
  if (!existsSync(config)) return [];
  return [...readFileSync(config, "utf8").matchAll(/url:\s*"pglite:([^"$]+)"/g)].map((match) => match[1]!);
}
