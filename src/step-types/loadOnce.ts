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
