/**
 * Microsoft Teams incoming webhooks (and Workflows' "when a webhook request is received"): a
 * message with one Adaptive Card holding the headline, facts, error and command.
 */
import type { AlertMessage, ChannelSender } from "./channelSender.js";
import type { TeamsChannelFields } from "../schema/channelTypes.js";
import { postJson } from "./postJson.js";

export function teamsPayload({ alert, content }: AlertMessage): Record<string, unknown> {
  const body: unknown[] = [
    {
      type: "TextBlock",
      text: content.title,
      weight: "Bolder",
      size: "Medium",
      wrap: true,
      ...(alert.kind === "notify" ? {} : { color: alert.kind === "on_long_run" ? "Warning" : "Attention" }),
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
