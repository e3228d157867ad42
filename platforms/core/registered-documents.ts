import { existsSync } from 'node:fs';
import { idsByOperationName, loadManifest } from '../../shared/trusted-documents-manifest.js';

/**
 * Operation name → id of the documents registered in the trusted-documents manifest (the gateway
 * enforces it for agent callers in production). The platforms service sends these ids instead of
 * texts, as a production client must. A missing manifest yields no ids: texts are sent, which only
 * a gateway that does not enforce accepts.
 */
export function registeredDocumentIds(manifestPath: string): ReadonlyMap<string, string> {
  return existsSync(manifestPath) ? idsByOperationName(loadManifest(manifestPath)) : new Map();
}
