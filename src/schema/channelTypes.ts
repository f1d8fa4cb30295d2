/**
 * The notification channel types: the one list of their names and the fields each needs in
 * nomaflow.yaml. `validate` checks channels with these schemas, and the notifier's senders
 * (notifications/channelSenders.ts) are keyed by the same names: the compiler refuses a type
 * without a sender. The schemas live here, below `validate/`, so checking nomaflow.yaml does not
 * load the code that sends.
 */
import { Type, type Static } from "@sinclair/typebox";
import { StringMap } from "./common.js";

const WebhookUrl = Type.String({ minLength: 1, description: "Webhook URL; keep it in the env file: ${env:NAME}." });

export const SlackChannel = Type.Object({ type: Type.Literal("slack"), url: WebhookUrl }, { additionalProperties: false });
export const TeamsChannel = Type.Object({ type: Type.Literal("teams"), url: WebhookUrl }, { additionalProperties: false });
export const WebhookChannel = Type.Object(
  { type: Type.Literal("webhook"), url: WebhookUrl, headers: Type.Optional(StringMap({ description: "Extra request headers." })) },
  { additionalProperties: false },
);
export const EmailChannel = Type.Object(
  {
    type: Type.Literal("email"),
    smtp_url: Type.String({ minLength: 1, description: "smtp://user:pass@host:587 (STARTTLS) or smtps://…:465." }),
    from: Type.String({ minLength: 1 }),
    to: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type SlackChannelFields = Static<typeof SlackChannel>;
export type TeamsChannelFields = Static<typeof TeamsChannel>;
export type WebhookChannelFields = Static<typeof WebhookChannel>;
export type EmailChannelFields = Static<typeof EmailChannel>;

export const channelTypes = {
  slack: SlackChannel,
  teams: TeamsChannel,
  webhook: WebhookChannel,
  email: EmailChannel,
} as const;

export type ChannelTypeName = keyof typeof channelTypes;

export const channelTypeNames = Object.keys(channelTypes) as ChannelTypeName[];

/** The fields schema of the channel type of that name; undefined for a name that is none. */
export function channelFields(name: string): (typeof channelTypes)[ChannelTypeName] | undefined {
  return Object.hasOwn(channelTypes, name) ? channelTypes[name as ChannelTypeName] : undefined;
}
