/**
 * A step type's run module, loaded on its first use only: `validate` and start-up never pay for
 * drivers and clients, and a daemon starting a thousand steps imports the module once instead of
 * asking the module loader a thousand times.
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
