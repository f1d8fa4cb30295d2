/** One problem found in a project file, in the shape `validate --format json` prints. */
export interface Diagnostic {
  severity: "error" | "warning";
  /** The file as the user would type it: relative to the current folder when inside it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  job: string | null;
  step: string | null;
  message: string;
  hint: string | null;
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}

export function countErrors(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
}
