/** console.* inside a node function goes to that function's step, also across awaits and overlaps. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { withConsoleCapture } from "../../../src/step-types/node/consoleCapture.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("withConsoleCapture", () => {
  afterEach(() => vi.restoreAllMocks());

  it("routes each overlapping function's console to its own log, and the rest to the real console", async () => {
    const lines: string[] = [];
    const log = (name: string) => (level: string, message: string) => void lines.push(`${name} ${level}: ${message}`);
    const first = withConsoleCapture(log("a"), async () => {
      console.log("a before");
      await tick();
      await tick();
      console.warn("a after b ended");
      return 1;
    });
    const second = withConsoleCapture(log("b"), async () => {
      await tick();
      console.error("b", { n: 2 });
    });
    expect(await first).toBe(1);
    await second;
    expect(lines).toEqual(["a info: a before", "b error: b { n: 2 }", "a warning: a after b ended"]);

    // Nothing captures now: the real console gets it, and a later capture works again.
    const real = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    console.log("outside");
    real.mockRestore();
    await withConsoleCapture(log("c"), async () => {
      await tick();
      console.info("again");
    });
    expect(lines.at(-1)).toBe("c info: again");
    expect(lines.some((line) => line.includes("outside"))).toBe(false);
  });

  it("passes on what the function throws", async () => {
    await expect(
      withConsoleCapture(
        () => {},
        () => Promise.reject(new Error("boom")),
      ),
    ).rejects.toThrow("boom");
  });
});
