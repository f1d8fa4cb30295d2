/**
 * Property test: whatever the bytes of a job file or of nomaflow.yaml, validate returns
 * well-formed diagnostics and never throws. Mutations start from the example project's files.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject, type ProjectReport } from "../../src/validate/checkProject.js";
import { makeProject, REPO_ROOT } from "../support/tempProject.js";

const JOB_TEXT = readFileSync(join(REPO_ROOT, "jobs", "reporting-nightly-sync.yaml"), "utf8");
const CONFIG_TEXT = readFileSync(join(REPO_ROOT, "nomaflow.yaml"), "utf8");
const project = makeProject({
  "nomaflow.yaml": CONFIG_TEXT,
  "jobs/reporting-nightly-sync.yaml": JOB_TEXT,
  "jobs/other.yaml": JOB_TEXT.replace("id: reporting-nightly-sync", "id: other"),
  "plugins/reporting/sanity.py": "async def assert_row_counts(ctx, **_):\n    return {}\n",
});
afterAll(() => project.remove());

async function validateWith(file: string, content: string | Uint8Array): Promise<ProjectReport> {
  writeFileSync(join(project.root, file), content);
  return (await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }), { dstFrom: Date.UTC(2026, 10, 28) })).report;
}

function assertWellFormed(report: ProjectReport) {
  for (const diagnostic of report.diagnostics) {
    expect(["error", "warning"]).toContain(diagnostic.severity);
    expect(diagnostic.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.column).toBeGreaterThanOrEqual(1);
    expect(typeof diagnostic.message).toBe("string");
    expect(diagnostic.message.length).toBeGreaterThan(0);
    expect(diagnostic.message).not.toMatch(/\bat .*\.(?:ts|js):\d+/); // no stack traces
  }
  for (const job of report.jobs) {
    const errors = report.diagnostics.filter((diagnostic) => diagnostic.severity === "error" && (diagnostic.job === job.id || diagnostic.file === job.file));
    if (job.valid) expect(errors).toEqual([]);
  }
}

/** Byte-level edits: insert, delete or overwrite a run of random bytes. */
const byteEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 20 }),
  insert: fc.uint8Array({ maxLength: 20 }),
});

function applyByteEdits(text: string, edits: Array<{ at: number; remove: number; insert: Uint8Array }>): Buffer {
  let bytes = Buffer.from(text);
  for (const edit of edits) {
    const at = edit.at % (bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.insert), bytes.subarray(at + edit.remove)]);
  }
  return bytes;
}

/** Structural edits: replace, delete or add a value somewhere in the parsed document. */
type Edit = { path: number[]; action: "replace" | "delete" | "add"; value: unknown; key: string };
const structuralEdit = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
  action: fc.constantFrom("replace", "delete", "add") as fc.Arbitrary<Edit["action"]>,
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom("${", "${env:X", "${params.nope}", "${steps.x.output.y}", "61 * * * *", "Europe/Pariss", "sql_cpy", -1, 1e308, ""),
  ),
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("tabel", "type", "name", "steps", "__proto__", "constructor")),
});

function applyStructuralEdit(data: unknown, edit: Edit): unknown {
  const root = { value: structuredClone(data) } as Record<string, unknown>;
  let parent: Record<string, unknown> | unknown[] = root;
  let key: string | number = "value";
  for (const step of edit.path) {
    const node: unknown = (parent as Record<string | number, unknown>)[key];
    if (node === null || typeof node !== "object") break;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, index) => index) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown>;
    key = keys[step % keys.length]!;
  }
  const target = parent as Record<string | number, unknown>;
  if (edit.action === "replace") target[key] = edit.value;
  else if (edit.action === "delete") {
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete target[key];
  } else if (!Array.isArray(target)) Object.defineProperty(target, edit.key, { value: edit.value, enumerable: true, configurable: true, writable: true });
  return root.value;
}

describe("validate never throws", () => {
  it("on byte-level mutations of a job file", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (edits) => {
        assertWellFormed(await validateWith("jobs/reporting-nightly-sync.yaml", applyByteEdits(JOB_TEXT, edits)));
      }),
      { numRuns: 150 },
    );
  });

  it("on structural mutations of a job file", async () => {
    const data = parse(JOB_TEXT) as unknown;
    await fc.assert(
      fc.asyncProperty(fc.array(structuralEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const mutated = edits.reduce(applyStructuralEdit, data);
        assertWellFormed(await validateWith("jobs/reporting-nightly-sync.yaml", stringify(mutated ?? null)));
      }),
      { numRuns: 200 },
    );
  });

  it("on mutations of nomaflow.yaml, leaving the jobs alone", async () => {
    writeFileSync(join(project.root, "jobs/reporting-nightly-sync.yaml"), JOB_TEXT);
    const data = parse(CONFIG_TEXT) as unknown;
    await fc.assert(
      fc.asyncProperty(fc.array(structuralEdit, { minLength: 1, maxLength: 3 }), fc.array(byteEdit, { maxLength: 2 }), async (edits, bytes) => {
        const mutated = stringify(edits.reduce(applyStructuralEdit, data) ?? null);
        assertWellFormed(await validateWith("nomaflow.yaml", applyByteEdits(mutated, bytes)));
      }),
      { numRuns: 150 },
    );
  });

  it("on arbitrary bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        assertWellFormed(await validateWith("jobs/other.yaml", bytes));
      }),
      { numRuns: 100 },
    );
  });
});
