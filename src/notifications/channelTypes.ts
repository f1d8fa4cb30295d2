/**
 * Notification channel kinds and the fields each needs in nomaflow.yaml. Sending lives beside
 * this once alerts are delivered; here is what a channel must look like.
 */
import { Type, type TObject } from "@sinclair/typebox";
import { StringMap } from "../schema/common.js";

const WebhookUrl = Type.String({ minLength: 1, description: "Webhook URL; keep it in the env file: ${env:NAME}." });

export const channelTypes: Record<string, TObject> = {
  slack: Type.Object({ type: Type.Literal("slack"), url: WebhookUrl }, { additionalProperties: false }),
  teams: Type.Object({ type: Type.Literal("teams"), url: WebhookUrl }, { additionalProperties: false }),
  webhook: Type.Object(
    { type: Type.Literal("webhook"), url: WebhookUrl, headers: Type.Optional(StringMap({ description: "Extra request headers." })) },
    { additionalProperties: false },
  ),
  email: Type.Object(
    {
      type: Type.Literal("email"),
      smtp_url: Type.String({ minLength: 1, description: "smtp://user:pass@host:587 (STARTTLS) or smtps://…:465." }),
      from: Type.String({ minLength: 1 }),
      to: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
};
