/**
 * The bridge under every Python this machine has (pyenv's versions, and NOMAFLOW_TEST_PYTHONS, a
 * colon-separated list): 3.8 and newer run sync and async functions; older ones (2.7, 3.6, 3.7)
 * get the one clear "too old" error, which needs launcher.py to parse under them. Without pyenv
 * or the variable, only the current python3 is checked, and the file says so in one line.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runPythonStep } from "../../../src/step-types/python/runPythonStep.js";
import { REPO_ROOT } from "../../support/tempProject.js";
import { describeWithPython, never, pluginProject, PYTHON, stepFailure, type PluginProject } from "./pythonSupport.js";

function interpreters(): string[] {
  const listed = (process.env.NOMAFLOW_TEST_PYTHONS ?? "").split(":").filter(Boolean);
  const versions = join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "versions");
  const pyenv = existsSync(versions)
    ? readdirSync(versions)
        .map((version) => join(versions, version, "bin", "python"))
        .filter((path) => existsSync(path))
    : [];
  return [...new Set([...listed, ...pyenv])];
}

/** [major, minor], asked in a way every Python since 2.4 understands. */
function versionOf(interpreter: string): [number, number] {
  const probe = spawnSync(interpreter, ["-c", "import sys; sys.stdout.write('%d.%d' % tuple(sys.version_info[:2]))"], { encoding: "utf8" });
  const [major, minor] = probe.stdout.split(".").map(Number);
  return [major ?? 0, minor ?? 0];
}

const PLUGIN = `
import asyncio, datetime, decimal, sys

def sync(ctx, *, n):
    ctx.log.info("sync on %d.%d" % sys.version_info[:2])
    return {"n": n, "day": datetime.date(2026, 3, 29), "amount": decimal.Decimal("1.50"), "major": sys.version_info[0]}

async def fails(ctx):
    await asyncio.sleep(0)
    raise ValueError("nothing to do")
`;

const found = interpreters();
if (found.length === 0) console.log("only the current python3 checked (no pyenv versions, NOMAFLOW_TEST_PYTHONS unset): python step under other Pythons");

describeWithPython("python step: Python versions", () => {
  let project: PluginProject;
  beforeAll(() => {
    project = pluginProject({ "plugins/versions.py": PLUGIN });
  });
  afterAll(() => project?.remove());

  it("keeps launcher.py to Python 3.4 syntax and the rest of the bridge to 3.8 syntax", () => {
    const bridge = join(REPO_ROOT, "src", "step-types", "python", "bridge");
    const check = `import ast, glob\nfor name in sorted(glob.glob("*.py")):\n    ast.parse(open(name).read(), filename=name, feature_version=(3, 4) if name == "launcher.py" else (3, 8))\nprint("ok")`;
    const result = spawnSync(PYTHON, ["-c", check], { cwd: bridge, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
  });

  for (const interpreter of found.length ? found : [PYTHON]) {
    const [major, minor] = versionOf(interpreter);
    if (major > 3 || (major === 3 && minor >= 8)) {
      it(`runs sync and async functions under ${interpreter} (${major}.${minor})`, async () => {
        const recording = project.context();
        expect(await runPythonStep({ callable: "versions:sync", op_kwargs: { n: 2 } }, recording.context, never, interpreter)).toEqual({
          n: 2,
          day: "2026-03-29",
          amount: "1.50",
          major: 3,
        });
        expect(recording.messages("info")).toEqual([`sync on ${major}.${minor}`]);
        const failing = project.context();
        expect((await stepFailure(runPythonStep({ callable: "versions:fails" }, failing.context, never, interpreter))).message).toBe(
          "ValueError: nothing to do",
        );
        const traceback = failing.messages("error")[0]!;
        expect(traceback).toContain("in fails");
        expect(traceback).not.toMatch(/bridge[/\\](nomaflow|_nomaflow_\w+)\.py/);
      });
    } else {
      it(`refuses ${interpreter} (${major}.${minor}) with one clear error`, async () => {
        const error = await stepFailure(runPythonStep({ callable: "versions:sync", op_kwargs: { n: 1 } }, project.context().context, never, interpreter));
        expect(error.message).toMatch(new RegExp(`^python interpreter .+ is Python ${major}\\.${minor}\\.\\d+; the python step needs Python 3\\.8 or newer`));
        expect(error.retryable).toBe(false);
      });
    }
  }
});
