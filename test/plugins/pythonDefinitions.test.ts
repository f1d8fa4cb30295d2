import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pythonDefinitions } from "../../src/plugins/pythonDefinitions.js";

const names = (source: string) => [...pythonDefinitions(source).names].sort();

describe("pythonDefinitions", () => {
  it("reads the recipe's plugin", () => {
    expect(names(readFileSync("plugins/reporting/sanity.py", "utf8"))).toEqual(["assert_row_counts"]);
  });

  it("finds defs, classes, assignments and imports at module level only", () => {
    const source = [
      "import os, json as j",
      "import a.b.c",
      "from x.y import (p,",
      "    q as r)",
      "LIMIT: int = 3",
      "a, b = 1, 2",
      "@decorator",
      "async def fetch_rows(ctx, **kw):",
      "    def inner():",
      "        pass",
      "    hidden = 1",
      "class Check:",
      "    def method(self): pass",
      "def one_liner(): return 1",
      "if True:",
      "    def conditional(): pass",
      "else:",
      "    alt = 2",
      "try:",
      "    import fast as speedy",
      "except ImportError:",
      "    speedy = None",
      "x == 3",
    ].join("\n");
    expect(names(source)).toEqual(["LIMIT", "a", "alt", "b", "Check", "conditional", "fetch_rows", "j", "one_liner", "os", "p", "r", "speedy"].sort());
  });

  it("ignores what is inside strings and comments", () => {
    const source = [
      '"""',
      "def not_a_function():",
      '"""',
      "text = '''",
      "def nor_this(): pass",
      "'''",
      "# def commented(): pass",
      's = "def quoted(): # x"',
      "def real(): pass",
    ].join("\n");
    expect(names(source)).toEqual(["real", "s", "text"]);
  });

  it("joins continued lines", () => {
    const source = ["def spread(", "    ctx,", "    *, threshold=5,", "):", "    return {}", "value = \\", "    3"].join("\n");
    expect(names(source)).toEqual(["spread", "value"]);
  });

  it("knows when it cannot see every name", () => {
    expect(pythonDefinitions("from helpers import *\n").open).toBe(true);
    expect(pythonDefinitions("def __getattr__(name):\n    return 1\n").open).toBe(true);
    expect(pythonDefinitions("globals()['made'] = 1\n").open).toBe(true);
    expect(pythonDefinitions("def f(): pass\n").open).toBe(false);
  });
});
