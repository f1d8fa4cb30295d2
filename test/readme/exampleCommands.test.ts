/** How the README example runner reads a `$ ` line. */
import { describe, expect, it } from "vitest";
import { splitWords } from "./exampleCommands.js";

describe("splitWords", () => {
  it("splits on blanks and keeps quoted words whole", () => {
    expect(splitWords(`nomaflow cron "0 2 * * *" --tz Europe/Paris`)).toEqual(["nomaflow", "cron", "0 2 * * *", "--tz", "Europe/Paris"]);
    expect(splitWords(`HOOK_URL=http://127.0.0.1:1/hook  nomaflow run x -p 'a=b c'`)).toEqual([
      "HOOK_URL=http://127.0.0.1:1/hook",
      "nomaflow",
      "run",
      "x",
      "-p",
      "a=b c",
    ]);
    expect(splitWords(`echo ""`)).toEqual(["echo", ""]);
    expect(() => splitWords(`echo "x`)).toThrow(/unbalanced/);
  });
});
