import { describe, expect, it } from "vitest";
import { parseTemplate, renderValue, wholeReference, type TemplateReference } from "../../src/templates/template.js";

const fail = (problem: { message: string }): never => {
  throw new Error(problem.message);
};

describe("parseTemplate", () => {
  it("splits literal text and references of every kind", () => {
    const { parts, problems } = parseTemplate("a ${env:HOME} b ${env:X:-dflt} ${params.n} ${job.id} ${run.id} ${run.scheduled_for} ${steps.load.output.rows}");
    expect(problems).toEqual([]);
    const references = parts.filter((part): part is TemplateReference => typeof part === "object");
    expect(references.map((reference) => reference.kind)).toEqual(["env", "env", "params", "job", "run", "run", "steps"]);
    expect(references[1]).toMatchObject({ kind: "env", name: "X", fallback: "dflt" });
    expect(references[6]).toMatchObject({ kind: "steps", step: "load", path: ["rows"] });
  });

  it("reads $${ as a literal ${", () => {
    const { parts, problems } = parseTemplate("cost: $${price}");
    expect(problems).toEqual([]);
    expect(parts).toEqual(["cost: ${price}"]);
  });

  it("reports an unterminated ${ with its index", () => {
    const { problems } = parseTemplate("url ${env:X");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ index: 4 });
    expect(problems[0]!.message).toContain("unterminated");
  });

  it("rejects unknown references and malformed ones", () => {
    expect(parseTemplate("${foo}").problems[0]!.message).toBe("unknown reference ${foo}");
    expect(parseTemplate("${run.nope}").problems[0]!.message).toContain("${run.id}");
    expect(parseTemplate("${steps.a.rows}").problems[0]!.message).toContain("${steps.STEP.output.KEY}");
    expect(parseTemplate("${env:1BAD}").problems[0]!.message).toContain("not an environment variable name");
  });

  it("reads a :ident suffix, but not at the end of an env default, which runs to the brace", () => {
    const [table, name, fallback] = parseTemplate("${params.t:ident} ${env:SCHEMA:ident} ${env:X:-a:ident}").parts.filter(
      (part): part is TemplateReference => typeof part === "object",
    );
    expect(table).toMatchObject({ kind: "params", name: "t", ident: true, raw: "${params.t:ident}" });
    expect(name).toMatchObject({ kind: "env", name: "SCHEMA", fallback: undefined, ident: true });
    expect(fallback).toMatchObject({ kind: "env", name: "X", fallback: "a:ident" });
    expect(fallback).not.toHaveProperty("ident");
    expect(parseTemplate("${params.t:quoted}").problems[0]!.message).toBe(
      "${params.t:quoted}: unknown suffix :quoted; :ident quotes a name in SQL text, and a run's date takes a format, as in ${run.scheduled_for:date} (:date (2026-12-06, the day in the job's time zone), :utc (2026-12-06T01:00:00+00:00, the instant in UTC))",
    );
  });

  it("reads a run's dates, each with an optional :date or :utc format, and names the formats for any other suffix", () => {
    const references = parseTemplate("${run.interval_start} ${run.interval_end:date} ${run.scheduled_for:utc} ${run.scheduled_for:date:ident}").parts.filter(
      (part): part is TemplateReference => typeof part === "object",
    );
    expect(references).toEqual([
      expect.objectContaining({ kind: "run", field: "interval_start" }),
      expect.objectContaining({ kind: "run", field: "interval_end", format: "date" }),
      expect.objectContaining({ kind: "run", field: "scheduled_for", format: "utc" }),
      expect.objectContaining({ kind: "run", field: "scheduled_for", format: "date", ident: true }),
    ]);
    expect(references[0]).not.toHaveProperty("format");
    const formats = "(:date (2026-12-06, the day in the job's time zone), :utc (2026-12-06T01:00:00+00:00, the instant in UTC))";
    expect(parseTemplate("${run.scheduled_for:month}").problems[0]).toMatchObject({
      index: 0,
      message: `\${run.scheduled_for:month}: unknown format :month; the formats are :date (2026-12-06, the day in the job's time zone), :utc (2026-12-06T01:00:00+00:00, the instant in UTC)`,
      hint: expect.stringContaining("${run.interval_start}, ${run.interval_end} (each of the three may end in :date or :utc)"),
    });
    expect(parseTemplate("x ${run.id:date}").problems[0]).toMatchObject({
      index: 2,
      message: `\${run.id:date}: unknown suffix :date; :ident quotes a name in SQL text, and a run's date takes a format, as in \${run.scheduled_for:date} ${formats}`,
    });
    expect(parseTemplate("${run.interval}").problems[0]!.message).toBe(
      "${run.interval}: a run has ${run.id}, ${run.scheduled_for}, ${run.interval_start}, ${run.interval_end}",
    );
  });

  it("recognises a whole-value reference", () => {
    expect(wholeReference(parseTemplate("${params.n}"))).toMatchObject({ kind: "params", name: "n" });
    expect(wholeReference(parseTemplate("x${params.n}"))).toBeUndefined();
  });
});

describe("renderValue", () => {
  const env: Record<string, string> = { TOKEN: "s3cr3t-token", EMPTY: "" };
  const resolve = (reference: TemplateReference): unknown => {
    if (reference.kind === "env") return env[reference.name] ?? reference.fallback;
    if (reference.kind === "params") return { n: 50, flag: true }[reference.name];
    return "?";
  };

  it("keeps the type of a whole ${params.X} and interpolates elsewhere", () => {
    const { value } = renderValue({ a: "${params.n}", b: "n=${params.n}", c: ["${params.flag}"], d: 3 }, resolve, fail);
    expect(value).toEqual({ a: 50, b: "n=50", c: [true], d: 3 });
  });

  it("collects values that came from the environment as secrets", () => {
    const { value, secrets } = renderValue({ url: "https://x/${env:TOKEN}", fallback: "${env:MISSING:-d}" }, resolve, fail);
    expect(value).toEqual({ url: "https://x/s3cr3t-token", fallback: "d" });
    expect(secrets).toContain("s3cr3t-token");
  });

  it("keeps a whole ${env:X} a string", () => {
    expect(renderValue("${env:TOKEN}", resolve, fail).value).toBe("s3cr3t-token");
  });

  it("refuses :ident outside SQL text, and hands SQL text to its writer", () => {
    expect(() => renderValue({ url: "${params.n:ident}" }, resolve, fail)).toThrow(
      "${params.n:ident}: :ident quotes a name in SQL text, and this field is not SQL",
    );
    const writerAt = (path: readonly (string | number)[]) => (path[0] === "sql" ? () => "written" : undefined);
    expect(renderValue({ sql: "${params.n:ident}", other: "${params.n}" }, resolve, fail, { writerAt }).value).toEqual({ sql: "written", other: 50 });
  });

  it("hands parse problems to the caller", () => {
    expect(() => renderValue("${oops", resolve, fail)).toThrow(/unterminated/);
  });
});
