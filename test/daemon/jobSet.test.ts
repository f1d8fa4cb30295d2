/** Reload's choice of job versions on real project files: valid replaces, invalid keeps the previous, removed goes. */
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reloadedJobs, resolveJobSet } from "../../src/daemon/jobSet.js";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { registryWithProbe } from "../runner/probeStepType.js";
import { jobYaml, writeProject } from "./schedulerHarness.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function check(root: string) {
  const project = loadProject({ projectDir: root, cwd: root, processEnv: {}, registry: registryWithProbe() });
  return { project, checked: await checkProject(project) };
}

describe("resolveJobSet", () => {
  it("keeps the previous version of a job whose file became invalid, naming the file, line and column", async () => {
    const made = writeProject({ a: { cron: "0 * * * *" }, b: { cron: "0 2 * * *" }, gone: { cron: "0 3 * * *" } });
    cleanups.push(made.remove);
    const first = await check(made.root);
    const initial = resolveJobSet(new Map(), first.project, first.checked);
    expect([...initial.jobs.keys()].sort()).toEqual(["a", "b", "gone"]);

    writeFileSync(join(made.root, "jobs", "a.yaml"), jobYaml("a", { cron: "*/5 * * * *" }));
    writeFileSync(
      join(made.root, "jobs", "b.yaml"),
      `id: b\nschedule: { cron: "0 2 * * *", timezone: UTC }\nsteps:\n  - { name: work, type: probe, behaviour: explode }\n`,
    );
    unlinkSync(join(made.root, "jobs", "gone.yaml"));
    const second = await check(made.root);
    const next = resolveJobSet(initial.jobs, second.project, second.checked);

    expect([...next.jobs.keys()].sort()).toEqual(["a", "b"]);
    expect(next.jobs.get("a")!.job.schedule!.expression).toBe("*/5 * * * *");
    expect(next.jobs.get("b")).toBe(initial.jobs.get("b"));
    expect(next.invalid).toMatchObject([{ id: "b", kept: true, error: { file: expect.stringContaining("b.yaml"), line: 4 } }]);
    expect(next.configErrors).toEqual([]);
  });

  it("a broken YAML file keeps the previous version too; at start an invalid job is not followed", async () => {
    const made = writeProject({ a: { cron: "0 * * * *" } });
    cleanups.push(made.remove);
    const first = await check(made.root);
    const initial = resolveJobSet(new Map(), first.project, first.checked);
    writeFileSync(join(made.root, "jobs", "a.yaml"), "id: a\nsteps: [\n");
    const broken = await check(made.root);
    expect(resolveJobSet(initial.jobs, broken.project, broken.checked)).toMatchObject({ invalid: [{ id: "a", kept: true }] });
    expect(resolveJobSet(initial.jobs, broken.project, broken.checked).jobs.get("a")).toBe(initial.jobs.get("a"));
    expect(resolveJobSet(new Map(), broken.project, broken.checked)).toMatchObject({ jobs: new Map(), invalid: [{ id: "a", kept: false }] });
  });

  it("an invalid nomaflow.yaml refuses the whole new version", async () => {
    const made = writeProject({ a: { cron: "0 * * * *" } });
    cleanups.push(made.remove);
    const first = await check(made.root);
    const initial = resolveJobSet(new Map(), first.project, first.checked);
    writeFileSync(join(made.root, "nomaflow.yaml"), "runs_dir: runs\nconnectors: 12\n");
    const second = await check(made.root);
    const next = resolveJobSet(initial.jobs, second.project, second.checked);
    expect(next.configErrors.length).toBeGreaterThan(0);
    expect(next.jobs.get("a")).toBe(initial.jobs.get("a"));
  });

  it("names for the reloaded line the jobs removed and the jobs valid again", async () => {
    const made = writeProject({ a: { cron: "0 * * * *" }, b: { cron: "0 2 * * *" }, gone: { cron: "0 3 * * *" } });
    cleanups.push(made.remove);
    const first = await check(made.root);
    const initial = resolveJobSet(new Map(), first.project, first.checked);
    writeFileSync(join(made.root, "jobs", "b.yaml"), "id: b\nsteps: [\n");
    const broken = await check(made.root);
    const second = resolveJobSet(initial.jobs, broken.project, broken.checked);
    expect(reloadedJobs(initial, second)).toEqual({ removed: [], recovered: [] });

    writeFileSync(join(made.root, "jobs", "b.yaml"), jobYaml("b", { cron: "0 4 * * *" }));
    unlinkSync(join(made.root, "jobs", "gone.yaml"));
    const fixed = await check(made.root);
    expect(reloadedJobs(second, resolveJobSet(second.jobs, fixed.project, fixed.checked))).toEqual({ removed: ["gone"], recovered: ["b"] });
  });
});
