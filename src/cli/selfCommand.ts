/**
 * How to write a nomaflow command for the user to type next: `nomaflow` when that name on the
 * PATH is this installation (npm link, a global install), else the path of the script that is
 * running (`./bin/nomaflow` in a clone).
 */
import { realpathSync } from "node:fs";
import { delimiter, isAbsolute, join, relative } from "node:path";
import { shellQuote } from "../files/shellQuote.js";

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export function selfCommand(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env, script: string | undefined = process.argv[1]): string {
  const running = script === undefined ? undefined : realpath(script);
  if (running === undefined) return "nomaflow";
  for (const folder of (env.PATH ?? "").split(delimiter)) {
    if (folder && isAbsolute(folder) && realpath(join(folder, "nomaflow")) === running) return "nomaflow";
  }
  // Node gives the script as an absolute path.
  const fromCwd = relative(cwd, script!);
  return shellQuote(fromCwd.startsWith("..") || isAbsolute(fromCwd) ? script! : `./${fromCwd}`);
}
