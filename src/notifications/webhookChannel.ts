/**
 * A generic webhook: one self-describing JSON document per alert (`schema` and `version` say
 * what it is), with the channel's own `headers` (an Authorization header, typically from the env).
 */
import { MAX_DETAIL, truncate } from "./alertText.js";
import { Type } from "@sinclair/typebox";
import { StringMap } from "../schema/common.js";
import { defineChannelType, WebhookUrl, type AlertMessage } from "./channelType.js";
import { postJson } from "./postJson.js";

export const WEBHOOK_SCHEMA = "nomaflow.alert";
/** Raised only when a field changes meaning or goes away; new fields may appear in any version. */
export const WEBHOOK_VERSION = 1;

export function webhookPayload({ id, alert, content }: AlertMessage): Record<string, unknown> {
  return {
    schema: WEBHOOK_SCHEMA,
    version: WEBHOOK_VERSION,
    id,
    kind: alert.kind,
    summary: content.summary,
    job_id: alert.jobId,
    run_id: alert.runId,
    status: alert.status,
    failed_step: alert.failedStep,
    error: alert.error === null ? null : truncate(alert.error, MAX_DETAIL),
    step: alert.step,
    text: alert.text === null ? null : truncate(alert.text, MAX_DETAIL),
    duration_ms: alert.durationMs,
    long_run_minutes: alert.longRunMinutes,
    host: alert.host,
    started_at: alert.startedAt,
    ended_at: alert.endedAt,
    show_command: content.command,
  };
}

export const webhookChannel = defineChannelType({
  name: "webhook",
  properties: { url: WebhookUrl, headers: Type.Optional(StringMap({ description: "Extra request headers." })) },
  send: (fields, message, context) => postJson(fields.url, webhookPayload(message), context.signal, fields.headers ?? {}),
});
