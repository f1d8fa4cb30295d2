/** Reading the README's console blocks and their markers. */
import { describe, expect, it } from "vitest";
import { parseConsoleBlocks, parseFileBlocks } from "./consoleBlocks.js";

const markdown = (...lines: string[]) => lines.join("\n");

describe("parseConsoleBlocks", () => {
  it("splits a checked block into commands and their output lines", () => {
    const blocks = parseConsoleBlocks(
      markdown("text", "<!-- example: orders-export -->", "```console", "$ nomaflow runs", "RUN ID", "", "$ echo $?", "0", "```"),
    );
    expect(blocks).toEqual([
      {
        line: 3,
        kind: "checked",
        fixture: "orders-export",
        continued: false,
        commands: [
          { line: 4, text: "nomaflow runs", output: ["RUN ID", ""] },
          { line: 7, text: "echo $?", output: ["0"] },
        ],
      },
    ]);
  });

  it("reads continued and not checked markers", () => {
    const blocks = parseConsoleBlocks(
      markdown(
        "<!-- example: orders-export, continued -->",
        "```console",
        "$ nomaflow runs",
        "```",
        "<!-- example: not checked — timings vary -->",
        "```console",
        "| a |",
        "```",
      ),
    );
    expect(blocks.map((block) => block.kind)).toEqual(["checked", "not checked"]);
    expect(blocks[0]).toMatchObject({ continued: true });
    expect(blocks[1]).toMatchObject({ reason: "timings vary" });
  });

  it("reports a console block without a marker on the line just before it, or with a bad one", () => {
    const blocks = parseConsoleBlocks(
      markdown(
        "<!-- example: recipe -->",
        "",
        "```console",
        "$ nomaflow list",
        "```",
        "<!-- example: not checked -->",
        "```console",
        "x",
        "```",
        "<!-- example: recipe -->",
        "```console",
        "output first",
        "```",
      ),
    );
    expect(blocks.map((block) => block.kind)).toEqual(["unmarked", "unmarked", "unmarked"]);
  });

  it("leaves other fenced blocks alone", () => {
    expect(parseConsoleBlocks(markdown("```sh", "$ npm test", "```", "```", "plain", "```"))).toEqual([]);
  });
});

describe("parseFileBlocks", () => {
  it("reads the fenced block after an example file marker", () => {
    expect(
      parseFileBlocks(
        markdown("<!-- example file: orders-export/jobs/orders-export.yaml -->", "```yaml", "id: orders-export", "steps: []", "```", "```yaml", "x: 1", "```"),
      ),
    ).toEqual([{ line: 2, path: "orders-export/jobs/orders-export.yaml", content: "id: orders-export\nsteps: []\n" }]);
  });
});
