/**
 * `nomaflow run JOB` and `next JOB` read nomaflow.yaml and that job's file only: the other job
 * files are listed (for suggestions, and to catch JOB.yaml beside JOB.yml) but never read, so a
 * broken neighbour neither slows nor stops the job; the job's own file is still fully checked.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const GOOD_JOB = `id: good-job
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
params:
  who: { type: string, default: world }
steps:
  - { name: hello, type: shell, command: "echo hello \${params.who}" }
`;

/** A project of good-job and `neighbours` broken job files of every kind. */
function projectWithBrokenNeighbours(files: Record<string, string | Buffer> = {}, neighbours = 40): string {
  const broken: Record<string, string | Buffer> = {};
  for (let index = 0; index < neighbours; index++) {
    const id = `broken-${String(index).padStart(2, "0")}`;
    const kinds = [
      `id: ${id}\nsteps: [unclosed\n`, // YAML syntax
      `id: ${id}\nsteps: lots\n`, // schema
      `id: ${id}\nsteps:\n  - { name: a, type: no-such-type }\n`, // unknown step type
      Buffer.from([0x69, 0x64, 0x00, 0x01]), // binary
    ];
    broken[`jobs/${id}.yaml`] = kinds[index % kinds.length]!;
  }
  const made = makeProject({
    "nomaflow.yaml": "runs_dir: runs\n",
    "jobs/good-job.yaml": GOOD_JOB,
    // Another file claiming good-job's id is that file's problem, not good-job's.
    "jobs/aaa-impostor.yaml": GOOD_JOB,
    ...broken,
    ...files,
  });
  symlinkSync(join(made.root, "nowhere.yaml"), join(made.root, "jobs", "dangling.yaml"));
  cleanups.push(made.remove);
  return made.root;
}

describe("running one job reads only that job's file", () => {
  it("runs good-job although every other job file is broken", async () => {
    const root = projectWithBrokenNeighbours();
    const validate = await runCli(["validate"], { cwd: root });
    expect(validate.code).toBe(1);
    const result = await runCli(["run", "good-job", "--param", "who=there"], { cwd: root });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("hello there");
    const next = await runCli(["next", "good-job", "-n", "1", "--from", "2027-01-01T00:00:00Z"], { cwd: root });
    expect(next.code).toBe(0);
    expect(next.stdout).toContain("2027-01-01T02:00:00+01:00");
  });

  it("refuses the job's own file when its schema is wrong, naming file, line and column", async () => {
    const root = projectWithBrokenNeighbours({ "jobs/good-job.yaml": GOOD_JOB.replace("type: shell", "type: shel") });
    const result = await runCli(["run", "good-job"], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("job good-job is not valid: jobs/good-job.yaml:6:26: unknown step type shel");
  });

  it("refuses the job's own file when it is not YAML, or its id differs from its file name", async () => {
    const root = projectWithBrokenNeighbours({ "jobs/good-job.yaml": "id: good-job\nsteps: [unclosed\n", "jobs/renamed.yaml": GOOD_JOB });
    const notYaml = await runCli(["run", "good-job"], { cwd: root });
    expect(notYaml.code).toBe(2);
    expect(notYaml.stderr).toMatch(/job good-job is not valid: jobs\/good-job\.yaml:\d+:\d+: YAML: /);
    const renamed = await runCli(["run", "renamed"], { cwd: root });
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toContain("job renamed is not valid: jobs/renamed.yaml:1:5: job id good-job differs from its file name renamed");
  });

  it("refuses a job that has both a .yaml and a .yml file", async () => {
    const root = projectWithBrokenNeighbours({ "jobs/good-job.yml": GOOD_JOB });
    const result = await runCli(["run", "good-job"], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("job good-job has two files: jobs/good-job.yaml and jobs/good-job.yml");
  });

  it("runs a job from a .yml file and through a link, as validate finds them", async () => {
    const root = projectWithBrokenNeighbours({
      "jobs/short.yml": GOOD_JOB.replace("id: good-job", "id: short"),
      "shared/linked.yaml": GOOD_JOB.replace("id: good-job", "id: linked"),
    });
    mkdirSync(join(root, "jobs"), { recursive: true });
    symlinkSync(join(root, "shared", "linked.yaml"), join(root, "jobs", "linked.yaml"));
    for (const id of ["short", "linked"]) {
      const result = await runCli(["run", id], { cwd: root });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("hello world");
    }
  });

  it("a job that does not exist: a suggestion from the file names, or the list when none is close", async () => {
    const root = projectWithBrokenNeighbours();
    const typo = await runCli(["run", "god-job"], { cwd: root });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("no job god-job in this project");
    expect(typo.stderr).toContain("did you mean good-job?");
    const far = await runCli(["next", "zzzzzzzzzz"], { cwd: root });
    expect(far.code).toBe(2);
    expect(far.stderr).toContain("no job zzzzzzzzzz in this project");
    expect(far.stderr).toMatch(/jobs: aaa-impostor, broken-00, .* and \d+ more/);
    const dangling = await runCli(["run", "dangling"], { cwd: root });
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain("job dangling is not valid: jobs/dangling.yaml:1:1: file not found");
  });
});
