/**
 * Every value that came from `${env:…}` is a secret (DESIGN 2): it is replaced by `***` in
 * terminal output, run logs, alerts and error messages, also where it appears URL-encoded or
 * JSON-escaped (in a URL, in a serialised event).
 */

/** Shorter values cannot be told from ordinary text (a port, a flag); they are not masked. */
export const MIN_SECRET_LENGTH = 4;
export const MASK = "***";

export class SecretMasker {
  readonly #forms = new Set<string>();
  #longestFirst: string[] | undefined;

  /** Adds a secret (ignored when shorter than MIN_SECRET_LENGTH). */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1)];
    let added = false;
    for (const form of forms) {
      if (form.length >= MIN_SECRET_LENGTH && !this.#forms.has(form)) {
        this.#forms.add(form);
        added = true;
      }
    }
    if (added) this.#longestFirst = undefined;
  }

  get size(): number {
    return this.#forms.size;
  }

  mask(text: string): string {
    if (this.#forms.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    // Longest first, so a secret that contains another is masked whole. Plain text search, not
    // one alternation: a regular expression of a very long secret is too large to compile.
    this.#longestFirst ??= [...this.#forms].sort((a, b) => b.length - a.length);
    let masked = text;
    for (const form of this.#longestFirst) if (masked.includes(form)) masked = masked.replaceAll(form, MASK);
    return masked;
  }

  /** Masks every string inside a JSON-like value. */
  maskValue<T>(value: T): T {
    if (this.#forms.size === 0) return value;
    return JSON.parse(this.mask(JSON.stringify(value) ?? "null")) as T;
  }
}
