/** `mkdir -p` on real file systems: nested folders, races, a file in the way, and /proc, which refuses. */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileProblem } from "../../src/files/fileProblem.js";
import { makeFolder, makeFolderSync } from "../../src/files/makeFolder.js";

const base = mkdtempSync(join(tmpdir(), "nomaflow-make-folder-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const makers = { sync: async (folder: string) => makeFolderSync(folder), async: makeFolder };

describe.each(Object.entries(makers))("makeFolder (%s)", (name, make) => {
  it("creates the missing folders above, and accepts a folder already there", async () => {
    const folder = join(base, name, "a", "b", "c");
    await make(folder);
    expect(statSync(folder).isDirectory()).toBe(true);
    await make(folder);
  });

  it("lets many callers create the same folders at once", async () => {
    const folder = join(base, name, "race", "x", "y");
    await Promise.all(Array.from({ length: 20 }, () => make(folder)));
    expect(statSync(folder).isDirectory()).toBe(true);
  });

  it("names the file in the way", async () => {
    writeFileSync(join(base, `${name}-file`), "");
    const error = await make(join(base, `${name}-file`, "x", "y")).catch((caught: unknown) => caught);
    expect(fileProblem(error)).toBe(`${join(base, `${name}-file`)} is a file, not a folder`);
  });

  it("ends under /proc, where mkdir answers ENOENT below a folder that exists", async () => {
    const error = await make("/proc/nomaflow-nope/x").catch((caught: unknown) => caught);
    expect(fileProblem(error)).toBe("the file system refuses new folders in /proc (ENOENT)");
    expect(existsSync("/proc/nomaflow-nope")).toBe(false);
  });
});
