import { describe, expect, it } from "vitest";
import { SecretMasker } from "../../src/secrets/secretMasker.js";

describe("SecretMasker", () => {
  it("masks a secret as written, URL-encoded and JSON-escaped", () => {
    const masker = new SecretMasker();
    masker.add('p@ss w"rd');
    expect(masker.mask('login p@ss w"rd')).toBe("login ***");
    expect(masker.mask("https://u:p%40ss%20w%22rd@host/")).toBe("https://u:***@host/");
    expect(masker.mask(JSON.stringify({ password: 'p@ss w"rd' }))).toBe('{"password":"***"}');
    expect(masker.mask(JSON.stringify(JSON.stringify({ password: 'p@ss w"rd' })))).not.toContain("p@ss");
  });

  it("masks the longer of two overlapping secrets whole", () => {
    const masker = new SecretMasker();
    masker.add("abcd");
    masker.add("abcdefgh");
    expect(masker.mask("x abcdefgh y abcd")).toBe("x *** y ***");
  });

  it("leaves values too short to tell from ordinary text", () => {
    const masker = new SecretMasker();
    masker.add("443");
    expect(masker.mask("port 443")).toBe("port 443");
  });

  it("masks inside nested values", () => {
    const masker = new SecretMasker();
    masker.add("s3cr3t-value");
    expect(masker.maskValue({ a: ["x s3cr3t-value"], b: { c: "s3cr3t-value" } })).toEqual({ a: ["x ***"], b: { c: "***" } });
  });

  it("masks a secret too long for a regular expression", () => {
    const masker = new SecretMasker();
    const long = `${"ab'\\$(".repeat(40_000)}end`;
    masker.add(long);
    expect(masker.mask(`before ${long} after`)).toBe("before *** after");
  });
});
