/**
 * Each kind of bad input gets one clear diagnostic at its position, and the other jobs of the
 * project are still reported valid.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject, requireJob, type ProjectReport } from "../../src/validate/checkProject.js";
import { makeProject, MINIMAL_CONFIG } from "../support/tempProject.js";

const GOOD_JOB = `id: good
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
steps:
  - name: copy
    type: sql_copy
    source: { connector: ops-db, table: customers }
    target: { connector: reporting-db, schema: reporting, table: customers }
    mode: overwrite
`;

function jobWith(id: string, replace: [string, string][]): string {
  let text = GOOD_JOB.replace("id: good", `id: ${id}`);
  for (const [from, to] of replace) {
    if (!text.includes(from)) throw new Error(`fixture: ${from} not found`);
    text = text.replace(from, to);
  }
  return text;
}

const cases: Array<{
  name: string;
  file: string;
  content: string | Buffer;
  line: number;
  column: number;
  message: RegExp;
  hint?: RegExp;
  step?: string | null;
}> = [
  {
    name: "unknown field",
    file: "unknown-field",
    content: jobWith("unknown-field", [["table: customers }", "tabel: customers }"]]),
    line: 6,
    column: 34,
    message: /unknown field `tabel` in `source`/,
    hint: /did you mean `table`\?/,
    step: "copy",
  },
  {
    name: "wrong type",
    file: "wrong-type",
    content: jobWith("wrong-type", [["mode: overwrite", "mode: overwrite\n    batch_size: lots"]]),
    line: 9,
    column: 17,
    message: /`batch_size` must be a whole number, got "lots"/,
    step: "copy",
  },
  {
    name: "bad enum",
    file: "bad-enum",
    content: jobWith("bad-enum", [["mode: overwrite", "mode: overwrit"]]),
    line: 8,
    column: 11,
    message: /`mode` must be one of overwrite, append, upsert/,
    hint: /did you mean `overwrite`/,
  },
  {
    name: "id differs from file name",
    file: "other-name",
    content: jobWith("not-the-file", []),
    line: 1,
    column: 5,
    message: /job id not-the-file differs from its file name other-name/,
  },
  {
    name: "unknown timezone",
    file: "bad-zone",
    content: jobWith("bad-zone", [["Europe/Paris", "Europe/Pariss"]]),
    line: 2,
    column: 42,
    message: /unknown time zone Europe\/Pariss/,
    hint: /did you mean Europe\/Paris\?/,
  },
  { name: "cron with 4 fields", file: "cron-four", content: jobWith("cron-four", [['"0 2 * * *"', '"0 2 * *"']]), line: 2, column: 27, message: /got 4/ },
  {
    name: "cron with 7 fields",
    file: "cron-seven",
    content: jobWith("cron-seven", [['"0 2 * * *"', '"0 0 2 * * * *"']]),
    line: 2,
    column: 32,
    message: /7th field, `\*` \(a Quartz year\), but Nomaflow has no year field; drop it: `0 0 2 \* \* \*` means the same/,
  },
  {
    name: "cron with a year",
    file: "cron-year",
    content: jobWith("cron-year", [['"0 2 * * *"', '"0 0 2 * * ? 2027"']]),
    line: 2,
    column: 32,
    message: /7th field, `2027` \(a Quartz year\).*write `0 0 2 \* \* \?`, and disable or delete the job when the year is over/,
  },
  {
    name: "cron @reboot",
    file: "cron-reboot",
    content: jobWith("cron-reboot", [['"0 2 * * *"', '"@reboot"']]),
    line: 2,
    column: 20,
    message: /`@reboot` is not supported: .*run `nomaflow run JOB` from whatever starts the daemon/,
  },
  {
    name: "cron ? in the minute",
    file: "cron-question",
    content: jobWith("cron-question", [['"0 2 * * *"', '"? 2 * * *"']]),
    line: 2,
    column: 20,
    message: /minute field `\?` is only allowed in the day fields \(where `\?` means `\*`\); write `\*`/,
  },
  { name: "minute 61", file: "cron-sixty-one", content: jobWith("cron-sixty-one", [['"0 2 * * *"', '"61 * * * *"']]), line: 2, column: 20, message: /61/ },
  {
    name: "missing connector",
    file: "no-connector",
    content: jobWith("no-connector", [["connector: ops-db", "connector: ops_db"]]),
    line: 6,
    column: 26,
    message: /connector ops_db is not defined in nomaflow.yaml/,
    hint: /did you mean `ops-db`/,
  },
  {
    name: "unterminated ${",
    file: "unterminated",
    content: jobWith("unterminated", [["table: customers }", 'table: "${params.x" }']]),
    line: 6,
    column: 42,
    message: /unterminated \$\{/,
  },
  {
    name: "YAML syntax error",
    file: "syntax",
    content: "id: syntax\nsteps:\n  - name: a\n   type: [sql\n",
    line: 4,
    column: 1,
    message: /^YAML: Sequence item without - indicator/,
  },
  { name: "duplicate key", file: "dup-key", content: "id: dup-key\nid: dup-key\nsteps: []\n", line: 2, column: 1, message: /^YAML: Map keys must be unique/ },
  { name: "tab indentation", file: "tabs", content: "id: tabs\n\tsteps: []\n", line: 2, column: 1, message: /^YAML: Tabs are not allowed as indentation/ },
  { name: "empty file", file: "empty", content: "", line: 1, column: 1, message: /file is empty/ },
  { name: "binary file", file: "binary", content: Buffer.from([0x69, 0x64, 0x3a, 0x20, 0x0a, 0x00, 0xff, 0x13]), line: 2, column: 1, message: /binary data/ },
  {
    name: "5 MB file",
    file: "huge",
    content: `id: huge\n# ${"x".repeat(5 * 1024 * 1024)}\n`,
    line: 1,
    column: 1,
    message: /file too large \(5\.0 MB; the limit is 1 MB\)/,
  },
  {
    name: "unknown step type",
    file: "bad-type",
    content: jobWith("bad-type", [["type: sql_copy", "type: sql_cpy"]]),
    line: 5,
    column: 11,
    message: /unknown step type sql_cpy/,
    hint: /did you mean `sql_copy`/,
  },
  {
    name: "undeclared parameter",
    file: "bad-param",
    content: jobWith("bad-param", [["table: customers }", 'table: "${params.tabel}" }']]),
    line: 6,
    column: 42,
    message: /declares no parameter tabel/,
  },
  {
    name: "boolean written yes (YAML 1.2: a string)",
    file: "yes-bool",
    content: jobWith("yes-bool", [["mode: overwrite", "mode: overwrite\nalerts: { on_failure: yes }"]]),
    line: 9,
    column: 23,
    message: /`alerts.on_failure` must be true or false, got "yes"/,
    hint: /^booleans are written true or false/,
  },
  { name: "not a map", file: "a-list", content: "- 1\n- 2\n", line: 1, column: 1, message: /must be a map of fields/ },
];

const files: Record<string, string | Buffer> = { "nomaflow.yaml": MINIMAL_CONFIG, "jobs/good.yaml": GOOD_JOB };
for (const testCase of cases) files[`jobs/${testCase.file}.yaml`] = testCase.content;
const project = makeProject(files);
afterAll(() => project.remove());

let report: ProjectReport;
beforeAll(async () => {
  report = (await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }))).report;
});
const getReport = () => report;

describe("validate on bad input", () => {
  it("keeps the valid job valid", () => {
    expect(getReport().jobs.find((job) => job.id === "good")).toEqual({ id: "good", file: "jobs/good.yaml", valid: true });
    expect(getReport().diagnostics.filter((diagnostic) => diagnostic.file === "jobs/good.yaml")).toEqual([]);
  });

  for (const testCase of cases) {
    it(`${testCase.name}: one diagnostic at its position`, () => {
      const found = getReport().diagnostics.filter((diagnostic) => diagnostic.file === `jobs/${testCase.file}.yaml` && diagnostic.severity === "error");
      expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
      const [diagnostic] = found;
      expect(diagnostic!.message).toMatch(testCase.message);
      expect({ line: diagnostic!.line, column: diagnostic!.column }).toEqual({ line: testCase.line, column: testCase.column });
      if (testCase.hint) expect(diagnostic!.hint).toMatch(testCase.hint);
      if (testCase.step !== undefined) expect(diagnostic!.step).toBe(testCase.step);
      expect(getReport().jobs.find((job) => job.file === `jobs/${testCase.file}.yaml`)?.valid).toBe(false);
    });
  }

  it("reports a duplicate id across .yaml and .yml", async () => {
    const duplicate = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "jobs/good.yaml": GOOD_JOB, "jobs/good.yml": GOOD_JOB });
    try {
      const { report: result } = await checkProject(loadProject({ projectDir: duplicate.root, cwd: duplicate.root, processEnv: {} }));
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: "jobs/good.yml", line: 1, column: 5, job: "good" });
      expect(errors[0]!.message).toBe("duplicate job id good: jobs/good.yaml has it too");
    } finally {
      duplicate.remove();
    }
  });

  it("reports a duplicate step name at the second one", async () => {
    const twice = makeProject({
      "nomaflow.yaml": MINIMAL_CONFIG,
      "jobs/twice.yaml": `id: twice\nsteps:\n  - { name: a, type: shell, command: "true" }\n  - { name: a, type: shell, command: "true" }\n`,
    });
    try {
      const { report: result } = await checkProject(loadProject({ projectDir: twice.root, cwd: twice.root, processEnv: {} }));
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]).toMatchObject({ line: 4, column: 13, job: "twice", step: "a" });
      expect(result.diagnostics[0]!.message).toContain("used twice");
    } finally {
      twice.remove();
    }
  });
});

describe("validate on a broken nomaflow.yaml", () => {
  it("reports it once, keeps judging jobs on their own files, and refuses to hand out a job", async () => {
    const broken = makeProject({ "nomaflow.yaml": "connectors: [unclosed\n", "jobs/good.yaml": GOOD_JOB });
    try {
      const checked = await checkProject(loadProject({ projectDir: broken.root, cwd: broken.root, processEnv: {} }));
      expect(checked.report.ok).toBe(false);
      // Its own file has no errors, but what it takes from nomaflow.yaml could not be checked.
      expect(checked.report.jobs).toEqual([{ id: "good", file: "jobs/good.yaml", valid: null }]);
      const errors = checked.report.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: "nomaflow.yaml", job: null });
      expect(() => requireJob(checked, "good")).toThrow(/^nomaflow\.yaml:\d+:\d+: YAML: /);
    } finally {
      broken.remove();
    }
  });
});

describe("validate on values written as references", () => {
  it("does not warn that key is unused when mode is a ${…} (it may be upsert), and still does for a literal mode", async () => {
    const keyed = (id: string, mode: string) =>
      jobWith(id, [["mode: overwrite", `mode: ${mode}\n    key: [id]`]]) + "params:\n  mode: { type: string, enum: [append, upsert], default: upsert }\n";
    const project = makeProject({
      "nomaflow.yaml": MINIMAL_CONFIG,
      "jobs/by-param.yaml": keyed("by-param", '"${params.mode}"'),
      "jobs/literal.yaml": keyed("literal", "append"),
    });
    try {
      const { report: result } = await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }));
      expect(result.diagnostics.map((diagnostic) => `${diagnostic.file}: ${diagnostic.message}`)).toEqual([
        "jobs/literal.yaml: key is only used by mode upsert; this step's mode is append",
      ]);
    } finally {
      project.remove();
    }
  });
});

describe("validate on linked job files", () => {
  it("reads a job file through a link and reports a dangling link as a missing file", async () => {
    const linked = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "shared/good.yaml": GOOD_JOB });
    try {
      mkdirSync(join(linked.root, "jobs"));
      symlinkSync(join(linked.root, "shared/good.yaml"), join(linked.root, "jobs/good.yaml"));
      symlinkSync(join(linked.root, "nowhere.yaml"), join(linked.root, "jobs/gone.yaml"));
      const { report: result } = await checkProject(loadProject({ projectDir: linked.root, cwd: linked.root, processEnv: {} }));
      expect(result.jobs).toEqual([
        { id: "gone", file: "jobs/gone.yaml", valid: false },
        { id: "good", file: "jobs/good.yaml", valid: true },
      ]);
      expect(result.diagnostics).toEqual([expect.objectContaining({ file: "jobs/gone.yaml", line: 1, column: 1, message: "file not found" })]);
    } finally {
      linked.remove();
    }
  });
});
