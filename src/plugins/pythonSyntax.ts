/**
 * Whether a Python module parses, asked of the project's own interpreter (the syntax depends on its
 * version). The module is compiled, never imported: nothing in it runs.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";

export interface PythonSyntaxError {
  line: number;
  column: number;
  message: string;
}

/** compile() parses the text into a code object without executing it. */
const COMPILE = `
import json, sys
path = sys.argv[1]
try:
    with open(path, "rb") as source:
        compile(source.read(), path, "exec", dont_inherit=True)
except SyntaxError as error:
    sys.stdout.write(json.dumps({"line": error.lineno or 1, "column": error.offset or 1, "message": error.msg}))
except ValueError as error:
    sys.stdout.write(json.dumps({"line": 1, "column": 1, "message": str(error)}))
`;

/** Answers by interpreter, file and modification time: a module named by many steps is compiled once. */
const answers = new Map<string, PythonSyntaxError | undefined>();

/**
 * The module's first syntax error, or undefined when it compiles or cannot be checked here (the
 * interpreter is missing or is not a Python 3: the run says so, with the interpreter's name).
 */
export function pythonSyntaxError(interpreter: string, projectRoot: string, file: string): PythonSyntaxError | undefined {
  const key = `${interpreter}\u0000${file}\u0000${statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
  if (answers.has(key)) return answers.get(key);
  // -I -S: no PYTHONPATH, user site or sitecustomize, so no code but the check's own runs.
  const result = spawnSync(interpreter, ["-I", "-S", "-c", COMPILE, file], { cwd: projectRoot, encoding: "utf8", timeout: 20_000 });
  let answer: PythonSyntaxError | undefined;
  if (result.status === 0 && result.stdout) {
    try {
      answer = JSON.parse(result.stdout) as PythonSyntaxError;
    } catch {
      answer = undefined;
    }
  }
  if (answers.size < 1_000) answers.set(key, answer);
  return answer;
}
