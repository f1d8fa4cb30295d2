/**
 * Notification channel kinds and the fields each needs in nomaflow.yaml. The schemas are the one
 * source of the fields' shape: `validate` checks them, and the senders' field types derive from them.
 */
import { Type, type Static, type TObject } from "@sinclair/typebox";
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

export const channelTypes: Record<string, TObject> = {
  slack: SlackChannel,
  teams: TeamsChannel,
  webhook: WebhookChannel,
  email: EmailChannel,
};
