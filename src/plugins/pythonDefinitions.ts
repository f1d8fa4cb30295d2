/**
 * The names a Python module defines at module level, read from its text without running Python:
 * `def`, `async def`, `class`, assignments and imports, including those inside a top-level
 * `if`/`try`/`with` block. `validate` uses it to check a python callable without importing
 * user code (which could take seconds, or touch a database).
 */

export interface PythonDefinitions {
  /** Module-level names. */
  names: Set<string>;
  /**
   * True when the module can gain names this reading cannot see (`from x import *`, a module
   * `__getattr__`, writes to `globals()`): an unknown name is then not an error.
   */
  open: boolean;
}

interface LogicalLine {
  indent: number;
  /** The line with strings replaced by `""` and comments removed. */
  code: string;
}

const IDENTIFIER = "[A-Za-z_][A-Za-z0-9_]*";
const DEFINITION = new RegExp(`^(?:async\\s+)?(?:def|class)\\s+(${IDENTIFIER})`);
const ASSIGNMENT = new RegExp(`^(${IDENTIFIER}(?:\\s*,\\s*${IDENTIFIER})*)\\s*(?::[^=]*)?=(?!=)`);
const IMPORT = /^import\s+(.+)$/;
const FROM_IMPORT = /^from\s+\S+\s+import\s+\(?(.+?)\)?$/;
const BLOCK = /^(?:if|elif|else|try|except|finally|with|async\s+with|for|async\s+for|while|match|case)\b/;

export function pythonDefinitions(source: string): PythonDefinitions {
  const names = new Set<string>();
  let open = false;
  // Open compound statements: their indentation, and whether they start a new scope (def, class).
  const stack: { indent: number; scope: boolean }[] = [];
  for (const { indent, code } of logicalLines(source)) {
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const inScope = stack.some((entry) => entry.scope);
    if (!inScope) {
      const definition = DEFINITION.exec(code);
      if (definition) names.add(definition[1]!);
      else if (!BLOCK.test(code)) collectStatement(code, names, () => (open = true));
      // A one-line block (`if x: y = 1`) defines at module level too.
      else if (!code.endsWith(":")) collectStatement(code.slice(code.indexOf(":") + 1).trim(), names, () => (open = true));
    }
    if (code.endsWith(":")) stack.push({ indent, scope: DEFINITION.test(code) });
  }
  if (names.has("__getattr__")) open = true;
  return { names, open };
}

function collectStatement(code: string, names: Set<string>, markOpen: () => void): void {
  if (/\bglobals\s*\(\s*\)/.test(code)) markOpen();
  const fromImport = FROM_IMPORT.exec(code);
  if (fromImport) {
    if (fromImport[1]!.trim() === "*") markOpen();
    for (const part of fromImport[1]!.split(",")) addImported(part, names, false);
    return;
  }
  const plainImport = IMPORT.exec(code);
  if (plainImport) {
    for (const part of plainImport[1]!.split(",")) addImported(part, names, true);
    return;
  }
  const assignment = ASSIGNMENT.exec(code);
  if (assignment) for (const name of assignment[1]!.split(",")) names.add(name.trim());
}

/** `a.b as c` binds c; `a.b` binds a (for `import`) or b (for `from … import`). */
function addImported(part: string, names: Set<string>, dotted: boolean): void {
  const [target, alias] = part.trim().split(/\s+as\s+/);
  const name = alias ?? (dotted ? target?.split(".")[0] : target);
  if (name && new RegExp(`^${IDENTIFIER}$`).test(name.trim())) names.add(name.trim());
}

/**
 * Physical lines joined into logical ones (brackets, backslashes, triple-quoted strings), with
 * string contents and comments removed, so that nothing inside a string reads as code.
 */
function* logicalLines(source: string): Generator<LogicalLine> {
  let code = "";
  let indent = -1;
  let depth = 0;
  let index = 0;
  let lineStart = true;
  const text = source.replace(/\r\n?/g, "\n");
  const flush = function* (): Generator<LogicalLine> {
    const trimmed = code.trim();
    if (trimmed !== "" && indent >= 0) yield { indent, code: trimmed };
    code = "";
    indent = -1;
  };
  while (index < text.length) {
    const char = text[index]!;
    if (lineStart && depth === 0 && code.trim() === "") {
      // Indentation of a new logical line; blank and comment-only lines do not count.
      let width = 0;
      while (text[index + width] === " " || text[index + width] === "\t") width++;
      const next = text[index + width];
      if (next === "\n" || next === "#" || next === undefined) {
        const end = text.indexOf("\n", index);
        index = end === -1 ? text.length : end + 1;
        continue;
      }
      indent = width;
      index += width;
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (char === "#") {
      const end = text.indexOf("\n", index);
      index = end === -1 ? text.length : end;
      continue;
    }
    if (char === "\\" && text[index + 1] === "\n") {
      code += " ";
      index += 2;
      continue;
    }
    if (char === "'" || char === '"') {
      index = skipString(text, index);
      code += '""';
      continue;
    }
    if ("([{".includes(char)) depth++;
    if (")]}".includes(char)) depth = Math.max(0, depth - 1);
    if (char === "\n") {
      if (depth === 0) {
        yield* flush();
        lineStart = true;
      } else {
        code += " ";
      }
      index++;
      continue;
    }
    code += char;
    index++;
  }
  yield* flush();
}

/** The index just after the string literal starting at `start` (single, double or triple quoted). */
function skipString(text: string, start: number): number {
  const quote = text[start]!;
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let index = start + closing.length;
  while (index < text.length) {
    if (text[index] === "\\") {
      index += 2;
      continue;
    }
    if (!triple && text[index] === "\n") return index;
    if (text.startsWith(closing, index)) return index + closing.length;
    index++;
  }
  return text.length;
}
