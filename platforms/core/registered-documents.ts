import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Operation name → id (`sha256:<hex>`) of the documents registered in the trusted-documents
 * manifest (`npm run codegen` writes it; the gateway enforces it for agent callers in production).
 * The platforms service sends these ids instead of texts, as a production client must. A missing
 * manifest yields no ids: texts are sent, which only a gateway that does not enforce accepts.
 */
const manifestShape = z.record(z.string().regex(/^sha256:[0-9a-f]{64}$/), z.string().min(1));

export function registeredDocumentIds(manifestPath: string): ReadonlyMap<string, string> {
  if (!existsSync(manifestPath)) return new Map();
  const manifest = manifestShape.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  const ids = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    const name = operationName(text);
    if (name) ids.set(name, id);
  }
  return ids;
}

/** The name of a document's first operation (`query Name(…`), if it has one. */
export function operationName(text: string): string | undefined {
  return /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(text)?.[1];
}
