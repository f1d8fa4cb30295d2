/**
 * What `nomaflow run` loads: a sql_copy run with --json (as cron and benchmarks run it) does not
 * load code it never calls — undici for webhook alerts (a megabyte), Node's own fetch (which pg's
 * Cloudflare probe would pull in), log-update for the terminal timeline. Each costs start-up time
 * on every run. The bundle is watched through esbuild's `// node_modules/<package>/` markers;
 * pg, which the run does need, proves that the markers are seen.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { makeProject, runCli } from "../support/tempProject.js";

/** Hooks (in the loader's thread) that note each bundled package a loaded module holds. */
const HOOKS = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  const loaded = await next(url, context);
  const source = loaded.source === undefined || loaded.source === null ? "" : String(loaded.source);
  const packages = new Set([...source.matchAll(/^\\/\\/ (?:\\S*\\/)?node_modules\\/((?:@[^/\\s]+\\/)?[^/\\s]+)\\//gm)].map((match) => match[1]));
  appendFileSync(process.env.LOADED_LOG, [...packages].map((name) => "package " + name + "\\n").join(""));
  return loaded;
}
`;

/** Registers the hooks, and at exit writes which of Node's own modules were loaded. */
const REGISTER = `import { register } from "node:module";
import { appendFileSync } from "node:fs";
register(new URL("./hooks.mjs", import.meta.url));
process.on("exit", () => appendFileSync(process.env.LOADED_LOG, process.moduleLoadList.map((name) => name + "\\n").join("")));
`;

describeWithPostgres("modules loaded by a sql_copy run", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createDatabase("startup_modules");
    await database.query("create table items (id int primary key, name text); insert into items select i, 'item ' || i from generate_series(1, 100) as i");
    await database.query("create table items_copy (id int primary key, name text)");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("an upsert with --json, in a project that has a webhook alert channel, loads neither undici, Node's fetch nor log-update", async () => {
    const project = makeProject({
      "nomaflow.yaml": `runs_dir: runs\nconnectors:\n  db: { url: "${database.url}" }\nnotifications:\n  channels:\n    oncall: { type: slack, url: "https://hooks.example/x" }\n  default: [oncall]\n`,
      "jobs/copy.yaml":
        "id: copy\nsteps:\n  - name: copy\n    type: sql_copy\n    source: { connector: db, table: items }\n    target: { connector: db, table: items_copy }\n    mode: upsert\n",
      "hooks.mjs": HOOKS,
      "register.mjs": REGISTER,
    });
    try {
      const log = join(project.root, "loaded.log");
      const result = await runCli(["run", "copy", "--json"], {
        cwd: project.root,
        env: { NODE_OPTIONS: `--import=${pathToFileURL(join(project.root, "register.mjs")).href}`, LOADED_LOG: log },
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"rows_inserted":100');
      const loaded = new Set(readFileSync(log, "utf8").split("\n"));
      expect(loaded).toContain("package pg");
      expect(loaded).not.toContain("package undici");
      expect(loaded).not.toContain("package log-update");
      expect(loaded).not.toContain("NativeModule internal/deps/undici/undici");
    } finally {
      project.remove();
    }
  });
});
