/** Reading an HTTP response body with a size cap, and turning it into a step output value. */
import type { Readable } from "node:stream";

/** What a step output keeps of a response body. */
export const BODY_OUTPUT_LIMIT = 64 * 1024;

/**
 * Past the cap, up to this much more is read and thrown away so that the connection can serve
 * the next request; a bigger body closes the connection instead of being downloaded for nothing.
 */
const DRAIN_LIMIT = 1024 * 1024;

export interface CappedBody {
  bytes: Buffer;
  /** The body was longer than the cap. */
  truncated: boolean;
}

/** Reads at most `limit` bytes of `body`, then drains or destroys the rest. */
export async function readCappedBody(body: Readable, limit: number = BODY_OUTPUT_LIMIT): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let discarded = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (kept < limit) {
      const part = chunk.length > limit - kept ? chunk.subarray(0, limit - kept) : chunk;
      chunks.push(part);
      kept += part.length;
      discarded += chunk.length - part.length;
    } else {
      discarded += chunk.length;
    }
    // Leaving the loop destroys the stream, and undici closes the socket with it.
    if (discarded > DRAIN_LIMIT) break;
  }
  return { bytes: Buffer.concat(chunks, kept), truncated: discarded > 0 };
}

/** UTF-8 text of `bytes`; when they were `cut` from a longer body, a character cut in two at the end is dropped. */
function decodeText(bytes: Uint8Array, cut: boolean): string {
  return new TextDecoder("utf-8").decode(bytes, { stream: cut });
}

const JSON_CONTENT_TYPE = /^[^;]*[/+]json\s*(?:;|$)/i;

/** Parsed JSON when the response says it is JSON and all of it was read, else text. */
export function bodyOutput(body: CappedBody, contentType: string | string[] | undefined): unknown {
  const text = decodeText(body.bytes, body.truncated);
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (body.truncated || text.trim() === "" || type === undefined || !JSON_CONTENT_TYPE.test(type)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A server that labels non-JSON as JSON: the text is still worth keeping.
    return text;
  }
}

/** The start of a body for an error message: one line, at most `limit` bytes. */
export function bodyExcerpt(body: CappedBody, limit: number): string {
  const cut = body.truncated || body.bytes.length > limit;
  const text = decodeText(body.bytes.subarray(0, limit), cut).replace(/\s+/g, " ").trim();
  return cut && text !== "" ? `${text} …` : text;
}
