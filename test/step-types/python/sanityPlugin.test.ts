/**
 * The recipe's plugin, plugins/reporting/sanity.py, unchanged, against two real PostgreSQL
 * databases: called directly with op_kwargs, and as the recipe's job step with its typed parameter.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runPythonStep } from "../../../src/step-types/python/runPythonStep.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { REPO_ROOT } from "../../support/tempProject.js";
import { describeWithPython, never, pluginProject, PYTHON, stepFailure, type PluginProject } from "./pythonSupport.js";

/** plugins/reporting of the repository, file for file. */
function recipePlugins(): Record<string, string> {
  const folder = join(REPO_ROOT, "plugins", "reporting");
  return Object.fromEntries(
    readdirSync(folder)
      .filter((name) => name.endsWith(".py"))
      .map((name) => [`plugins/reporting/${name}`, readFileSync(join(folder, name), "utf8")]),
  );
}

describeWithPython(
  "python step: the recipe's row-count guard (reporting.sanity:assert_row_counts)",
  () => {
    let ops: TestDatabase;
    let reporting: TestDatabase;
    let project: PluginProject;
    beforeAll(async () => {
      [ops, reporting] = await Promise.all([createDatabase("python_sanity_ops"), createDatabase("python_sanity_reporting")]);
      await ops.query("create table public.customers (id int primary key, name text)");
      await reporting.query("create schema reporting; create table reporting.customers (id int primary key, name text)");
      project = pluginProject({
        ...recipePlugins(),
        "nomaflow.yaml": `python: { interpreter: ${PYTHON} }\nconnectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
        // The recipe's sanity step, field for field.
        "jobs/sanity.yaml": [
          "id: sanity",
          "params:",
          '  threshold_percent: { type: number, default: 50, description: "max row-count delta" }',
          "steps:",
          "  - name: sanity",
          "    type: python",
          "    callable: reporting.sanity:assert_row_counts",
          '    op_kwargs: { threshold_percent: "${params.threshold_percent}" }',
          "",
        ].join("\n"),
      });
    });
    afterAll(async () => {
      project?.remove();
      await Promise.all([ops?.drop(), reporting?.drop()]);
    });

    async function counts(source: number, target: number): Promise<void> {
      await ops.query("truncate public.customers");
      await ops.query("insert into public.customers select n, 'c' || n from generate_series(1, $1::int) n", [source]);
      await reporting.query("truncate reporting.customers");
      await reporting.query("insert into reporting.customers select n, 'c' || n from generate_series(1, $1::int) n", [target]);
    }

    async function assertRowCounts() {
      const recording = project.context({ connectors: { "ops-db": ops.url, "reporting-db": reporting.url } });
      try {
        const result = await runPythonStep(
          { callable: "reporting.sanity:assert_row_counts", op_kwargs: { threshold_percent: 50 } },
          recording.context,
          never,
          PYTHON,
        ).then(
          (output) => ({ output, error: undefined }),
          (error: unknown) => ({ output: undefined, error }),
        );
        return { ...result, recording };
      } finally {
        await recording.close();
      }
    }

    it("passes when the counts are close, with the counts and the delta as output", async () => {
      await counts(100, 90);
      const { output, error, recording } = await assertRowCounts();
      expect(error).toBeUndefined();
      expect(output).toEqual({ source_rows: 100, target_rows: 90, delta_percent: (10 / 90) * 100 });
      expect(recording.messages("info")).toEqual(["source=100 · target=90 · delta=11.1%"]);
    });

    it("fails with the recipe's message when the source lost more than half its rows", async () => {
      await counts(38, 100);
      const { error, recording } = await assertRowCounts();
      const failure = await stepFailure(Promise.reject(error));
      expect(failure.message).toBe("RuntimeError: row-count delta 62.0% > threshold 50%");
      expect(failure.retryable).toBe(true);
      expect(recording.messages("info")).toEqual(["source=38 · target=100 · delta=62.0%"]);
      expect(recording.messages("error")[0]).toMatch(
        /^Traceback \(most recent call last\):\n[\s\S]*sanity\.py", line \d+, in assert_row_counts\n[\s\S]*RuntimeError: row-count delta 62\.0% > threshold 50%$/,
      );
    });

    it("runs as the recipe's job step, the parameter keeping its number type", async () => {
      await counts(100, 100);
      const passed = await runJobIn(project.root, "sanity", { params: { threshold_percent: 50 } }, process.env);
      expect(passed.output("sanity")).toEqual({ source_rows: 100, target_rows: 100, delta_percent: 0 });

      await counts(10, 100);
      const failed = await runJobIn(project.root, "sanity", { params: { threshold_percent: 85 } }, process.env);
      expect(failed.error("sanity")).toBe("RuntimeError: row-count delta 90.0% > threshold 85%");
      const logged = failed.events.filter((event) => event.event === "log").map((event) => (event as { level: string; message: string }).level);
      expect(logged).toContain("error");
    });
  },
  describeWithPostgres,
);
