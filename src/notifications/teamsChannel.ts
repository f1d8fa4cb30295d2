/**
 * Microsoft Teams incoming webhooks (and Workflows' "when a webhook request is received"): a
 * message with one Adaptive Card holding the headline, facts, error and command.
 */
import type { AlertMessage, ChannelSender } from "./channelSender.js";
import type { TeamsChannelFields } from "../schema/channelTypes.js";
import { postJson } from "./postJson.js";

/** Adaptive Card colours of the headline; a plugin's notification keeps the default. */
const TITLE_COLOR = { on_failure: "Attention", abandoned: "Attention", on_long_run: "Warning", on_success: "Good" } as const;

export function teamsPayload({ alert, content }: AlertMessage): Record<string, unknown> {
  const body: unknown[] = [
    {
      type: "TextBlock",
      text: content.title,
      weight: "Bolder",
      size: "Medium",
      wrap: true,
      ...(alert.kind === "notify" ? {} : { color: TITLE_COLOR[alert.kind] }),
    },
    { type: "FactSet", facts: content.facts.map((fact) => ({ title: fact.name, value: fact.value })) },
  ];
  if (content.detail)
    body.push({ type: "TextBlock", text: content.detail.text, wrap: true, ...(content.detail.kind === "error" ? { fontType: "Monospace" } : {}) });
  body.push({ type: "TextBlock", text: content.command, fontType: "Monospace", isSubtle: true, wrap: true });
  return {
    type: "message",
    summary: content.summary,
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", msteams: { width: "Full" }, body },
      },
    ],
  };
}

export const teamsSender: ChannelSender = {
  send: (fields, message, context) => postJson((fields as TeamsChannelFields).url, teamsPayload(message), context.signal),
};
