/**
 * A channel's fields as a sender needs them: every `${env:…}` resolved from the project
 * environment (as connector URLs are), then checked against the channel type's schema. The values
 * that came from the environment are returned as secrets, to be masked wherever they could show.
 */
import type { ProjectEnvironment } from "../project/envFile.js";
import type { ChannelConfig } from "../project/projectConfig.js";
import { forEachString, parseTemplate, renderValue } from "../project/template.js";
import { schemaProblems } from "../validate/schemaProblems.js";
import { ChannelError } from "./channelError.js";
import { channelType, channelTypes } from "./channelTypes.js";
import { smtpPassword } from "./emailChannel.js";

/** Shorter URL paths are routes (`/hook`), not tokens; masking them would only garble messages. */
const MIN_SECRET_PATH = 8;

/** What of a secret URL can show without the rest: a webhook's path holds its token, a URL's password. */
function secretUrlParts(secret: string): string[] {
  let url: URL;
  try {
    url = new URL(secret);
  } catch {
    return [];
  }
  const parts: string[] = [];
  const path = `${url.pathname}${url.search}`;
  if (path.length >= MIN_SECRET_PATH) parts.push(path);
  if (url.password) parts.push(decodeURIComponent(url.password));
  return parts;
}

export interface ResolvedChannel {
  name: string;
  type: string;
  /** Interpolated; they match the channel type's `fields` schema. */
  fields: Record<string, unknown>;
  /** Values that came from `${env:…}`, the parts of them that can show on their own, and an SMTP password. */
  secrets: string[];
}

/** @throws ChannelError (not retryable) naming the channel, the field and what is wrong. */
export function resolveChannel(config: ChannelConfig, environment: ProjectEnvironment): ResolvedChannel {
  const fail = (message: string): never => {
    throw new ChannelError(`channel ${config.name}: ${message}`, { retryable: false });
  };
  const type = channelType(config.type);
  if (!type) fail(`type ${JSON.stringify(config.type)} is not a channel type (${channelTypes.map((known) => known.name).join(", ")})`);

  // Walked once with paths first, so an unset variable is reported with the field that needs it.
  forEachString(config.fields, (text, path) => {
    for (const part of parseTemplate(text).parts) {
      if (typeof part !== "object") continue;
      const field = path.join(".");
      if (part.kind !== "env") fail(`${field}: ${part.raw} cannot be used in a channel; only \${env:NAME}`);
      else if (environment.values[part.name] === undefined && part.fallback === undefined) {
        fail(`${field} needs environment variable ${part.name}, which is not set`);
      }
    }
  });
  const { value, secrets } = renderValue(
    config.fields,
    (reference) => (reference.kind === "env" ? (environment.values[reference.name] ?? reference.fallback) : undefined),
    (problem) => fail(problem.message),
  );
  const fields = value as Record<string, unknown>;
  const [problem] = schemaProblems(type!.fields, fields);
  if (problem) fail(`${problem.path.length ? `${problem.path.join(".")}: ` : ""}${problem.message.replace("the file", "the channel")}`);
  const password = typeof fields.smtp_url === "string" ? smtpPassword(fields.smtp_url) : undefined;
  const parts = [...secrets.flatMap(secretUrlParts), ...(password === undefined ? [] : [password])];
  return { name: config.name, type: config.type, fields, secrets: [...secrets, ...parts] };
}
