/**
 * `nomaflow init [DIR]` through the built binary: the project it writes validates and its example
 * job runs (no database, no network); files already there are refused unless --force; a
 * .gitignore already there gets the lines it lacks; the modelines point at schemas that exist.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { modelineTarget } from "../../src/init/schemaModelines.js";
import { REPO_ROOT, runCli } from "../support/tempProject.js";

const base = mkdtempSync(join(tmpdir(), "nomaflow-init-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const FILES = ["nomaflow.yaml", "jobs/example.yaml", "plugins/example/words.ts", "plugins/README.md", ".env.example", ".gitignore"];
const CLEAN_ENV = { NOMAFLOW_RUNS_DIR: undefined, NOMAFLOW_PYTHON: undefined };

/** The schema a file's `# yaml-language-server: $schema=…` modeline points at, as an absolute path. */
function modelineSchema(file: string): string {
  const match = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(file, "utf8"));
  expect(match, `${file} has no modeline`).not.toBeNull();
  const target = match![1]!;
  return target.startsWith("file:") ? fileURLToPath(target) : resolve(dirname(file), target);
}

it("creates a project that validates and whose example job runs", async () => {
  const created = await runCli(["init", "first"], { cwd: base, env: CLEAN_ENV });
  expect(created.code, created.stderr).toBe(0);
  const project = join(base, "first");
  for (const file of FILES) {
    expect(existsSync(join(project, file)), file).toBe(true);
    expect(created.stdout).toMatch(new RegExp(`created +${file.replace(/\./g, "\\.")} `));
  }
  expect(created.stdout).toContain("nomaflow init: a new project in first");
  expect(created.stdout).toMatch(/^ {2}cd first$/m);
  expect(created.stdout).toMatch(/nomaflow validate +# checks/);
  expect(created.stdout).toMatch(/nomaflow run example +# runs the example/);
  expect(readFileSync(join(project, ".gitignore"), "utf8")).toMatch(/^\/runs\/\n\.env\n\/\.nomaflow\/\n$/m);

  // Not installed in the project: the modelines point at the running nomaflow's schemas, which are there.
  expect(modelineSchema(join(project, "nomaflow.yaml"))).toBe(join(REPO_ROOT, "schemas", "nomaflow.schema.json"));
  expect(modelineSchema(join(project, "jobs", "example.yaml"))).toBe(join(REPO_ROOT, "schemas", "job.schema.json"));
  expect(created.stdout).toContain("editor support: the yaml-language-server modelines point at this nomaflow's schemas");

  const validated = await runCli(["validate", "--require-env"], { cwd: project, env: CLEAN_ENV });
  expect(validated.stdout).toContain("1 of 1 job valid · 0 errors · 0 warnings");
  expect(validated.code, validated.stdout).toBe(0);

  const run = await runCli(["run", "example", "-p", "who=data team"], { cwd: project, env: CLEAN_ENV });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain("say-hello info: hello data team");
  expect(run.stdout).toContain('count-words info: 3 words in "hello data team"');
  expect(run.stdout).toContain("✓ run succeeded");

  const next = await runCli(["next", "example", "--from", "2027-03-27T12:00:00+01:00", "-n", "1", "--json"], { cwd: project });
  expect(JSON.parse(next.stdout)).toMatchObject({ timezone: "Europe/Paris", fires: ["2027-03-28T06:00:00+02:00"] });
});

it("refuses to overwrite, naming every file already there, and writes nothing; --force overwrites", async () => {
  const project = join(base, "existing");
  mkdirSync(join(project, "jobs"), { recursive: true });
  writeFileSync(join(project, "nomaflow.yaml"), "runs_dir: mine\n");
  writeFileSync(join(project, "jobs", "example.yaml"), "id: example\n");

  const refused = await runCli(["init", project], { cwd: base });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`nomaflow: error: files are already there, so nothing was written: nomaflow.yaml, jobs/example.yaml in ${project}`);
  expect(refused.stderr).toContain("hint: pass --force to overwrite them");
  expect(readFileSync(join(project, "nomaflow.yaml"), "utf8")).toBe("runs_dir: mine\n");
  expect(existsSync(join(project, ".env.example"))).toBe(false);
  expect(existsSync(join(project, ".gitignore"))).toBe(false);

  const forced = await runCli(["init", "--force"], { cwd: project });
  expect(forced.code, forced.stderr).toBe(0);
  expect(forced.stdout).toContain("nomaflow init: a new project in the current folder");
  expect(forced.stdout).toMatch(/overwritten +nomaflow\.yaml/);
  expect(forced.stdout).toMatch(/overwritten +jobs\/example\.yaml/);
  expect(forced.stdout).toMatch(/created +\.env\.example/);
  expect(forced.stdout).not.toMatch(/^ {2}cd /m);
  expect(readFileSync(join(project, "nomaflow.yaml"), "utf8")).toContain("runs_dir: runs");
});

it("adds what a .gitignore already there lacks, keeping the rest", async () => {
  const project = join(base, "with-gitignore");
  mkdirSync(project);
  writeFileSync(join(project, ".gitignore"), "node_modules/\nruns/");
  const created = await runCli(["init", "with-gitignore"], { cwd: base });
  expect(created.code, created.stderr).toBe(0);
  expect(created.stdout).toMatch(/updated +\.gitignore/);
  expect(readFileSync(join(project, ".gitignore"), "utf8")).toBe(
    "node_modules/\nruns/\n\n# nomaflow: run logs, secrets, embedded databases and compiled plugins\n.env\n/.nomaflow/\n",
  );

  // A second init (forced) finds every line there and keeps the file as it is.
  const again = await runCli(["init", "--force", "with-gitignore"], { cwd: base });
  expect(again.stdout).toMatch(/kept +\.gitignore/);
});

it("points the modelines into node_modules/nomaflow when nomaflow is installed in the project", async () => {
  const project = join(base, "with-dependency");
  cpSync(join(REPO_ROOT, "schemas"), join(project, "node_modules", "nomaflow", "schemas"), { recursive: true });
  const created = await runCli(["init", "with-dependency"], { cwd: base });
  expect(created.code, created.stderr).toBe(0);
  expect(readFileSync(join(project, "nomaflow.yaml"), "utf8")).toMatch(
    /^# yaml-language-server: \$schema=\.\/node_modules\/nomaflow\/schemas\/nomaflow\.schema\.json$/m,
  );
  expect(readFileSync(join(project, "jobs", "example.yaml"), "utf8")).toMatch(
    /^# yaml-language-server: \$schema=\.\.\/node_modules\/nomaflow\/schemas\/job\.schema\.json$/m,
  );
  expect(created.stdout).toContain("modelines point at node_modules/nomaflow/schemas/");
});

it("refuses a DIR that is a file", async () => {
  writeFileSync(join(base, "a-file"), "");
  const refused = await runCli(["init", "a-file"], { cwd: base });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`${join(base, "a-file")} is a file, not a folder`);
});

it("writes a relative modeline for schemas inside the project, a file: URL for schemas elsewhere", () => {
  const inside = { folder: "/work/project/vendor/schemas", kind: "installation" } as const;
  expect(modelineTarget(inside, "/work/project", "/work/project", "nomaflow.schema.json")).toBe("./vendor/schemas/nomaflow.schema.json");
  expect(modelineTarget(inside, "/work/project", "/work/project/jobs", "job.schema.json")).toBe("../vendor/schemas/job.schema.json");
  const elsewhere = { folder: "/opt/node modules/nomaflow/schemas", kind: "installation" } as const;
  // A file: URL has no spaces, which the modeline would stop at.
  expect(modelineTarget(elsewhere, "/work/project", "/work/project/jobs", "job.schema.json")).toBe(
    "file:///opt/node%20modules/nomaflow/schemas/job.schema.json",
  );
});
