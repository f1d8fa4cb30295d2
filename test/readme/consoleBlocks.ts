/**
 * The README's ```console blocks and the marker on the line before each: what to run, where, and
 * what it should print; and the fenced blocks that show a fixture's file. Pure: text in, blocks out.
 */

/** One `$ ` line and the lines after it, up to the next `$ ` line or the end of the block. */
export interface ExampleCommand {
  /** 1-based line of the `$ ` line in README.md. */
  line: number;
  /** The command as written, without `$ `. */
  text: string;
  output: string[];
}

export type ConsoleBlock =
  | { line: number; kind: "checked"; fixture: string; continued: boolean; commands: ExampleCommand[] }
  | { line: number; kind: "not checked"; reason: string }
  | { line: number; kind: "unmarked"; problem: string };

const FENCE_OPEN = /^```console\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const MARKER = /^<!-- example: (.*?) -->$/;
const NOT_CHECKED = /^not checked — (\S.*)$/;
const FIXTURE = /^([a-z0-9][a-z0-9-]*)(, continued)?$/;

/** Every ```console block of `markdown`, in order; `line` is the 1-based line of its opening fence. */
export function parseConsoleBlocks(markdown: string): ConsoleBlock[] {
  const lines = markdown.split("\n");
  const blocks: ConsoleBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!FENCE_OPEN.test(lines[index]!)) continue;
    const end = lines.findIndex((text, at) => at > index && FENCE_CLOSE.test(text));
    if (end < 0) {
      blocks.push({ line: index + 1, kind: "unmarked", problem: "the block is never closed" });
      break;
    }
    blocks.push(readBlock(lines[index - 1] ?? "", lines.slice(index + 1, end), index + 1));
    index = end;
  }
  return blocks;
}

function readBlock(previous: string, body: string[], line: number): ConsoleBlock {
  const marker = MARKER.exec(previous.trim());
  if (!marker) return { line, kind: "unmarked", problem: "no <!-- example: FIXTURE --> or <!-- example: not checked — REASON --> on the line before it" };
  const value = marker[1]!;
  const notChecked = NOT_CHECKED.exec(value);
  if (notChecked) return { line, kind: "not checked", reason: notChecked[1]! };
  const fixture = FIXTURE.exec(value);
  if (!fixture) return { line, kind: "unmarked", problem: `marker "${value}" is neither a fixture name (optionally ", continued") nor "not checked — REASON"` };
  if (!body[0]?.startsWith("$ ")) return { line, kind: "unmarked", problem: "a checked block must start with a `$ ` command line" };

  const commands: ExampleCommand[] = [];
  body.forEach((text, offset) => {
    if (text.startsWith("$ ")) commands.push({ line: line + 1 + offset, text: text.slice(2).trim(), output: [] });
    else commands.at(-1)!.output.push(text);
  });
  return { line, kind: "checked", fixture: fixture[1]!, continued: fixture[2] !== undefined, commands };
}

/** A fenced block marked `<!-- example file: FIXTURE/PATH -->`: the README shows that fixture file. */
export interface FileBlock {
  line: number;
  path: string;
  content: string;
}

const FILE_MARKER = /^<!-- example file: (\S+) -->$/;

export function parseFileBlocks(markdown: string): FileBlock[] {
  const lines = markdown.split("\n");
  const blocks: FileBlock[] = [];
  lines.forEach((text, index) => {
    const marker = FILE_MARKER.exec(text.trim());
    if (!marker) return;
    const end = lines.findIndex((line, at) => at > index + 1 && FENCE_CLOSE.test(line));
    if (!lines[index + 1]?.startsWith("```") || end < 0) throw new Error(`README.md:${index + 1}: an example file marker must be followed by a fenced block`);
    blocks.push({ line: index + 2, path: marker[1]!, content: `${lines.slice(index + 2, end).join("\n")}\n` });
  });
  return blocks;
}
