import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError } from './config.js';

/**
 * Optional TLS of every listener (docs/operations.md#tls). With TLS_CERT_FILE and TLS_KEY_FILE set,
 * every HTTP server of the process (gateway with graphql-ws, subgraphs, the platforms service)
 * serves HTTPS/WSS with that certificate; with neither, plain HTTP. The files are read and checked
 * once at start-up, so a wrong path, an unreadable file, a key that does not belong to the
 * certificate or an expired certificate stops the service with a message naming the variable
 * instead of failing the first client handshake.
 */

export interface ServerTls {
  /** PEM certificate chain (leaf first). */
  cert: string;
  /** PEM private key of the leaf. */
  key: string;
}

export function loadServerTls(
  env: { TLS_CERT_FILE?: string; TLS_KEY_FILE?: string },
  now: () => Date = () => new Date(),
): ServerTls | undefined {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    const missing = certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE';
    const given = certFile ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    throw new ConfigError([`${missing}: required with ${given} (set both for TLS, or neither for plain HTTP)`]);
  }
  const issues: string[] = [];
  const read = (name: string, file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      issues.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  };
  const cert = read('TLS_CERT_FILE', certFile);
  const key = read('TLS_KEY_FILE', keyFile);
  if (!cert || !key) throw new ConfigError(issues);

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError([`TLS_CERT_FILE: ${certFile} holds no PEM certificate`]);
  }
  if (Date.parse(leaf.validTo) < now().getTime())
    throw new ConfigError([
      `TLS_CERT_FILE: the certificate in ${certFile} expired on ${new Date(leaf.validTo).toISOString()}`,
    ]);
  try {
    // The same check the server makes on its first handshake: a readable key that belongs to the certificate.
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([`TLS_KEY_FILE: ${keyFile} is not the private key of ${certFile} (${reason})`]);
  }
  return { cert, key };
}
