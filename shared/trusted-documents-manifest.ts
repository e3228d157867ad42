import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The trusted-documents manifest `npm run codegen` writes: `{ "sha256:<hex>": "<document>" }` for
 * every operation our clients send (the client preset's persisted-documents format). The gateway
 * enforces it; clients of the gateway (the platforms service, the benches) send its ids.
 */

/** Where codegen writes it, relative to the repository root (the services' working directory). */
export const TRUSTED_DOCUMENTS_MANIFEST = 'examples/generated/trusted/persisted-documents.json';

export const Manifest = z.record(z.string().regex(/^sha256:[0-9a-f]{64}$/), z.string().min(1));

export function loadManifest(path: string): Record<string, string> {
  return Manifest.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The name of a document's first operation (`query Name(…`), if it has one. */
export function operationName(text: string): string | undefined {
  return /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(text)?.[1];
}

/** Operation name → manifest id (`sha256:<hex>`). */
export function idsByOperationName(manifest: Readonly<Record<string, string>>): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    const name = operationName(text);
    if (name) ids.set(name, id);
  }
  return ids;
}
