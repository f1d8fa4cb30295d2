/**
 * Where each `${…}` of an SQL text sits, read as PostgreSQL's lexer reads it (with
 * standard_conforming_strings on, its default): plain code, a '…' or E'…' string, a dollar-quoted
 * body, a quoted identifier or a comment. Only what decides those places is read; the SQL around
 * the references is passed through unchanged.
 */
import type { TemplatePart, TemplateReference } from "./template.js";

export type SqlPlace =
  | "code"
  | "string" // '…'
  | "escape-string" // E'…'
  | "other-string" // B'…', X'…', N'…', U&'…': no value can be quoted into them
  | "unclosed-string"
  | "dollar-body"
  | "quoted-identifier"
  | "comment";

export interface SqlHole {
  reference: TemplateReference;
  place: SqlPlace;
  /** In code: a name character or a quote touches it, which would join the value to them. */
  glued: boolean;
  /** In an E'…' string: right after an unpaired backslash, which would escape the value's first character. */
  afterBackslash: boolean;
}

/**
 * The SQL as pieces: text passed through, references, and '…' strings holding references, given
 * by their text (quotes undoubled, continuation lines joined) so that they can be written anew.
 */
export type SqlSegment = { kind: "sql"; text: string } | { kind: "hole"; hole: SqlHole } | { kind: "string"; pieces: (string | SqlHole)[] };

type State =
  | { in: "code" }
  | { in: "quote"; place: "string" | "escape-string" | "other-string"; doubles: boolean }
  | { in: "dollar"; delimiter: string }
  | { in: "identifier" }
  | { in: "line-comment" }
  | { in: "block-comment"; depth: number };

const GLUE_CHAR = /[A-Za-z0-9_$\u0080-\uffff'"]/;
/** A value beside a dot would be read as part of a qualified name; a name (`:ident`) may stand there. */
const VALUE_GLUE_CHAR = /[A-Za-z0-9_$\u0080-\uffff'".]/;
const IDENTIFIER = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /0[xX][0-9A-Fa-f_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?/y;
const PARAMETER = /\$[0-9]+/y;
const DOLLAR_DELIMITER = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
/** A string goes on after its closing quote across whitespace holding a newline (comments count as whitespace). */
const CONTINUATION = /(?:[ \t\f]|--[^\n\r]*)*[\n\r](?:[ \t\n\r\f\v]|--[^\n\r]*)*'/y;

function stickyMatch(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

/** Splits a parsed SQL template into segments, each reference with its place. */
export function sqlSegments(parts: readonly TemplatePart[]): SqlSegment[] {
  return lex(parts);
}

/**
 * Where `sql` ends once what may follow its last token — `;`, spaces, comments — is left out; 0
 * when it has no token at all.
 */
export function sqlCodeEnd(sql: string): number {
  let end = 0;
  lex([sql], (at) => {
    end = at;
  });
  return end;
}

/** `onToken` hears where each token of code ends (strings, quoted names and dollar bodies at their close), but for `;`. */
function lex(parts: readonly TemplatePart[], onToken?: (end: number) => void): SqlSegment[] {
  const segments: SqlSegment[] = [];
  let state: State = { in: "code" };
  let text = "";
  // The '…' string being read: its raw form, and its text and references when it holds any.
  let literal: { raw: string; text: string; pieces: (string | SqlHole)[] } | undefined;
  let afterBackslash = false;

  const flush = () => {
    if (text) segments.push({ kind: "sql", text });
    text = "";
  };
  const closeQuote = (chunk: string, at: number): number => {
    // `at` is just past the closing quote; a continuation keeps the string open.
    const continued = stickyMatch(CONTINUATION, chunk, at);
    if (continued !== undefined) {
      if (literal) literal.raw += continued;
      else text += continued;
      return at + continued.length;
    }
    onToken?.(at);
    if (literal) {
      if (literal.pieces.length > 0) {
        flush();
        segments.push({ kind: "string", pieces: [...literal.pieces, literal.text] });
      } else text += literal.raw;
      literal = undefined;
    }
    state = { in: "code" };
    return at;
  };

  parts.forEach((part, partIndex) => {
    if (typeof part === "object") {
      const hole: SqlHole = { reference: part, place: placeOf(state), glued: false, afterBackslash };
      if (state.in === "code") {
        const before = parts[partIndex - 1];
        const after = parts[partIndex + 1];
        const glue = part.ident ? GLUE_CHAR : VALUE_GLUE_CHAR;
        hole.glued =
          typeof before === "object" ||
          typeof after === "object" ||
          (before !== undefined && glue.test(before.at(-1)!)) ||
          (after !== undefined && glue.test(after[0]!));
      }
      if (literal) {
        literal.pieces.push(literal.text, hole);
        literal.text = "";
      } else {
        flush();
        segments.push({ kind: "hole", hole });
      }
      afterBackslash = false;
      return;
    }
    const chunk = part;
    let i = 0;
    while (i < chunk.length) {
      const char = chunk[i]!;
      switch (state.in) {
        case "code": {
          const next = chunk[i + 1];
          if (char === "-" && next === "-") state = { in: "line-comment" };
          else if (char === "/" && next === "*") {
            state = { in: "block-comment", depth: 1 };
            text += "/*";
            i += 2;
            continue;
          } else if (char === "'") {
            state = { in: "quote", place: "string", doubles: true };
            literal = { raw: "'", text: "", pieces: [] };
            i++;
            continue;
          } else if (char === '"') state = { in: "identifier" };
          else if (char === "$") {
            const token = stickyMatch(PARAMETER, chunk, i) ?? stickyMatch(DOLLAR_DELIMITER, chunk, i);
            if (token?.endsWith("$")) state = { in: "dollar", delimiter: token };
            if (token) {
              text += token;
              i += token.length;
              if (state.in === "code") onToken?.(i);
              continue;
            }
          } else if (/[A-Za-z_\u0080-\uffff]/.test(char)) {
            const prefixed = quotePrefix(chunk, i);
            if (prefixed) {
              state = prefixed.state;
              text += prefixed.token;
              i += prefixed.token.length;
              continue;
            }
            const name = stickyMatch(IDENTIFIER, chunk, i)!;
            text += name;
            i += name.length;
            onToken?.(i);
            continue;
          } else if (/[0-9]/.test(char)) {
            const number = stickyMatch(NUMBER, chunk, i)!;
            text += number;
            i += number.length;
            onToken?.(i);
            continue;
          }
          text += char;
          i++;
          if (state.in === "code" && char !== ";" && !/\s/.test(char)) onToken?.(i);
          continue;
        }
        case "quote": {
          if (state.place === "escape-string" && char === "\\") {
            const pair = chunk.slice(i, i + 2);
            text += pair;
            i += pair.length;
            afterBackslash = pair.length === 1; // the chunk ends here, before a reference
            continue;
          }
          if (char !== "'") {
            if (literal) {
              literal.raw += char;
              literal.text += char;
            } else text += char;
            i++;
            continue;
          }
          if (state.doubles && chunk[i + 1] === "'") {
            if (literal) {
              literal.raw += "''";
              literal.text += "'";
            } else text += "''";
            i += 2;
            continue;
          }
          if (literal) literal.raw += "'";
          else text += "'";
          i = closeQuote(chunk, i + 1);
          continue;
        }
        case "dollar": {
          const end = chunk.indexOf(state.delimiter, i);
          if (end === -1) {
            text += chunk.slice(i);
            i = chunk.length;
          } else {
            text += chunk.slice(i, end + state.delimiter.length);
            i = end + state.delimiter.length;
            state = { in: "code" };
            onToken?.(i);
          }
          continue;
        }
        case "identifier": {
          text += char;
          i++;
          if (char === '"') {
            if (chunk[i] === '"') {
              text += '"';
              i++;
            } else {
              state = { in: "code" };
              onToken?.(i);
            }
          }
          continue;
        }
        case "line-comment": {
          text += char;
          i++;
          if (char === "\n" || char === "\r") state = { in: "code" };
          continue;
        }
        case "block-comment": {
          const pair = chunk.slice(i, i + 2);
          if (pair === "/*" || pair === "*/") {
            text += pair;
            i += 2;
            state =
              pair === "/*"
                ? { in: "block-comment", depth: state.depth + 1 }
                : state.depth === 1
                  ? { in: "code" }
                  : { in: "block-comment", depth: state.depth - 1 };
            continue;
          }
          text += char;
          i++;
          continue;
        }
      }
    }
  });
  // Never closed: the string, quoted name or dollar body runs to the end of the text.
  const open = (state as State).in;
  const last = parts.at(-1);
  if ((open === "quote" || open === "dollar" || open === "identifier") && typeof last === "string") onToken?.(last.length);
  if (literal) {
    // Never closed: its references are refused (so it is never written anew).
    for (const piece of literal.pieces) if (typeof piece === "object") piece.place = "unclosed-string";
    if (literal.pieces.length > 0) {
      flush();
      segments.push({ kind: "string", pieces: [...literal.pieces, literal.text] });
    } else text += literal.raw;
  }
  flush();
  return segments;
}

/** E'…', B'…', X'…', N'…', U&'…' and U&"…" where a token starts with one of those letters. */
function quotePrefix(chunk: string, at: number): { token: string; state: State } | undefined {
  const letter = chunk[at]!.toLowerCase();
  const next = chunk[at + 1];
  if (next === "'") {
    if (letter === "e") return { token: chunk.slice(at, at + 2), state: { in: "quote", place: "escape-string", doubles: true } };
    if (letter === "b" || letter === "x") return { token: chunk.slice(at, at + 2), state: { in: "quote", place: "other-string", doubles: false } };
    if (letter === "n") return { token: chunk.slice(at, at + 2), state: { in: "quote", place: "other-string", doubles: true } };
  }
  if (letter === "u" && next === "&") {
    if (chunk[at + 2] === "'") return { token: chunk.slice(at, at + 3), state: { in: "quote", place: "other-string", doubles: true } };
    if (chunk[at + 2] === '"') return { token: chunk.slice(at, at + 3), state: { in: "identifier" } };
  }
  return undefined;
}

function placeOf(state: State): SqlPlace {
  switch (state.in) {
    case "code":
      return "code";
    case "quote":
      return state.place;
    case "dollar":
      return "dollar-body";
    case "identifier":
      return "quoted-identifier";
    case "line-comment":
    case "block-comment":
      return "comment";
  }
}

/** Every reference of a parsed SQL template with its place, for `validate`. */
export function sqlHoles(parts: readonly TemplatePart[]): SqlHole[] {
  return sqlSegments(parts).flatMap((segment) =>
    segment.kind === "hole" ? [segment.hole] : segment.kind === "string" ? segment.pieces.filter((piece): piece is SqlHole => typeof piece === "object") : [],
  );
}
