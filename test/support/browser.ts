/**
 * A real headless Chromium for the console's end-to-end tests: playwright-core driving Debian's
 * `chromium` (`.ci/run` installs it), never a browser downloaded by a test tool. Every tab reports
 * its console errors and warnings, uncaught exceptions and failed requests; a test fails on any of
 * them, unless it said beforehand that it expects that one (`expectProblem`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { REPO_ROOT } from "./tempProject.js";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * The machine's network is closed: without the background-networking flags Chromium keeps trying
 * Google's hosts at start-up and logs each refusal. Tests run as root in CI, hence no sandbox.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** The size of every tab, and of the README's screenshots. */
export const VIEWPORT = { width: 1400, height: 900 };

/** `NOMAFLOW_SCREENSHOTS=1` writes them where the README links them; else to a temporary folder. */
export const SCREENSHOTS_DIR =
  process.env.NOMAFLOW_SCREENSHOTS === "1" ? join(REPO_ROOT, "test", "console", "screenshots") : mkdtempSync(join(tmpdir(), "nomaflow-screenshots-"));

export interface BrowserProblem {
  kind: "console error" | "console warning" | "page error" | "request failed";
  text: string;
  /** The page's URL, or the failed request's. */
  url: string;
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab (1400×900) that reports its problems, at `url` when given. */
  open(url?: string): Promise<Page>;
  /** A problem the current test causes on purpose (a 403 it asks for); allowed until the test ends. */
  expectProblem(pattern: RegExp): void;
  /** Problems seen so far in the current test that no `expectProblem` allowed. */
  unexpectedProblems(): BrowserProblem[];
  /** Saves a PNG of `page` as `NAME.png` (see SCREENSHOTS_DIR); returns its path. */
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<string>;
}

function describeProblem(problem: BrowserProblem): string {
  return `${problem.kind}: ${problem.text} (${problem.url})`;
}

/**
 * Call in a suite's body: launches Chromium before the suite (a fresh profile in a temporary
 * folder), fails each test that caused an unexpected browser problem, and closes everything after
 * the suite. The returned function gives the browser inside tests and hooks.
 */
export function useBrowser(): () => TestBrowser {
  let browser: TestBrowser | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let problems: BrowserProblem[] = [];
  let allowed: RegExp[] = [];
  let closing = false;

  const watch = (page: Page) => {
    const note = (problem: BrowserProblem) => {
      if (!closing) problems.push(problem);
    };
    page.on("console", (message) => {
      const type = message.type();
      if (type === "error" || type === "warning") note({ kind: type === "error" ? "console error" : "console warning", text: message.text(), url: page.url() });
    });
    page.on("pageerror", (error) => note({ kind: "page error", text: error.stack ?? error.message, url: page.url() }));
    page.on("requestfailed", (request) => {
      const reason = request.failure()?.errorText ?? "failed";
      // The page cancelled it itself: a run's live stream closed on leaving the run page, a
      // preview superseded by the next keystroke. A request that went wrong fails otherwise.
      if (reason !== "net::ERR_ABORTED") note({ kind: "request failed", text: `${request.method()} ${reason}`, url: request.url() });
    });
  };

  const unexpectedProblems = () => problems.filter((problem) => !allowed.some((pattern) => pattern.test(describeProblem(problem))));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`the console's browser tests need Debian's chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it)`);
    profile = mkdtempSync(join(tmpdir(), "nomaflow-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: VIEWPORT });
    context.on("page", watch);
    // A persistent context opens with one blank tab of its own.
    for (const page of context.pages()) watch(page);
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    const opened = context;
    browser = {
      context: opened,
      open: async (url) => {
        const page = await opened.newPage();
        if (url !== undefined) await page.goto(url);
        return page;
      },
      expectProblem: (pattern) => {
        allowed.push(pattern);
      },
      unexpectedProblems,
      screenshot: async (page, name, options = {}) => {
        const path = join(SCREENSHOTS_DIR, `${name}.png`);
        const png = await page.screenshot({ fullPage: options.fullPage ?? false, type: "png" });
        writeFileSync(path, png);
        return path;
      },
    };
  }, 60_000);

  afterEach(() => {
    const unexpected = unexpectedProblems();
    problems = [];
    allowed = [];
    if (unexpected.length > 0) throw new Error(`the browser reported ${unexpected.length} problem(s):\n${unexpected.map(describeProblem).join("\n")}`);
  });

  afterAll(async () => {
    closing = true;
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  return () => {
    if (!browser) throw new Error("the browser is not launched yet: call useBrowser() in the suite's body and use it in tests or hooks");
    return browser;
  };
}
