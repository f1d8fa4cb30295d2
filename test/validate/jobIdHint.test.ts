/** The hint for a job id that differs from its file name suggests only valid ids. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject, type ProjectReport } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";

const STEPS = 'steps:\n  - { name: a, type: shell, command: "true" }\n';
const project = makeProject({
  "nomaflow.yaml": "runs_dir: runs\n",
  "jobs/Wrong-Name.yaml": `id: wrong-name\n${STEPS}`,
  "jobs/My Job.yml": `id: My Job\n${STEPS}`,
  "jobs/nightly.yaml": `id: nightly-sync\n${STEPS}`,
});
afterAll(() => project.remove());

let report: ProjectReport;
beforeAll(async () => {
  report = (await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }))).report;
});

const hintFor = (file: string) =>
  report.diagnostics.find((diagnostic) => diagnostic.file === file && diagnostic.message.includes("differs from its file name"))?.hint;

it("a file name that is no valid id: rename the file, never set the id to it", () => {
  expect(hintFor("jobs/Wrong-Name.yaml")).toBe("rename the file to wrong-name.yaml (a job id is a lower-case name: letters, digits, '-' and '_')");
});

it("an id that is not valid either: the error says what a valid id is, no hint names an invalid one", () => {
  const found = report.diagnostics.filter((diagnostic) => diagnostic.file === "jobs/My Job.yml");
  expect(found.map((diagnostic) => diagnostic.message)).toContain("`id` must be a lower-case name: letters, digits, '-' and '_', got \"My Job\"");
  for (const diagnostic of found) expect(diagnostic.hint ?? "").not.toMatch(/My Job/);
});

it("both valid: either way", () => {
  expect(hintFor("jobs/nightly.yaml")).toBe("rename the file to nightly-sync.yaml or set id: nightly");
});
