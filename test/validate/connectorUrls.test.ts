/** validate reads connector URLs as they will be used (after the env file) and finds passwords written into nomaflow.yaml. */
import { afterAll, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";

const project = makeProject({
  "nomaflow.yaml": `connectors:
  legacy: { url: "\${env:LEGACY_URL}" }
  literal: { url: "mysql://app@db.example/shop" }
  written: { url: "postgres://app:s3cret@db.example/shop" }
  in-query: { url: "postgres://db.example/shop?user=app&password=s3cret" }
  from-env: { url: "postgres://app:\${env:APP_PASSWORD}@db.example/shop" }
  good: { url: "\${env:GOOD_URL}" }
`,
  ".env": "LEGACY_URL=mysql://app:hunter2@db.example/shop\nAPP_PASSWORD=x\nGOOD_URL=postgres://app:pw@db.example/shop\n",
});
afterAll(() => project.remove());

it("flags an unsupported URL from the env file, naming the variable, and a literal password with the fix", async () => {
  const { report } = await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }));
  const lines = report.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`);
  expect(lines).toEqual([
    "2:19 error: connector legacy: url must start with postgres://, postgresql:// or pglite:; with environment variable LEGACY_URL it is mysql://… (hint: set LEGACY_URL (in the environment or the env file) to a postgres:// URL)",
    "3:19 error: connector literal: url must start with postgres://, postgresql:// or pglite:",
    "4:35 warning: a password is written in nomaflow.yaml, which is meant to be committed (hint: put WRITTEN_PASSWORD=… in the env file (.env, not committed) and write ${env:WRITTEN_PASSWORD} in its place: postgres://app:${env:WRITTEN_PASSWORD}@db.example/shop)",
    "5:66 warning: a password is written in nomaflow.yaml, which is meant to be committed (hint: put IN_QUERY_PASSWORD=… in the env file (.env, not committed) and write ${env:IN_QUERY_PASSWORD} in its place: postgres://db.example/shop?user=app&password=${env:IN_QUERY_PASSWORD})",
  ]);
  expect(JSON.stringify(report)).not.toContain("hunter2");
});
