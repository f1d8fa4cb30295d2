/**
 * Names of stash tables and other temporary objects, and SQL quoting: pure functions, no server.
 */
import { describe, expect, it } from "vitest";
import { displayName } from "../../../../src/step-types/sql_copy/quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral } from "../../../../src/sql/quoteSql.js";
import {
  derivedName,
  leftoverTagOf,
  MAX_IDENTIFIER_BYTES,
  oldTableName,
  runTag,
  stashName,
  stashPrefix,
  stashTagOf,
} from "../../../../src/step-types/sql_copy/overwrite/temporaryNames.js";

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

describe("stash names", () => {
  it("are the table name, a marker and the run id's random suffix", () => {
    expect(stashName("orders", "20261128T020000123Z-k3f7qa")).toBe("orders__nomaflow_stash_k3f7qa");
    expect(stashTagOf("orders", "orders__nomaflow_stash_k3f7qa")).toBe("k3f7qa");
  });

  it("use a hash for a run id of another shape, always the same one", () => {
    expect(runTag("manual run")).toMatch(/^[a-z2-7]{6}$/);
    expect(runTag("manual run")).toBe(runTag("manual run"));
    expect(runTag("manual run")).not.toBe(runTag("manual run 2"));
  });

  it("fit in 63 bytes, cut on a character boundary, and stay apart when long names share a prefix", () => {
    const long = "ü".repeat(40);
    const a = stashName(`${long}_a`, "20261128T020000123Z-k3f7qa");
    const b = stashName(`${long}_b`, "20261128T020000123Z-k3f7qa");
    expect(bytes(a)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^ü+_[a-z2-7]{6}__nomaflow_stash_k3f7qa$/);
    expect(Buffer.from(a, "utf8").toString("utf8")).toBe(a);
    expect(stashTagOf(`${long}_a`, a)).toBe("k3f7qa");
    expect(stashTagOf(`${long}_b`, a)).toBeUndefined();
  });

  it("are recognised only with the table's exact prefix and a well-formed tag", () => {
    expect(stashPrefix("orders")).toBe("orders__nomaflow_stash_");
    expect(stashTagOf("orders", "orders__nomaflow_stash_k3f7q")).toBeUndefined();
    expect(stashTagOf("orders", "orders__nomaflow_stash_K3F7QA")).toBeUndefined();
    expect(stashTagOf("order", "orders__nomaflow_stash_k3f7qa")).toBeUndefined();
    expect(stashTagOf("orders", "orders__nomaflow_old_k3f7qa")).toBeUndefined();
  });

  it("also recognise old tables a swap left, by their own prefix", () => {
    expect(oldTableName("orders", "k3f7qa")).toBe("orders__nomaflow_old_k3f7qa");
    expect(leftoverTagOf("orders", "orders__nomaflow_old_k3f7qa")).toBe("k3f7qa");
    expect(leftoverTagOf("orders", "orders__nomaflow_stash_k3f7qa")).toBe("k3f7qa");
    expect(leftoverTagOf("orders", "orders__nomaflow_oi0_k3f7qa")).toBeUndefined();
  });

  it("other temporary names follow the same scheme and limit", () => {
    const name = derivedName("x".repeat(63), "i12", "k3f7qa");
    expect(bytes(name)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(name.endsWith("__nomaflow_i12_k3f7qa")).toBe(true);
  });
});

describe("quoting", () => {
  it("always double-quotes identifiers and doubles embedded quotes", () => {
    expect(quoteIdentifier("orders")).toBe('"orders"');
    expect(quoteIdentifier('We"ird Tab`le')).toBe('"We""ird Tab`le"');
    expect(quoteIdentifier('x"; drop table t; --')).toBe('"x""; drop table t; --"');
    expect(() => quoteIdentifier("a\0b")).toThrow(/NUL/);
  });

  it("writes string constants that mean the same whatever standard_conforming_strings is", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("back\\slash 'q'")).toBe("E'back\\\\slash ''q'''");
    expect(() => quoteLiteral("\0")).toThrow(/NUL/);
  });

  it("shows names in messages quoted only where needed", () => {
    expect(displayName("public", "orders")).toBe("public.orders");
    expect(displayName("Mixed Schema", 'We"ird')).toBe('"Mixed Schema"."We""ird"');
  });
});
