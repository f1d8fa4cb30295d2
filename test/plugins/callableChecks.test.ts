/** validate checks python and node callables without running them: the module, then the function. */
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject, REPO_ROOT } from "../support/tempProject.js";

const removes: Array<() => void> = [];
afterAll(() => {
  for (const remove of removes) remove();
});

async function problems(steps: string, files: Record<string, string> = {}) {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/job.yaml": `id: job\nsteps:\n${steps}`, ...files });
  removes.push(made.remove);
  lastRoot = made.root;
  cpSync(join(REPO_ROOT, "plugins", "reporting"), join(made.root, "plugins", "reporting"), { recursive: true });
  const { report } = await checkProject(loadProject({ projectDir: made.root, cwd: made.root, processEnv: {} }));
  return report.diagnostics.map(
    (diagnostic) =>
      `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} [${diagnostic.step}] ${diagnostic.message}${diagnostic.hint ? ` (${diagnostic.hint})` : ""}`,
  );
}

/** The folder of the project `problems` made last. */
let lastRoot = "";
const python = (callable: string) => `  - name: py\n    type: python\n    callable: ${callable}\n`;
const node = (callable: string) => `  - name: js\n    type: node\n    callable: ${callable}\n`;

describe("python callables", () => {
  it("accepts the recipe's plugin", async () => {
    expect(await problems(python("reporting.sanity:assert_row_counts"))).toEqual([]);
  });

  it("names a missing module, a missing function (with a suggestion) at the step's line", async () => {
    expect(await problems(python("reporting.nope:f") + python("reporting.sanity:assert_row_count").replace("name: py", "name: py2"))).toEqual([
      "jobs/job.yaml:5:15 [py] callable reporting.nope:f: module plugins/reporting/nope.py does not exist (python callables are package.module:function under plugins/)",
      "jobs/job.yaml:8:15 [py2] callable reporting.sanity:assert_row_count: plugins/reporting/sanity.py defines no assert_row_count (did you mean `assert_row_counts`?)",
    ]);
  });

  it("finds functions in a package's __init__.py and trusts a star import", async () => {
    const files = { "plugins/pkg/__init__.py": "from .impl import *\n", "plugins/pkg/impl.py": "def hidden():\n    pass\n" };
    expect(await problems(python("pkg:anything"), files)).toEqual([]);
  });
});

describe("python syntax", () => {
  it("reports a syntax error at the module's file, line and column, compiling it without running it", async () => {
    const broken = "import pathlib\npathlib.Path('ran.txt').write_text('ran')\n\ndef check(ctx):\n    return {'rows': 1\n";
    const found = await problems(python("broken:check"), { "plugins/broken.py": broken });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^jobs\/job\.yaml:5:15 \[py\] callable broken:check: plugins\/broken\.py:5:12: .+ \(fix the module's syntax; validate compiles it without running it\)$/,
    );
    expect(existsSync(join(lastRoot, "ran.txt"))).toBe(false);
  });
});

describe("node callables", () => {
  const files = { "plugins/checks/rows.ts": "export async function assertRows(ctx: unknown, args: { n: number }) { return args; }\nexport default () => 1;\n" };

  it("accepts an exported function, a default export and a .mjs module", async () => {
    const mjs = { ...files, "plugins/m.mjs": "export const go = () => 1;\n" };
    expect(
      await problems(
        node("checks/rows.ts:assertRows") + node("checks/rows.ts:default").replace("name: js", "name: js2") + node("m.mjs:go").replace("name: js", "name: js3"),
        mjs,
      ),
    ).toEqual([]);
  });

  it("names a missing export, a missing module and a path outside plugins/", async () => {
    const steps =
      node("checks/rows.ts:assertRow") + node("checks/none.ts:f").replace("name: js", "name: js2") + node("../secrets.ts:f").replace("name: js", "name: js3");
    expect(await problems(steps, files)).toEqual([
      "jobs/job.yaml:5:15 [js] callable checks/rows.ts:assertRow: plugins/checks/rows.ts exports no assertRow (did you mean `assertRows`?)",
      "jobs/job.yaml:8:15 [js2] callable checks/none.ts:f: module plugins/checks/none.ts does not exist",
      "jobs/job.yaml:11:15 [js3] callable ../secrets.ts:f: ../secrets.ts is outside plugins/ (node callables are paths from the plugins/ folder)",
    ]);
  });

  it("reports a syntax error at the plugin's file and line, without running the module", async () => {
    const broken = { "plugins/bad.ts": 'writeFileSync("ran", "yes");\nexport function f( {\n' };
    const [problem] = await problems(node("bad.ts:f"), broken);
    expect(problem).toMatch(/^jobs\/job\.yaml:5:15 \[js\] callable bad\.ts:f: plugins\/bad\.ts:3:\d+: Expected/);
  });

  it("does not run the module's code", async () => {
    const made = makeProject({
      "nomaflow.yaml": "runs_dir: runs\n",
      "jobs/job.yaml": `id: job\nsteps:\n${node("side.ts:f")}`,
      "plugins/side.ts": 'import { writeFileSync } from "node:fs";\nwriteFileSync("ran.txt", "yes");\nexport const f = () => 1;\n',
    });
    removes.push(made.remove);
    lastRoot = made.root;
    const { report } = await checkProject(loadProject({ projectDir: made.root, cwd: made.root, processEnv: {} }));
    expect(report.ok).toBe(true);
    expect(existsSync(join(made.root, "ran.txt"))).toBe(false);
    expect(existsSync(join(process.cwd(), "ran.txt"))).toBe(false);
  });
});
