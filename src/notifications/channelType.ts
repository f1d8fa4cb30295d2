/**
 * A notification channel type is one plain object, as a step type is: its name, the JSON Schema
 * of its fields in nomaflow.yaml, and one try at delivering one alert. The list of them is
 * channelTypes.ts; nothing else in Nomaflow knows a channel type by name.
 */
import { Type, type Static, type TLiteral, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import type { AlertContent } from "./alertText.js";
import type { RunAlert } from "./runAlert.js";

export interface AlertMessage {
  /** The same for every channel and every try of one alert, so a receiver can drop duplicates. */
  id: string;
  /** With secrets already masked. */
  alert: RunAlert;
  content: AlertContent;
}

export interface SendContext {
  /** Aborts when the try's time is up or the run is interrupted. */
  signal: AbortSignal;
  /** The try's time limit, for transports that take timeouts rather than a signal. */
  timeoutMs: number;
  /** PEM certificates trusted in addition to the system's (SMTP over TLS). */
  trustedCertificates: readonly string[];
}

export interface ChannelType<Fields extends TSchema = TObject> {
  /** The `type:` value of a channel in nomaflow.yaml, e.g. `slack`. */
  readonly name: string;
  /** The channel's fields: `type` and the type's own, closed to anything else. */
  readonly fields: Fields;
  /**
   * One try. `fields` are interpolated and match `fields`' schema (resolveChannel checked them).
   * @throws ChannelError, or any error (counted as retryable).
   */
  send(fields: Static<Fields>, message: AlertMessage, context: SendContext): Promise<void>;
}

type ChannelFields<Name extends string, Properties extends TProperties> = TObject<{ type: TLiteral<Name> } & Properties>;

/** The URL of the webhook channels (slack, teams, webhook). */
export const WebhookUrl = Type.String({ minLength: 1, description: "Webhook URL; keep it in the env file: ${env:NAME}." });

/** Makes a channel type from its name, its own fields (besides `type`) and its send function. */
export function defineChannelType<Name extends string, Properties extends TProperties>(definition: {
  name: Name;
  properties: Properties;
  send: ChannelType<ChannelFields<Name, Properties>>["send"];
}): ChannelType<ChannelFields<Name, Properties>> {
  const { name, properties, send } = definition;
  return { name, fields: Type.Object({ type: Type.Literal(name), ...properties }, { additionalProperties: false }), send };
}
