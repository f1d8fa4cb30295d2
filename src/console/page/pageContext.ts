/**
 * What a page is given when its route is opened: the `<main>` to draw in, a signal that aborts when
 * the visitor goes elsewhere (its requests, timers and streams end with it), and `ready()` to mark
 * the page drawn (`data-ready`, which the browser tests wait for).
 */

export interface PageContext {
  main: HTMLElement;
  signal: AbortSignal;
  ready(): void;
  /** A repeating timer, stopped when the page is left. */
  every(ms: number, tick: () => void): void;
  /** A one-off timer, cancelled when the page is left. */
  after(ms: number, callback: () => void): void;
  /** Something to close when the page is left (an EventSource). */
  onLeave(close: () => void): void;
  /** The browser tab's title: `Jobs · my-project · Nomaflow`. */
  setTitle(title: string): void;
}

export type Page = (context: PageContext) => Promise<void> | void;

export function pageContext(main: HTMLElement, project: () => string | null): PageContext & { leave(): void } {
  const controller = new AbortController();
  const closers: (() => void)[] = [];
  const left = () => controller.signal.aborted;
  return {
    main,
    signal: controller.signal,
    ready() {
      if (!left()) main.dataset.ready = "true";
    },
    every(ms, tick) {
      if (left()) return;
      const timer = window.setInterval(() => {
        if (document.visibilityState !== "hidden") tick();
      }, ms);
      closers.push(() => window.clearInterval(timer));
    },
    after(ms, callback) {
      if (left()) return;
      const cancel = () => window.clearTimeout(timer);
      const timer = window.setTimeout(() => {
        closers.splice(closers.indexOf(cancel), 1);
        callback();
      }, ms);
      closers.push(cancel);
    },
    onLeave(close) {
      if (left()) close();
      else closers.push(close);
    },
    setTitle(title) {
      const name = project();
      document.title = [title, name, "Nomaflow"].filter(Boolean).join(" · ");
    },
    leave() {
      controller.abort();
      for (const close of closers.splice(0)) close();
    },
  };
}
