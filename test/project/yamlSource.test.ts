/** YAML syntax errors point at where the broken token starts, not where the file ends. */
import { describe, expect, it } from "vitest";
import { parseYamlText } from "../../src/project/yamlSource.js";

const cases: Array<{ name: string; text: string; line: number; column: number; message: RegExp; hint: RegExp }> = [
  {
    name: "an unterminated double quote",
    text: 'id: job\ndescription: "unterminated\nsteps:\n  - name: a\n    type: shell\n    command: x\n',
    line: 2,
    column: 14,
    message: /^YAML: Missing closing "quote/,
    hint: /the " opened here is never closed/,
  },
  {
    name: "an unterminated single quote",
    text: "id: job\ndescription: 'oops\nsteps: []\n",
    line: 2,
    column: 14,
    message: /^YAML: Missing closing 'quote/,
    hint: /the ' opened here/,
  },
  {
    name: "an unterminated quote inside a flow map",
    text: 'id: job\nsteps:\n  - { name: a, command: "echo\n',
    line: 3,
    column: 25,
    message: /^YAML: Missing closing "quote/,
    hint: /the " opened here/,
  },
  {
    name: "an unclosed flow map",
    text: "id: job\nschedule: { cron: '0 2 * * *', timezone: UTC\nsteps: []\n",
    line: 2,
    column: 11,
    message: /^YAML: Flow map .* end with a \}/,
    hint: /the \{ opened here is never closed/,
  },
];

describe("YAML syntax errors", () => {
  for (const testCase of cases) {
    it(`${testCase.name}: at the token's start`, () => {
      const { source, diagnostics } = parseYamlText(Buffer.from(testCase.text), "/p/jobs/job.yaml", "jobs/job.yaml");
      expect(source).toBeUndefined();
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ severity: "error", line: testCase.line, column: testCase.column });
      expect(diagnostics[0]!.message).toMatch(testCase.message);
      expect(diagnostics[0]!.hint).toMatch(testCase.hint);
    });
  }

  it("keeps the parser's position for other errors", () => {
    const { diagnostics } = parseYamlText(Buffer.from("id: job\nsteps:\n\t- name: a\n"), "/p/jobs/job.yaml", "jobs/job.yaml");
    expect(diagnostics[0]).toMatchObject({ line: 3, column: 1, hint: null });
  });
});
