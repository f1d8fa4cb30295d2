/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package) for email tests: STARTTLS or implicit
 * TLS with a self-signed certificate, optional AUTH, and every accepted mail kept, decoded.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { SMTPServer } from "smtp-server";

export interface Certificate {
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for 127.0.0.1. node:crypto makes keys but cannot sign a certificate,
 * so openssl (present on this machine) does it.
 */
export async function selfSignedCertificate(): Promise<Certificate> {
  const folder = mkdtempSync(join(tmpdir(), "nomaflow-cert-"));
  try {
    const key = join(folder, "key.pem");
    const cert = join(folder, "cert.pem");
    await execa("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]);
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The SMTP user who sent it, when the session authenticated. */
  user: string | undefined;
  /** The session was encrypted (STARTTLS or implicit TLS) when the mail was sent. */
  secure: boolean;
  headers: Record<string, string>;
  subject: string;
  /** The text body, transfer encoding undone. */
  text: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  /** Failed logins, with the user name tried. */
  failedLogins: string[];
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  certificate: Certificate;
  /** true: TLS from the first byte (smtps); false: plain, with STARTTLS offered. */
  implicitTls: boolean;
  /** When set, AUTH is required with exactly these credentials. */
  credentials?: { user: string; password: string };
  /** No STARTTLS at all (a server that cannot encrypt). */
  noStartTls?: boolean;
}

export async function startSmtpReceiver(options: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const failedLogins: string[] = [];
  const { credentials } = options;
  const server = new SMTPServer({
    secure: options.implicitTls,
    disabledCommands: options.noStartTls ? ["STARTTLS"] : [],
    // Plain-text AUTH is allowed here so that the test proves the client refuses it, not the server.
    allowInsecureAuth: true,
    key: options.certificate.key,
    cert: options.certificate.cert,
    logger: false,
    authOptional: credentials === undefined,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.password) return callback(null, { user: auth.username });
      failedLogins.push(auth.username ?? "");
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const envelope = session.envelope;
        const from = envelope.mailFrom === false ? "" : envelope.mailFrom.address;
        mails.push({
          from,
          to: envelope.rcptTo.map((address) => address.address),
          user: typeof session.user === "string" ? session.user : undefined,
          secure: session.secure,
          ...parseMail(Buffer.concat(chunks).toString("utf8")),
        });
        callback();
      });
    },
  });
  // A client that hangs up during the TLS handshake (one refusing the certificate) is expected here.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    failedLogins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough of RFC 5322 and MIME for the single-part text mails the email channel sends. */
function parseMail(raw: string): Pick<ReceivedMail, "headers" | "subject" | "text"> {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(body, "base64")
      : encoding === "quoted-printable"
        ? Buffer.from(
            body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            "latin1",
          )
        : Buffer.from(body, "utf8");
  return { headers, subject: decodeWords(headers.subject ?? ""), text: bytes.toString("utf8").replace(/\r\n/g, "\n") };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`). */
function decodeWords(text: string): string {
  return text.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, kind: string, data: string) =>
    kind.toUpperCase() === "B"
      ? Buffer.from(data, "base64").toString("utf8")
      : Buffer.from(
          data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          "latin1",
        ).toString("utf8"),
  );
}
