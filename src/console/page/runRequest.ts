/**
 * The Run now form's values, as the API takes them: text, as `run -p name=value` does (the server
 * parses them with the CLI's own rules), plus the same request written as a command. Pure.
 */
import type { ParamField, RunRequest } from "../consoleApi.js";

/** What the form holds: text for inputs and selects, a boolean for a checkbox. */
export type FormValues = Record<string, string | boolean | undefined>;

/**
 * An empty field is left out, so that the job's default applies (or the server says the parameter
 * is required). An unticked checkbox is sent as `false` only where that says something: the
 * parameter is required or its default is not false already.
 */
export function runRequestFrom(params: readonly ParamField[], values: FormValues): RunRequest {
  const request: Record<string, string> = {};
  for (const param of params) {
    const value = values[param.name];
    if (param.type === "boolean") {
      const checked = value === true || value === "true";
      if (checked || param.required || (param.default !== null && param.default !== "false")) request[param.name] = checked ? "true" : "false";
    } else if (typeof value === "string" && value !== "") {
      request[param.name] = value;
    }
  }
  return { params: request };
}

/** A word for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `nomaflow run JOB -p name=value …`, naming only the values that differ from the defaults. */
export function runCommandFor(jobId: string, params: readonly ParamField[], request: RunRequest): string {
  const words = ["nomaflow", "run", shellWord(jobId)];
  for (const param of params) {
    const value = request.params[param.name];
    if (value === undefined || value === param.default) continue;
    words.push("-p", shellWord(`${param.name}=${value}`));
  }
  return words.join(" ");
}
