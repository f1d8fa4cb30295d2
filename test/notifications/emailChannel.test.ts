/**
 * The email channel against a real SMTP server on 127.0.0.1 (smtp-server): STARTTLS and implicit
 * TLS with a self-signed certificate the test trusts explicitly, AUTH from the URL, the message's
 * envelope, subject and body, and what happens when TLS or the login cannot be had.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Notifier, type NotifierOptions } from "../../src/notifications/notifier.js";
import { failureAlert } from "../../src/notifications/runAlert.js";
import { SecretMasker } from "../../src/secrets/secretMasker.js";
import { selfSignedCertificate, startSmtpReceiver, type Certificate, type SmtpReceiver, type SmtpReceiverOptions } from "./smtpReceiver.js";

let certificate: Certificate;
beforeAll(async () => {
  certificate = await selfSignedCertificate();
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function smtp(options: Omit<SmtpReceiverOptions, "certificate">): Promise<SmtpReceiver> {
  const server = await startSmtpReceiver({ certificate, ...options });
  cleanups.push(() => server.close());
  return server;
}

const CREDENTIALS = { user: "alerts@example.com", password: "p@ss w0rd:/secret" };
/** The URL form of CREDENTIALS: user and password percent-encoded. */
const USERINFO = `${encodeURIComponent(CREDENTIALS.user)}:${encodeURIComponent(CREDENTIALS.password)}`;

function mailer(smtpUrl: string, options: Partial<NotifierOptions> = {}) {
  return new Notifier({
    channels: new Map([
      [
        "mail",
        {
          name: "mail",
          type: "email",
          fields: { type: "email", smtp_url: "${env:SMTP_URL}", from: "nomaflow@example.com", to: ["oncall@example.com", "dba@example.com"] },
        },
      ],
    ]),
    environment: { values: { SMTP_URL: smtpUrl }, file: ".env", fileFound: false },
    sleep: async () => {},
    timeoutMs: 5000,
    trustedCertificates: [certificate.cert],
    ...options,
  });
}

const RUN = { jobId: "nightly", runId: "20261128T010000000Z-k3f9qa", host: "db-1", startedAt: Date.parse("2026-11-28T01:00:00.000Z") };
const FAILURE = failureAlert(RUN, {
  failedStep: "copy",
  error: 'relation "reporting.customers" does not exist\nHINT: create it',
  endedAt: RUN.startedAt + 64_000,
});

describe("email", () => {
  it("sends over STARTTLS with AUTH from the URL: envelope, subject and body", async () => {
    const server = await smtp({ implicitTls: false, credentials: CREDENTIALS });
    const deliveries = await mailer(`smtp://${USERINFO}@127.0.0.1:${server.port}`).send(FAILURE, ["mail"]);
    expect(deliveries).toEqual([{ channel: "mail", channelType: "email", ok: true, attempts: 1, error: null }]);
    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail).toMatchObject({ from: "nomaflow@example.com", to: ["oncall@example.com", "dba@example.com"], user: CREDENTIALS.user, secure: true });
    expect(mail!.subject).toBe("nomaflow: nightly failed at step copy");
    expect(mail!.headers).toMatchObject({
      from: "nomaflow@example.com",
      to: "oncall@example.com, dba@example.com",
      "x-nomaflow-job": "nightly",
      "x-nomaflow-run": RUN.runId,
    });
    expect(mail!.headers["x-nomaflow-alert-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(mail!.text).toBe(
      [
        `❌ nightly failed at step copy: relation "reporting.customers" does not exist — run ${RUN.runId}, 1 min 04 s, db-1; \`nomaflow show ${RUN.runId}\``,
        "",
        "Job:          nightly",
        `Run:          ${RUN.runId}`,
        "Status:       failed",
        "Failed step:  copy",
        "Duration:     1 min 04 s",
        "Host:         db-1",
        "Started:      2026-11-28T01:00:00.000Z",
        "Ended:        2026-11-28T01:01:04.000Z",
        "",
        "Error:",
        '  relation "reporting.customers" does not exist',
        "  HINT: create it",
        "",
        `See the run: nomaflow show ${RUN.runId}`,
        "",
      ].join("\n"),
    );
  });

  it("speaks TLS from the first byte with smtps://", async () => {
    const server = await smtp({ implicitTls: true, credentials: CREDENTIALS });
    expect(await mailer(`smtps://${USERINFO}@127.0.0.1:${server.port}`).send(FAILURE, ["mail"])).toMatchObject([{ ok: true }]);
    expect(server.mails).toMatchObject([{ secure: true, user: CREDENTIALS.user, subject: "nomaflow: nightly failed at step copy" }]);
  });

  it("sends without AUTH when the URL has no user, still upgrading to TLS when offered", async () => {
    const server = await smtp({ implicitTls: false });
    expect(await mailer(`smtp://127.0.0.1:${server.port}`).send(FAILURE, ["mail"])).toMatchObject([{ ok: true }]);
    expect(server.mails).toMatchObject([{ secure: true, user: undefined }]);
  });

  it("verifies the server's certificate unless it is explicitly trusted", async () => {
    const server = await smtp({ implicitTls: true, credentials: CREDENTIALS });
    const [delivery] = await mailer(`smtps://${USERINFO}@127.0.0.1:${server.port}`, { trustedCertificates: [] }).send(FAILURE, ["mail"]);
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery!.error).toMatch(/^SMTP 127\.0\.0\.1:\d+: self-signed certificate/);
    expect(server.mails).toHaveLength(0);
  });

  it("never sends the password in clear: a server without STARTTLS is refused", async () => {
    const server = await smtp({ implicitTls: false, credentials: CREDENTIALS, noStartTls: true });
    const [delivery] = await mailer(`smtp://${USERINFO}@127.0.0.1:${server.port}`).send(FAILURE, ["mail"]);
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery!.error).toMatch(/^SMTP 127\.0\.0\.1:\d+: Error upgrading connection with STARTTLS/);
    expect(server.failedLogins).toEqual([]);
    expect(server.mails).toHaveLength(0);
  });

  it("does not retry a refused login, and masks the password wherever it could show", async () => {
    const server = await smtp({ implicitTls: false, credentials: CREDENTIALS });
    const wrong = "wrong-password-123";
    const masker = new SecretMasker();
    const [delivery] = await mailer(`smtp://${encodeURIComponent(CREDENTIALS.user)}:${wrong}@127.0.0.1:${server.port}`).send(
      failureAlert(RUN, { failedStep: "copy", error: `tried ${wrong}`, endedAt: RUN.startedAt + 1 }),
      ["mail"],
      { masker },
    );
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery!.error).toMatch(/^SMTP 127\.0\.0\.1:\d+: Invalid login/);
    expect(delivery!.error).not.toContain(wrong);
    expect(server.failedLogins).toEqual([CREDENTIALS.user]);
    expect(masker.mask(`tried ${wrong}`)).toBe("tried ***");
  });

  it("rejects an smtp_url that is not smtp:// or smtps:// without trying", async () => {
    const [delivery] = await mailer("http://mail.example.com").send(FAILURE, ["mail"]);
    expect(delivery).toMatchObject({ ok: false, attempts: 1, error: "smtp_url must start with smtp:// (STARTTLS) or smtps:// (TLS), not http://" });
  });
});
