/**
 * Interpolation in string values (DESIGN 2): `${env:NAME}`, `${env:NAME:-default}`,
 * `${params.NAME}`, `${job.id}`, `${run.id}`, `${run.scheduled_for}`, `${run.interval_start}`,
 * `${run.interval_end}`, `${steps.STEP.output.KEY}`, and `$${` for a literal `${`. A run's dates
 * may end in a format, `:date` or `:utc`, as an env reference ends in its default. Any reference
 * but an env reference with a default may end in `:ident`, which SQL text quotes as an identifier.
 * Parsing is separate from rendering so that `validate` checks the shape of every reference long
 * before the runner resolves it.
 */

/** A run's dates, each an ISO 8601 local time in the job's zone with its offset. */
export const RUN_DATE_FIELDS = ["scheduled_for", "interval_start", "interval_end"] as const;
export type RunDateField = (typeof RUN_DATE_FIELDS)[number];

/** How a run's date may be written: `:date` its day in the job's zone, `:utc` the instant in UTC. */
export const DATE_FORMATS = { date: "2026-12-06, the day in the job's time zone", utc: "2026-12-06T01:00:00+00:00, the instant in UTC" } as const;
export type DateFormat = keyof typeof DATE_FORMATS;

/**
 * A run's date (ISO 8601 local time with its offset) in a format: its date part is the day in the
 * job's zone; `utc` is the same instant written in UTC, `+00:00` as every time Nomaflow writes.
 */
export function formatRunDate(iso: string, format: DateFormat | undefined): string {
  if (format === undefined) return iso;
  if (format === "date") return iso.slice(0, 10);
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19)}+00:00` : iso;
}

type ReferenceTarget =
  | { kind: "env"; name: string; fallback: string | undefined }
  | { kind: "params"; name: string }
  | { kind: "job"; field: "id" }
  | { kind: "run"; field: "id" }
  | { kind: "run"; field: RunDateField; format?: DateFormat }
  | { kind: "steps"; step: string; path: string[] };

export type TemplateReference = ReferenceTarget & {
  raw: string;
  index: number;
  /** Written `${…:ident}`: the value names a table, column or schema (SQL text only). */
  ident?: true;
};

export type TemplatePart = string | TemplateReference;

export interface TemplateProblem {
  /** 0-based index of the `${` in the string. */
  index: number;
  message: string;
  hint?: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  problems: TemplateProblem[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STEP_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const KEY = /^[A-Za-z0-9_-]+$/;

export const REFERENCE_FORMS =
  "${env:NAME}, ${env:NAME:-default}, ${params.NAME}, ${job.id}, ${run.id}, ${run.scheduled_for}, ${run.interval_start}, ${run.interval_end} (each of the three may end in :date or :utc), ${steps.STEP.output.KEY}";

/** The suffix that asks SQL text to quote a value as an identifier. */
export const IDENT_SUFFIX = ":ident";

/** The problem of a `:ident` reference in a field that is not SQL text. */
export function identOutsideSql(reference: TemplateReference): TemplateProblem {
  return { index: reference.index, message: `${reference.raw}: ${IDENT_SUFFIX} quotes a name in SQL text, and this field is not SQL` };
}

/** Splits a string into literal text and references. */
export function parseTemplate(text: string): ParsedTemplate {
  // Most strings (SQL, URLs, names) have no reference at all.
  if (!text.includes("${")) return { parts: [text], problems: [] };
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let literal = "";
  let position = 0;
  while (position < text.length) {
    if (text.startsWith("$${", position)) {
      literal += "${";
      position += 3;
      continue;
    }
    if (!text.startsWith("${", position)) {
      literal += text[position];
      position++;
      continue;
    }
    const close = text.indexOf("}", position + 2);
    if (close === -1) {
      problems.push({
        index: position,
        message: `unterminated \${ in ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}…` : text)}`,
        hint: "close the reference with }, or write $${ for a literal ${",
      });
      literal += text.slice(position);
      break;
    }
    const body = text.slice(position + 2, close);
    const raw = text.slice(position, close + 1);
    const reference = parseReference(body, raw, position);
    if ("message" in reference) {
      problems.push(reference);
      literal += raw;
    } else {
      if (literal) parts.push(literal);
      literal = "";
      parts.push(reference);
    }
    position = close + 1;
  }
  if (literal || parts.length === 0) parts.push(literal);
  return { parts, problems };
}

function parseReference(body: string, raw: string, index: number): TemplateReference | TemplateProblem {
  const unknown = (message: string): TemplateProblem => ({ index, message, hint: `references are ${REFERENCE_FORMS}` });
  // A default runs to the closing brace, so `:ident` is read only where there is none.
  const ident = body.endsWith(IDENT_SUFFIX) && !(body.startsWith("env:") && body.includes(":-"));
  const target = parseTarget(ident ? body.slice(0, -IDENT_SUFFIX.length) : body, raw, unknown);
  if ("message" in target) return target;
  return ident ? { ...target, raw, index, ident: true } : { ...target, raw, index };
}

function parseTarget(body: string, raw: string, unknown: (message: string) => TemplateProblem): ReferenceTarget | TemplateProblem {
  if (body.startsWith("env:")) {
    const rest = body.slice(4);
    const separator = rest.indexOf(":-");
    const name = separator === -1 ? rest : rest.slice(0, separator);
    if (!ENV_NAME.test(name)) return unknown(`${raw}: ${JSON.stringify(name)} is not an environment variable name`);
    return { kind: "env", name, fallback: separator === -1 ? undefined : rest.slice(separator + 2) };
  }
  const colon = body.indexOf(":");
  if (colon !== -1) return formattedTarget(body.slice(0, colon), body.slice(colon + 1), raw, unknown);
  const segments = body.split(".");
  const [head, ...rest] = segments;
  switch (head) {
    case "params":
      if (rest.length === 1 && PARAM_NAME.test(rest[0]!)) return { kind: "params", name: rest[0]! };
      return unknown(`${raw} is not a parameter reference: write \${params.NAME}`);
    case "job":
      if (rest.length === 1 && rest[0] === "id") return { kind: "job", field: "id" };
      return unknown(`${raw}: a job has only \${job.id}`);
    case "run":
      if (rest.length === 1 && rest[0] === "id") return { kind: "run", field: "id" };
      if (rest.length === 1 && isRunDateField(rest[0]!)) return { kind: "run", field: rest[0] };
      return unknown(`${raw}: a run has \${run.id}, ${RUN_DATE_FIELDS.map((field) => `\${run.${field}}`).join(", ")}`);
    case "steps":
      if (rest.length >= 3 && STEP_NAME.test(rest[0]!) && rest[1] === "output" && rest.slice(2).every((key) => KEY.test(key))) {
        return { kind: "steps", step: rest[0]!, path: rest.slice(2) };
      }
      return unknown(`${raw} is not a step output reference: write \${steps.STEP.output.KEY}`);
    default:
      return unknown(`unknown reference ${raw}`);
  }
}

function isRunDateField(name: string): name is RunDateField {
  return (RUN_DATE_FIELDS as readonly string[]).includes(name);
}

/** `${run.scheduled_for:date}`: a run's date with a format; every other `name:format` is refused, saying what exists. */
function formattedTarget(path: string, format: string, raw: string, unknown: (message: string) => TemplateProblem): ReferenceTarget | TemplateProblem {
  const formats = Object.entries(DATE_FORMATS)
    .map(([name, example]) => `:${name} (${example})`)
    .join(", ");
  const [head, field, ...rest] = path.split(".");
  if (head !== "run" || field === undefined || !isRunDateField(field) || rest.length > 0) {
    return unknown(
      `${raw}: unknown suffix :${format}; ${IDENT_SUFFIX} quotes a name in SQL text, and a run's date takes a format, as in \${run.scheduled_for:date} (${formats})`,
    );
  }
  if (!(format in DATE_FORMATS)) return unknown(`${raw}: unknown format :${format}; the formats are ${formats}`);
  return { kind: "run", field, format: format as DateFormat };
}

/** True when the string is exactly one reference, so its value keeps its type. */
export function wholeReference(parsed: ParsedTemplate): TemplateReference | undefined {
  const [only] = parsed.parts;
  return parsed.parts.length === 1 && typeof only === "object" ? only : undefined;
}

/** True when the string has any reference (such values are checked after interpolation). */
export function hasReference(text: string): boolean {
  return parseTemplate(text).parts.some((part) => typeof part === "object");
}

/** Resolves one reference; throws a typed error when it cannot. */
export type ReferenceResolver = (reference: TemplateReference) => unknown;

export interface RenderResult {
  value: unknown;
  /** Values that came from `${env:…}`: the caller masks them. */
  secrets: string[];
  /** Some string had a reference or an escape (otherwise `value` equals the input). */
  changed: boolean;
}

/**
 * Writes a string's parts its own way (SQL text quotes each value). `resolve` tracks secrets;
 * `addSecret` adds the forms a secret takes once written (escaped), to be masked too.
 */
export type PartsWriter = (parsed: ParsedTemplate, resolve: ReferenceResolver, addSecret: (form: string) => void) => string;

export interface RenderOptions {
  /** The writer for the string at `path`, where it is not the default pasting of text. */
  writerAt?: (path: readonly (string | number)[]) => PartsWriter | undefined;
}

/**
 * Interpolates every string in a value (objects and lists are walked). A string that is one whole
 * `${params.X}` or `${steps…}` reference keeps the referenced value's type. Parse problems must
 * have been reported by `validate`; here they throw through `onProblem`.
 */
export function renderValue(
  value: unknown,
  resolve: ReferenceResolver,
  onProblem: (problem: TemplateProblem) => never,
  options: RenderOptions = {},
): RenderResult {
  const secrets: string[] = [];
  let changed = false;
  const resolveTracked = (reference: TemplateReference): unknown => {
    const resolved = resolve(reference);
    if (reference.kind === "env" && typeof resolved === "string" && resolved !== "" && resolved !== reference.fallback) secrets.push(resolved);
    return resolved;
  };
  const renderString = (text: string, path: readonly (string | number)[]): unknown => {
    const parsed = parseTemplate(text);
    if (parsed.problems[0]) onProblem(parsed.problems[0]);
    if (parsed.parts.length === 1 && parsed.parts[0] === text) return text;
    changed = true;
    const writer = options.writerAt?.(path);
    if (writer) return writer(parsed, resolveTracked, (form) => secrets.push(form));
    const ident = parsed.parts.find((part): part is TemplateReference => typeof part === "object" && part.ident === true);
    if (ident) onProblem(identOutsideSql(ident));
    const whole = wholeReference(parsed);
    if (whole && whole.kind !== "env") return resolveTracked(whole);
    return parsed.parts.map((part) => (typeof part === "string" ? part : valueAsText(resolveTracked(part)))).join("");
  };
  // Paths are built only when some string may need its own writer.
  const child = options.writerAt ? (path: (string | number)[], key: string | number) => [...path, key] : (path: (string | number)[]) => path;
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") return renderString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, child(path, index)));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, child(path, key))]));
    }
    return node;
  };
  return { value: walk(value, []), secrets, changed };
}

/** A value as text in a string: null and missing as nothing, lists and objects as JSON. */
export function valueAsText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Calls `visit` for every string in a value with its path, for checks that need positions. */
export function forEachString(value: unknown, visit: (text: string, path: (string | number)[]) => void, path: (string | number)[] = []): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((child, index) => forEachString(child, visit, [...path, index]));
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) forEachString(child, visit, [...path, key]);
  }
}
