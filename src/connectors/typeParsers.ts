/**
 * How values come back from the database, the same for every connector: `pg`'s parsers, except
 * int8 (counts, sums, bigint keys), which is a number when a double holds it exactly and text
 * otherwise — so `count(*)` is a number in plugins, yet no bigint ever loses a digit.
 */
import pg from "pg";

export const INT8_OID = 20;

export function parseInt8(value: string): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/** The text-format parser for a type OID. */
export function textTypeParser(oid: number): (value: string) => unknown {
  return oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, "text");
}

/** For `new pg.Pool({ types })`. */
export const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (format === "binary") return pg.types.getTypeParser(oid, "binary");
    return textTypeParser(oid);
  },
};
