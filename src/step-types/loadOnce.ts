/**
 * A module loaded on its first use only, and once: a step type's run module (so `validate` and
 * start-up never pay for drivers and clients) or a plugin bundle. A daemon starting a thousand
 * steps imports each once instead of asking the module loader a thousand times.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      // A module that failed to load is tried again next time.
      loading.catch(() => (loading = undefined));
    }
    return loading;
  };
}

/**
 * A step type's `run` whose module is imported on the first call only, so that `validate` and
 * start-up never load a type's drivers and clients:
 * `run: lazyRun(async () => (await import("./runShellStep.js")).runShellStep)`.
 */
export function lazyRun<Args extends unknown[], Result>(load: () => Promise<(...args: Args) => Promise<Result>>): (...args: Args) => Promise<Result> {
  const loaded = loadOnce(load);
  return async (...args) => (await loaded())(...args);
}
