/**
 * Just enough of a COPY statement to run it through PGlite, which has no STDIN or STDOUT, only
 * its '/dev/blob' file: where STDIN/STDOUT is, what is copied, and the options that decide where
 * one row of data ends (format, HEADER, QUOTE, ESCAPE). The rest of the text is kept as written.
 */

export interface Token {
  kind: "word" | "name" | "string" | "symbol" | "other";
  /** Words lowercased, quoted names and strings unquoted. */
  value: string;
  start: number;
  end: number;
}

/** Where one row of COPY data ends; see pgliteRowChunks.ts. */
export interface CopyLayout {
  format: "text" | "csv" | "binary";
  header: boolean;
  /** CSV only: one byte each (PostgreSQL allows no more). */
  quote: number;
  escape: number;
}

export interface CopyOutStatement {
  /** What is copied: a query's text, or a table's name and column list as written. */
  source: { query: string } | { table: string; columns: string | undefined };
  /** Everything after STDOUT: the options, as written. */
  options: string;
  /** The statement with STDOUT replaced by '/dev/blob'. */
  toBlob: string;
}

export interface CopyInStatement {
  /** The statement with STDIN replaced by '/dev/blob'. */
  fromBlob: string;
  layout: CopyLayout;
}

export const BLOB_FILE = "'/dev/blob'";

/** Parses `COPY … TO STDOUT …`; throws an Error saying what is wrong. */
export function parseCopyOut(sql: string): CopyOutStatement {
  const parts = parseCopy(sql, "to", "stdout");
  const { tokens, target, first } = parts;
  let source: CopyOutStatement["source"];
  if (target.query) source = { query: sql.slice(target.query.start, target.query.end) };
  else source = { table: sql.slice(target.table!.start, target.table!.end), columns: target.columns && sql.slice(target.columns.start, target.columns.end) };
  return { source, options: textOf(sql, tokens, first), toBlob: spliceBlob(sql, parts.std) };
}

/** Parses `COPY … FROM STDIN …`; throws an Error saying what is wrong. */
export function parseCopyIn(sql: string): CopyInStatement {
  const parts = parseCopy(sql, "from", "stdin");
  return { fromBlob: spliceBlob(sql, parts.std), layout: parseLayout(parts.tokens.slice(parts.first)) };
}

interface Span {
  start: number;
  end: number;
}

function parseCopy(sql: string, direction: "to" | "from", std: "stdout" | "stdin") {
  const tokens = tokenize(sql);
  while (tokens.at(-1)?.kind === "symbol" && tokens.at(-1)!.value === ";") tokens.pop();
  const expected = `COPY … ${direction.toUpperCase()} ${std.toUpperCase()}`;
  let index = 0;
  const isWord = (word: string) => tokens[index]?.kind === "word" && tokens[index]!.value === word;
  if (!isWord("copy")) throw new Error(`expected ${expected}, got a statement that does not start with COPY`);
  index++;
  if (isWord("binary")) throw new Error("the old COPY BINARY table form is not supported; write (FORMAT binary) after STDIN/STDOUT");
  const target: { query?: Span; table?: Span; columns?: Span } = {};
  if (tokens[index]?.value === "(" && tokens[index]!.kind === "symbol") {
    const close = matchingParenthesis(tokens, index);
    target.query = { start: tokens[index]!.end, end: tokens[close]!.start };
    index = close + 1;
  } else {
    const first = index;
    // schema.table: words or "quoted names" joined by dots.
    while (tokens[index]?.kind === "word" || tokens[index]?.kind === "name") {
      index++;
      if (tokens[index]?.kind !== "symbol" || tokens[index]!.value !== ".") break;
      index++;
    }
    if (index === first) throw new Error(`expected ${expected}, found no table or (query) after COPY`);
    target.table = { start: tokens[first]!.start, end: tokens[index - 1]!.end };
    if (tokens[index]?.kind === "symbol" && tokens[index]!.value === "(") {
      const close = matchingParenthesis(tokens, index);
      target.columns = { start: tokens[index]!.end, end: tokens[close]!.start };
      index = close + 1;
    }
  }
  if (!isWord(direction)) throw new Error(`expected ${expected}`);
  index++;
  if (!isWord(std)) throw new Error(`expected ${expected}: PGlite copies through ${std.toUpperCase()} only`);
  return { tokens, target, std: tokens[index]!, first: index + 1 };
}

function spliceBlob(sql: string, std: Token): string {
  return `${sql.slice(0, std.start)}${BLOB_FILE}${sql.slice(std.end)}`;
}

/** The text from token `from` to the last token (trailing semicolons are already gone). */
function textOf(sql: string, tokens: Token[], from: number): string {
  return from < tokens.length ? sql.slice(tokens[from]!.start, tokens.at(-1)!.end) : "";
}

function matchingParenthesis(tokens: Token[], open: number): number {
  let depth = 0;
  for (let index = open; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.kind !== "symbol") continue;
    if (token.value === "(") depth++;
    else if (token.value === ")" && --depth === 0) return index;
  }
  throw new Error("a parenthesis is not closed");
}

/** Options after STDIN: `[WITH] (name value, …)` or the old `[WITH] BINARY | CSV HEADER QUOTE AS 'x' …`. */
function parseLayout(tokens: Token[]): CopyLayout {
  let format: CopyLayout["format"] = "text";
  let header = false;
  let quote = '"';
  let escape: string | undefined;
  let index = tokens[0]?.kind === "word" && tokens[0].value === "with" ? 1 : 0;
  if (tokens[index]?.kind === "symbol" && tokens[index]!.value === "(") {
    const close = matchingParenthesis(tokens, index);
    index++;
    while (index < close) {
      const name = tokens[index]!.value.toLowerCase();
      const value = tokens[index + 1];
      const hasValue = value !== undefined && !(value.kind === "symbol" && (value.value === "," || value.value === ")"));
      if (name === "format" && hasValue) format = asFormat(value.value);
      else if (name === "header") header = !hasValue || asBoolean(value.value);
      else if (name === "quote" && hasValue) quote = value.value;
      else if (name === "escape" && hasValue) escape = value.value;
      // Skip to the next option; column lists (FORCE_QUOTE (a, b)) have their own parentheses.
      let depth = 0;
      for (index++; index < close; index++) {
        const token = tokens[index]!;
        if (token.kind !== "symbol") continue;
        if (token.value === "(") depth++;
        else if (token.value === ")") depth--;
        else if (token.value === "," && depth === 0) break;
      }
      index++;
    }
  } else {
    for (; index < tokens.length; index++) {
      const token = tokens[index]!;
      if (token.kind !== "word") continue;
      if (token.value === "where") break;
      if (token.value === "binary") format = "binary";
      else if (token.value === "csv") format = "csv";
      else if (token.value === "header") header = true;
      else if (token.value === "quote" || token.value === "escape") {
        const value = tokens[index + 1]?.value === "as" && tokens[index + 1]?.kind === "word" ? tokens[index + 2] : tokens[index + 1];
        if (value?.kind === "string") {
          if (token.value === "quote") quote = value.value;
          else escape = value.value;
        }
      }
    }
  }
  const byte = (text: string) => Buffer.from(text, "utf8")[0] ?? -1;
  return { format, header, quote: byte(quote), escape: byte(escape ?? quote) };
}

function asFormat(value: string): CopyLayout["format"] {
  const format = value.toLowerCase();
  if (format === "text" || format === "csv" || format === "binary") return format;
  throw new Error(`COPY format ${value} is not one of text, csv, binary`);
}

/** PostgreSQL's booleans for COPY options, plus HEADER MATCH (a header line is there). */
function asBoolean(value: string): boolean {
  return !["false", "off", "0"].includes(value.toLowerCase());
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** SQL tokens, with strings, quoted names, dollar quotes and comments taken whole (and skipped). */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1];
    const start = index;
    if (/\s/.test(char)) {
      index++;
    } else if (char === "-" && next === "-") {
      const end = sql.indexOf("\n", index);
      index = end === -1 ? sql.length : end + 1;
    } else if (char === "/" && next === "*") {
      let depth = 0;
      while (index < sql.length) {
        if (sql.startsWith("/*", index)) {
          depth++;
          index += 2;
        } else if (sql.startsWith("*/", index)) {
          index += 2;
          if (--depth === 0) break;
        } else index++;
      }
    } else if (char === "'" || ((char === "e" || char === "E") && next === "'")) {
      const escapes = char !== "'";
      index += escapes ? 2 : 1;
      let value = "";
      while (index < sql.length) {
        const current = sql[index]!;
        if (escapes && current === "\\") {
          value += unescape(sql[index + 1] ?? "");
          index += 2;
        } else if (current === "'" && sql[index + 1] === "'") {
          value += "'";
          index += 2;
        } else if (current === "'") {
          index++;
          break;
        } else {
          value += current;
          index++;
        }
      }
      tokens.push({ kind: "string", value, start, end: index });
    } else if (char === '"') {
      index++;
      let value = "";
      while (index < sql.length) {
        if (sql[index] === '"' && sql[index + 1] === '"') {
          value += '"';
          index += 2;
        } else if (sql[index] === '"') {
          index++;
          break;
        } else value += sql[index++];
      }
      tokens.push({ kind: "name", value, start, end: index });
    } else if (char === "$" && dollarTagAt(sql, index)) {
      const tag = dollarTagAt(sql, index)!;
      const close = sql.indexOf(tag, index + tag.length);
      index = close === -1 ? sql.length : close + tag.length;
      tokens.push({ kind: "string", value: sql.slice(start + tag.length, close === -1 ? sql.length : close), start, end: index });
    } else if (WORD_START.test(char)) {
      while (index < sql.length && WORD_PART.test(sql[index]!)) index++;
      tokens.push({ kind: "word", value: sql.slice(start, index).toLowerCase(), start, end: index });
    } else if (/[0-9]/.test(char)) {
      while (index < sql.length && /[0-9.eE]/.test(sql[index]!)) index++;
      tokens.push({ kind: "other", value: sql.slice(start, index), start, end: index });
    } else {
      index++;
      tokens.push({ kind: "symbol", value: char, start, end: index });
    }
  }
  return tokens;
}

/** `$tag$` or `$$` opening a dollar-quoted string at `index` (`$1` is a parameter, not a tag). */
function dollarTagAt(sql: string, index: number): string | undefined {
  DOLLAR_TAG.lastIndex = index;
  return DOLLAR_TAG.test(sql) ? sql.slice(index, DOLLAR_TAG.lastIndex) : undefined;
}

function unescape(char: string): string {
  return { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[char] ?? char;
}
