/**
 * Reads a YAML file into a document that keeps every node's position, so that any problem found
 * later can name its line and column. Reading never throws for what is in the file: size, binary
 * content, syntax errors and emptiness come back as diagnostics.
 */
import { readFileSync, statSync } from "node:fs";
import { CST, isMap, isPair, isScalar, isSeq, LineCounter, Parser, parseDocument, Scalar, type Document, type Node, type YAMLError } from "yaml";
import type { Diagnostic } from "./diagnostic.js";

export const MAX_FILE_BYTES = 1024 * 1024;

export type YamlPath = readonly (string | number)[];

export interface YamlSource {
  /** As shown to the user. */
  file: string;
  absolutePath: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain JavaScript value of the document. */
  data: unknown;
}

export type ReadYamlResult = { source: YamlSource; diagnostics: Diagnostic[] } | { source: undefined; diagnostics: Diagnostic[] };

interface Attribution {
  job?: string | null;
  step?: string | null;
}

function fileDiagnostic(file: string, message: string, line = 1, column = 1, hint: string | null = null): Diagnostic {
  return { severity: "error", file, line, column, job: null, step: null, message, hint };
}

function lineAndColumnOf(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index++) {
    if (bytes[index] === 0x0a) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Reads and parses; `file` is the name used in diagnostics. */
export function readYamlFile(absolutePath: string, file: string): ReadYamlResult {
  let bytes: Buffer;
  try {
    const size = statSync(absolutePath).size;
    if (size > MAX_FILE_BYTES) {
      const megabytes = (size / (1024 * 1024)).toFixed(1);
      return { source: undefined, diagnostics: [fileDiagnostic(file, `file too large (${megabytes} MB; the limit is 1 MB), not parsed`)] };
    }
    bytes = readFileSync(absolutePath);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : `cannot read file: ${(error as Error).message}`;
    return { source: undefined, diagnostics: [fileDiagnostic(file, reason)] };
  }
  return parseYamlText(bytes, absolutePath, file);
}

/** Parses bytes already read; exported for tests and for files given on stdin later. */
export function parseYamlText(bytes: Buffer, absolutePath: string, file: string): ReadYamlResult {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const { line, column } = lineAndColumnOf(bytes, nul);
    return { source: undefined, diagnostics: [fileDiagnostic(file, "not a text file: it holds binary data (a NUL byte)", line, column)] };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const { line, column } = lineAndColumnOf(bytes, offset);
    return {
      source: undefined,
      diagnostics: [fileDiagnostic(file, "not a UTF-8 text file: invalid byte sequence", line, column, "save the file as UTF-8")],
    };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const diagnostics: Diagnostic[] = [];
  // The first syntax error is the one to fix; later ones are mostly its echoes.
  for (const problem of [...doc.errors.slice(0, 1), ...doc.warnings]) {
    const opened = UNCLOSED.test(problem.message) ? unclosedTokenStart(text, problem) : undefined;
    const { line, col: column } = lineCounter.linePos(opened?.offset ?? problem.pos[0]);
    const hint = opened ? `the ${opened.opener} opened here is never closed` : null;
    diagnostics.push({
      ...fileDiagnostic(file, `YAML: ${firstLine(problem.message)}`, line, column, hint),
      severity: problem.name === "YAMLWarning" ? "warning" : "error",
    });
  }
  if (doc.errors.length > 0) return { source: undefined, diagnostics };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { source: undefined, diagnostics: [...diagnostics, fileDiagnostic(file, "file is empty")] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { source: undefined, diagnostics: [...diagnostics, fileDiagnostic(file, `YAML: ${firstLine((error as Error).message)}`)] };
  }
  return { source: { file, absolutePath, text, doc, lineCounter, data }, diagnostics };
}

/** The errors the parser reports where the file (or the enclosing block) ends, not where the token opened. */
const UNCLOSED = /^(Missing closing .?quote|Flow (map|sequence) )/;
const OPENING_TOKENS: ReadonlySet<string> = new Set(["double-quoted-scalar", "single-quoted-scalar", "flow-collection"]);

/**
 * The innermost quoted scalar or flow collection that runs up to the error: where it opens, and
 * with what (`"`, `'`, `{`, `[`).
 */
function unclosedTokenStart(text: string, problem: YAMLError): { offset: number; opener: string } | undefined {
  const at = problem.pos[0];
  let found: { offset: number; opener: string } | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== "document") continue;
    CST.visit(token, (item) => {
      for (const node of [item.key, item.value]) {
        if (!node || !OPENING_TOKENS.has(node.type) || !("offset" in node)) continue;
        const end = node.offset + CST.stringify(node).length;
        if (node.offset < at && at <= end && (found === undefined || node.offset > found.offset)) found = { offset: node.offset, opener: text[node.offset]! };
      }
    });
  }
  return found;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let low = 0;
  let high = bytes.length;
  // The shortest prefix that fails to decode ends at the bad sequence.
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    try {
      decoder.decode(bytes.subarray(0, middle + 1), { stream: true });
      decoder.decode();
      low = middle + 1;
    } catch {
      high = middle;
    }
  }
  // Step back over an incomplete sequence's lead byte.
  let start = low;
  while (start > 0 && start > low - 3 && (bytes[start]! & 0xc0) === 0x80) start--;
  return start;
}

/**
 * The position of the node at `path`: of the key when `part` is "key" (unknown fields), of the
 * value otherwise. When the path runs out of the document, the deepest node found stands in.
 */
export function locate(source: YamlSource, path: YamlPath, part: "key" | "value" = "value", offsetInValue?: number): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyOf(item.key) === String(segment));
      if (!pair) break;
      if (last && part === "key") {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      node = node.items[Number(segment)];
      if (node === undefined) break;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  if (offsetInValue !== undefined) offset += characterOffset(source.text, node, offsetInValue);
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Where the `index`-th character of a scalar's value sits in the source: exact for plain scalars
 * and for quoted ones without escapes on one line; elsewhere the scalar's start stands in.
 */
function characterOffset(text: string, node: unknown, index: number): number {
  if (!isScalar(node) || typeof node.value !== "string" || !node.range) return 0;
  const raw = text.slice(node.range[0], node.range[1]);
  if (raw.includes("\n")) return 0;
  if (node.type === Scalar.PLAIN && raw === node.value) return index;
  if ((node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) && raw.slice(1, -1) === node.value) return index + 1;
  return 0;
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/** A diagnostic at a path of a parsed file. */
export function diagnosticAt(
  source: YamlSource,
  path: YamlPath,
  message: string,
  options: Attribution & { hint?: string | null; severity?: Diagnostic["severity"]; part?: "key" | "value"; offsetInValue?: number } = {},
): Diagnostic {
  const { line, column } = locate(source, path, options.part, options.offsetInValue);
  return {
    severity: options.severity ?? "error",
    file: source.file,
    line,
    column,
    job: options.job ?? null,
    step: options.step ?? null,
    message,
    hint: options.hint ?? null,
  };
}
