/**
 * Email through an SMTP server named by one URL: `smtp://user:pass@host:587` upgrades with
 * STARTTLS (required when the URL carries a password, so it never crosses the network in clear),
 * `smtps://user:pass@host:465` speaks TLS from the start. Certificates are always verified.
 * nodemailer is loaded only when a mail is sent.
 */
import type { SMTPTransportOptions } from "nodemailer/lib/smtp-transport";
import { ChannelError, isCertificateError } from "./channelError.js";
import type { AlertMessage, ChannelSender, SendContext } from "./channelSender.js";
import type { EmailChannelFields } from "../schema/channelTypes.js";

export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

interface SmtpServer {
  host: string;
  port: number;
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
}

/** @throws ChannelError (not retryable) when the URL is not smtp:// or smtps:// with a host. */
export function parseSmtpUrl(smtpUrl: string): SmtpServer {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch (error) {
    throw new ChannelError("smtp_url is not a valid URL (smtp://user:pass@host:587 or smtps://user:pass@host:465)", { retryable: false, cause: error });
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new ChannelError(`smtp_url must start with smtp:// (STARTTLS) or smtps:// (TLS), not ${url.protocol}//`, { retryable: false });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new ChannelError("smtp_url has no host", { retryable: false });
  const secure = url.protocol === "smtps:";
  return {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** The password as it goes over the wire (decoded), to be masked like the URL it came in. */
export function smtpPassword(smtpUrl: string): string | undefined {
  try {
    return parseSmtpUrl(smtpUrl).password;
  } catch {
    return undefined;
  }
}

export function emailMessage(fields: EmailChannelFields, { id, alert, content }: AlertMessage): EmailMessage {
  const width = Math.max(...content.facts.map((fact) => fact.name.length)) + 3;
  const lines = [content.summary, "", ...content.facts.map((fact) => `${`${fact.name}:`.padEnd(width)}${fact.value}`)];
  if (content.detail) {
    lines.push("", content.detail.kind === "error" ? "Error:" : "Message:", ...content.detail.text.split("\n").map((line) => `  ${line}`));
  }
  lines.push("", `See the run: ${content.command}`, "");
  return {
    from: fields.from,
    to: fields.to,
    subject: content.subject,
    text: lines.join("\n"),
    headers: { "X-Nomaflow-Alert-Id": id, "X-Nomaflow-Job": alert.jobId, "X-Nomaflow-Run": alert.runId },
  };
}

/** `systemCertificates`: node:tls `rootCertificates`, needed only when extra certificates are trusted. */
export function smtpTransportOptions(
  server: SmtpServer,
  context: Pick<SendContext, "timeoutMs" | "trustedCertificates">,
  systemCertificates: readonly string[] = [],
): SMTPTransportOptions {
  return {
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.user === undefined ? {} : { auth: { user: server.user, pass: server.password ?? "" }, requireTLS: !server.secure }),
    connectionTimeout: context.timeoutMs,
    greetingTimeout: context.timeoutMs,
    socketTimeout: context.timeoutMs,
    // Extra certificates are trusted besides the system's, never instead of verification.
    ...(context.trustedCertificates.length === 0 ? {} : { tls: { ca: [...systemCertificates, ...context.trustedCertificates] } }),
  };
}

/** SMTP 5xx answers, refused logins, bad addresses and certificates are permanent: another try cannot help. */
function smtpError(error: unknown, server: SmtpServer): ChannelError {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const permanent =
    code === "EAUTH" || code === "EENVELOPE" || code === "EMESSAGE" || (responseCode !== undefined && responseCode >= 500) || isCertificateError(error);
  return new ChannelError(`SMTP ${server.host}:${server.port}: ${message ?? String(error)}`, { retryable: !permanent, cause: error });
}

export const emailSender: ChannelSender = {
  async send(fields, message, context) {
    const email = fields as EmailChannelFields;
    const server = parseSmtpUrl(email.smtp_url);
    const { createTransport } = await import("nodemailer");
    const systemCertificates = context.trustedCertificates.length === 0 ? [] : (await import("node:tls")).rootCertificates;
    const transport = createTransport(smtpTransportOptions(server, context, systemCertificates));
    // nodemailer takes no signal: an abort closes the transport, and the notifier stops waiting for it anyway.
    const onAbort = () => transport.close();
    context.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await transport.sendMail(emailMessage(email, message));
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      throw smtpError(error, server);
    } finally {
      context.signal.removeEventListener("abort", onAbort);
      transport.close();
    }
  },
};
