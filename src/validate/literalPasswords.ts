/**
 * Finds passwords written into nomaflow.yaml, a file meant to be committed: the password part of
 * a URL (`postgres://user:secret@host/db`, `?password=secret`) that is not a `${env:…}`.
 */
import { forEachString } from "../templates/template.js";

export interface LiteralPasswordFinding {
  path: (string | number)[];
  message: string;
  hint: string;
  offsetInValue: number;
}

const USERINFO_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]+)@/;
const QUERY_PASSWORD = /[?&]password=([^&#]+)/i;

export function literalPasswords(config: unknown): LiteralPasswordFinding[] {
  const findings: LiteralPasswordFinding[] = [];
  forEachString(config, (text, path) => {
    for (const pattern of [USERINFO_PASSWORD, QUERY_PASSWORD]) {
      const match = pattern.exec(text);
      const password = match?.[1];
      if (!match || !password || password.includes("${")) continue;
      const variable = `${String(path[path.length - 2] ?? "nomaflow")
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, "_")}_PASSWORD`;
      const offsetInValue = match.index + match[0].lastIndexOf(password);
      findings.push({
        path,
        offsetInValue,
        message: `a password is written in nomaflow.yaml, which is meant to be committed`,
        hint: `put ${variable}=… in the env file (.env, not committed) and write \${env:${variable}} in its place: ${text.slice(0, offsetInValue)}\${env:${variable}}${text.slice(offsetInValue + password.length)}`,
      });
      break;
    }
  });
  return findings;
}
