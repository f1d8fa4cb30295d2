/**
 * One POST of a JSON payload to a webhook, as the slack, teams and webhook channels send it.
 * Errors name the receiver by its origin only: webhook paths often hold the token.
 */
import type { Dispatcher } from "undici";
import { loadOnce } from "../step-types/loadOnce.js";
import { VERSION } from "../version.js";
import { ChannelError, isCertificateError } from "./channelError.js";

const webhookClient = loadOnce(() => import("./webhookClient.js"));

/** How much of an error response is quoted. */
const EXCERPT_BYTES = 300;

/** The scheme, host and port of a URL, for messages. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the url";
  }
}

/**
 * POSTs `payload` as JSON; resolves on a 2xx answer.
 * @throws ChannelError: retryable for network errors, 408, 429 and 5xx; not for other answers.
 */
export async function postJson(url: string, payload: unknown, signal: AbortSignal, headers: Record<string, string> = {}): Promise<void> {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (error) {
    throw new ChannelError("url is not a valid URL", { retryable: false, cause: error });
  }
  if (protocol !== "http:" && protocol !== "https:") throw new ChannelError(`url must start with http:// or https://, not ${protocol}//`, { retryable: false });
  const origin = originOf(url);

  const { agent, request, STATUS_CODES } = await webhookClient();
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher: agent,
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": `nomaflow/${VERSION}`, ...headers },
      body: JSON.stringify(payload),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new ChannelError(`POST to ${origin} failed: ${networkError(error)}`, { retryable: !isCertificateError(error), cause: error });
  }
  const excerpt = await readExcerpt(response.body);
  const status = response.statusCode;
  if (status >= 200 && status < 300) return;
  const reason = STATUS_CODES[status] ?? "";
  throw new ChannelError(`${origin} answered HTTP ${status}${reason ? ` ${reason}` : ""}${excerpt ? `: ${excerpt}` : ""}`, {
    retryable: status === 408 || status === 429 || status >= 500,
  });
}

/** The start of a response body on one line; the rest is read and dropped so the socket can be reused. */
async function readExcerpt(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < EXCERPT_BYTES) chunks.push(chunk);
      size += chunk.length;
      if (size > 64 * 1024) break;
    }
  } catch {
    // The status is what matters; a body cut short is quoted as far as it came.
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8").replace(/\s+/g, " ").trim();
  return size > EXCERPT_BYTES ? `${text}…` : text;
}

/** `connect ECONNREFUSED 127.0.0.1:9`, with the code of the underlying cause when there is one. */
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const message = cause && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
