/**
 * A channel's fields as a sender needs them: every `${env:…}` resolved from the project
 * environment (templates/resolveEnvOnly.ts, as for connector URLs), then checked against the channel type's schema. The values
 * that came from the environment are returned as secrets, to be masked wherever they could show.
 */
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ChannelConfig } from "../project/projectConfig.js";
import { resolveEnvOnly } from "../templates/resolveEnvOnly.js";
import { schemaProblems } from "../validate/schemaProblems.js";
import { ChannelError } from "./channelError.js";
import { channelFields, channelTypeNames, type ChannelTypeName } from "../schema/channelTypes.js";
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
  type: ChannelTypeName;
  /** Interpolated; they match the type's schema in channelTypes. */
  fields: Record<string, unknown>;
  /** Values that came from `${env:…}`, the parts of them that can show on their own, and an SMTP password. */
  secrets: string[];
}

/** @throws ChannelError (not retryable) naming the channel, the field and what is wrong. */
export function resolveChannel(config: ChannelConfig, environment: ProjectEnvironment): ResolvedChannel {
  const fail = (message: string): never => {
    throw new ChannelError(`channel ${config.name}: ${message}`, { retryable: false });
  };
  const schema = channelFields(config.type);
  if (!schema) fail(`type ${JSON.stringify(config.type)} is not a channel type (${channelTypeNames.join(", ")})`);

  const { value, secrets } = resolveEnvOnly(config.fields, environment, "a channel", fail);
  const fields = value as Record<string, unknown>;
  const [problem] = schemaProblems(schema!, fields);
  if (problem) fail(`${problem.path.length ? `${problem.path.join(".")}: ` : ""}${problem.message.replace("the file", "the channel")}`);
  const password = typeof fields.smtp_url === "string" ? smtpPassword(fields.smtp_url) : undefined;
  const parts = [...secrets.flatMap(secretUrlParts), ...(password === undefined ? [] : [password])];
  return { name: config.name, type: config.type as ChannelTypeName, fields, secrets: [...secrets, ...parts] };
}
