/** Reading COPY statements for PGlite: STDIN/STDOUT, the source, and the options that decide where rows end. */
import { describe, expect, it } from "vitest";
import { parseCopyIn, parseCopyOut } from "../../../src/connectors/pglite/copyStatement.js";

describe("COPY … TO STDOUT", () => {
  it("finds a quoted, qualified table and its column list, and keeps the options as written", () => {
    expect(parseCopyOut('COPY "my schema"."Tab" ("a", b) TO STDOUT (FORMAT binary);')).toEqual({
      source: { table: '"my schema"."Tab"', columns: '"a", b' },
      options: "(FORMAT binary)",
      toBlob: `COPY "my schema"."Tab" ("a", b) TO '/dev/blob' (FORMAT binary);`,
    });
    expect(parseCopyOut("copy t to stdout")).toMatchObject({ source: { table: "t", columns: undefined }, options: "", toBlob: "copy t to '/dev/blob'" });
  });

  it("finds the query's closing parenthesis past strings, quoted names, dollar quotes and comments", () => {
    const query = `select ')' as "a)", $$)$$, $tag$ ) $$ $tag$, E'\\')' /* ) /* ) */ ) */ from t -- )\n`;
    expect(parseCopyOut(`COPY (${query}) TO STDOUT WITH CSV HEADER`)).toMatchObject({ source: { query }, options: "WITH CSV HEADER" });
  });

  it("refuses what it cannot run through PGlite, saying why", () => {
    expect(() => parseCopyOut("COPY t TO '/tmp/x'")).toThrow("expected COPY … TO STDOUT: PGlite copies through STDOUT only");
    expect(() => parseCopyOut("COPY t FROM STDIN")).toThrow("expected COPY … TO STDOUT");
    expect(() => parseCopyOut("COPY BINARY t TO STDOUT")).toThrow("the old COPY BINARY table form is not supported");
    expect(() => parseCopyOut("COPY (select 1 TO STDOUT")).toThrow("a parenthesis is not closed");
  });
});

describe("COPY … FROM STDIN", () => {
  it("reads format, header, quote and escape from the parenthesised options", () => {
    expect(parseCopyIn("COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER match, QUOTE '''', ESCAPE E'\\\\')")).toEqual({
      fromBlob: "COPY t (a, b) FROM '/dev/blob' WITH (FORMAT csv, HEADER match, QUOTE '''', ESCAPE E'\\\\')",
      layout: { format: "csv", header: true, quote: 0x27, escape: 0x5c },
    });
    expect(parseCopyIn("COPY t FROM STDIN (FORMAT csv, FORCE_NOT_NULL (a, b), HEADER)").layout).toEqual({ format: "csv", header: true, quote: 0x22, escape: 0x22 });
    expect(parseCopyIn("COPY t FROM STDIN (FORMAT 'binary', HEADER false)").layout.format).toBe("binary");
    expect(parseCopyIn("COPY t FROM STDIN (HEADER off)").layout).toEqual({ format: "text", header: false, quote: 0x22, escape: 0x22 });
    expect(parseCopyIn("COPY t FROM STDIN (HEADER 0)").layout.header).toBe(false);
  });

  it("reads the old option words, and stops at WHERE", () => {
    expect(parseCopyIn("COPY t FROM stdin CSV HEADER QUOTE AS '|' ESCAPE '!'").layout).toEqual({ format: "csv", header: true, quote: 0x7c, escape: 0x21 });
    expect(parseCopyIn("COPY t FROM STDIN WITH BINARY").layout.format).toBe("binary");
    expect(parseCopyIn("COPY t FROM STDIN WHERE header > 0").layout.header).toBe(false);
  });

  it("refuses an unknown format and a source other than STDIN", () => {
    expect(() => parseCopyIn("COPY t FROM STDIN (FORMAT xml)")).toThrow("COPY format xml is not one of text, csv, binary");
    expect(() => parseCopyIn("COPY t FROM PROGRAM 'cat'")).toThrow("expected COPY … FROM STDIN: PGlite copies through STDIN only");
  });
});
