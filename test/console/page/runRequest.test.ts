// The Run now form's values as the API takes them (text, as run -p), and as a command.
import { describe, expect, it } from "vitest";
import type { ParamField } from "../../../src/console/consoleApi.js";
import { runCommandFor, runRequestFrom, shellWord } from "../../../src/console/page/runRequest.js";

const param = (name: string, type: ParamField["type"], extra: Partial<ParamField> = {}): ParamField => ({
  name,
  type,
  description: null,
  required: false,
  default: null,
  choices: null,
  ...extra,
});

const params: ParamField[] = [
  param("since", "string", { required: true }),
  param("batch_size", "integer", { default: "10000" }),
  param("mode", "string", { default: "overwrite", choices: ["overwrite", "append"] }),
  param("dry_run", "boolean", { default: "false" }),
  param("verbose", "boolean"),
  param("force", "boolean", { default: "true" }),
];

describe("runRequestFrom", () => {
  it("sends text as typed, leaving out an empty field so that the default applies", () => {
    expect(runRequestFrom(params, { since: "2026-12-01", batch_size: "", mode: "append", dry_run: false, verbose: false, force: true })).toEqual({
      params: { since: "2026-12-01", mode: "append", force: "true" },
    });
  });

  it("sends an unticked box as false only where that says something", () => {
    expect(runRequestFrom(params, { force: false, verbose: false, dry_run: false }).params).toEqual({ force: "false" });
    expect(runRequestFrom([param("ok", "boolean", { required: true })], { ok: false }).params).toEqual({ ok: "false" });
  });

  it("sends a ticked box as true, and leaves a value the server must judge as it is", () => {
    expect(runRequestFrom(params, { dry_run: true, batch_size: "lots", since: " spaced ", force: true }).params).toEqual({
      dry_run: "true",
      batch_size: "lots",
      since: " spaced ",
      force: "true",
    });
  });

  it("ignores values of fields the job does not have", () => {
    expect(runRequestFrom([], { stray: "x" })).toEqual({ params: {} });
  });
});

describe("runCommandFor", () => {
  it("names only the values that differ from the defaults, quoted for a shell", () => {
    const request = runRequestFrom(params, { since: "2026-12-01", batch_size: "10000", mode: "append", force: true });
    expect(runCommandFor("orders-hourly", params, request)).toBe("nomaflow run orders-hourly -p since=2026-12-01 -p mode=append");
  });

  it("quotes what a shell would split or expand", () => {
    expect(shellWord("label=it's late")).toBe(`'label=it'\\''s late'`);
    expect(shellWord("a$b")).toBe("'a$b'");
    expect(shellWord("plain-word_1.2")).toBe("plain-word_1.2");
    expect(runCommandFor("my job", [param("note", "string")], { params: { note: "two words" } })).toBe("nomaflow run 'my job' -p 'note=two words'");
  });
});
