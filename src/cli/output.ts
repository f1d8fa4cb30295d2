/** Terminal output: colour only on a TTY, never with NO_COLOR (FORCE_COLOR turns it on). */
import { Chalk, type ChalkInstance } from "chalk";

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Styles for stdout. */
  style: ChalkInstance;
  /** Styles for stderr. */
  errStyle: ChalkInstance;
}

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export function createOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  return {
    out: (text) => stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    style: new Chalk({ level: colorEnabled(stdout) ? 1 : 0 }),
    errStyle: new Chalk({ level: colorEnabled(stderr) ? 1 : 0 }),
  };
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
