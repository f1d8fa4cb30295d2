import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderSchemaFiles } from "../../src/validate/editorSchemas.js";
import { REPO_ROOT } from "../support/tempProject.js";

const files = renderSchemaFiles();

function editorValidator(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(files[name]!) as object);
}

describe("schemas/", () => {
  for (const [name, content] of Object.entries(files)) {
    it(`${name} is up to date (npm run schemas rewrites it)`, () => {
      expect(readFileSync(join(REPO_ROOT, "schemas", name), "utf8")).toBe(content);
    });
  }

  it("accepts the example project's files", () => {
    const job = editorValidator("job.schema.json");
    const config = editorValidator("nomaflow.schema.json");
    const jobData = parse(readFileSync(join(REPO_ROOT, "jobs", "reporting-nightly-sync.yaml"), "utf8"));
    const configData = parse(readFileSync(join(REPO_ROOT, "nomaflow.yaml"), "utf8"));
    expect(job(jobData), JSON.stringify(job.errors)).toBe(true);
    expect(config(configData), JSON.stringify(config.errors)).toBe(true);
  });

  it("rejects a field a step type does not have, and a channel field of another kind", () => {
    const job = editorValidator("job.schema.json");
    const config = editorValidator("nomaflow.schema.json");
    expect(job({ id: "x", steps: [{ name: "a", type: "http", url: "http://x", tabel: 1 }] })).toBe(false);
    expect(config({ notifications: { channels: { a: { type: "slack", url: "u", smtp_url: "v" } } } })).toBe(false);
  });

  it("starts the example files with the yaml-language-server modeline", () => {
    expect(readFileSync(join(REPO_ROOT, "nomaflow.yaml"), "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=./schemas/nomaflow.schema.json");
    expect(readFileSync(join(REPO_ROOT, "jobs", "reporting-nightly-sync.yaml"), "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../schemas/job.schema.json",
    );
  });
});
