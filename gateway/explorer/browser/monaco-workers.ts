/**
 * GraphiQL 5 edits with Monaco, which runs its language services in web workers. The workers are
 * bundled by scripts/build-ui.ts next to the page and loaded from our own origin (no CDN, no blob:).
 */
const WORKERS: Record<string, string> = {
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};

export function setupMonacoWorkers(
  base = new URL(
    './',
    document.querySelector<HTMLScriptElement>('script[data-dialplane-ui]')?.src ?? window.location.href,
  ),
): void {
  (globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
    getWorker(_workerId: string, label: string) {
      return new Worker(new URL(WORKERS[label] ?? 'editor.worker.js', base));
    },
  };
}
