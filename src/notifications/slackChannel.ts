/**
 * Slack incoming webhooks: `{text, blocks}`. `text` is the whole alert on one line (what
 * notifications and old clients show); the blocks lay out the headline, facts, error and command.
 */
import type { AlertContent } from "./alertText.js";
import { defineChannelType, WebhookUrl, type AlertMessage } from "./channelType.js";
import { postJson } from "./postJson.js";

/** Slack refuses a section text over 3000 characters and more than 10 fields. */
const MAX_SECTION = 2900;
const MAX_FIELDS = 10;

/** Slack's mrkdwn treats &, < and > as markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function mrkdwn(text: string) {
  return { type: "mrkdwn", text };
}

function detailBlock(detail: NonNullable<AlertContent["detail"]>) {
  const room = MAX_SECTION - 6;
  const text = detail.text.length > room ? `${detail.text.slice(0, room - 1)}…` : detail.text;
  // A code block keeps a traceback's lines; three backticks inside it would end it early.
  const shown = detail.kind === "error" ? `\`\`\`${escapeMrkdwn(text).replace(/```/g, "ʼʼʼ")}\`\`\`` : escapeMrkdwn(text);
  return { type: "section", text: mrkdwn(shown) };
}

export function slackPayload({ content }: AlertMessage): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: "section", text: mrkdwn(`*${escapeMrkdwn(content.title)}*`) },
    { type: "section", fields: content.facts.slice(0, MAX_FIELDS).map((fact) => mrkdwn(`*${fact.name}*\n${escapeMrkdwn(fact.value)}`)) },
  ];
  if (content.detail) blocks.push(detailBlock(content.detail));
  blocks.push({ type: "context", elements: [mrkdwn(`\`${escapeMrkdwn(content.command)}\``)] });
  return { text: escapeMrkdwn(content.summary), blocks };
}

export const slackChannel = defineChannelType({
  name: "slack",
  properties: { url: WebhookUrl },
  send: (fields, message, context) => postJson(fields.url, slackPayload(message), context.signal),
});
