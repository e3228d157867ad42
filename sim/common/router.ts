/**
 * A tiny path router for the simulators. Patterns are literal segments or `:name` captures;
 * matching walks the routes in insertion order, which keeps it predictable and fast enough for a
 * few dozen routes (no regex compilation per request).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteMatch<H> {
  handler: H;
  /** Name used in request counters and the request log, e.g. `query` or `contacts.batchRead`. */
  endpoint: string;
  params: Record<string, string>;
  /** Public routes skip the simulator's authentication hook (e.g. the OAuth token endpoint). */
  isPublic: boolean;
}

interface Route<H> {
  method: HttpMethod;
  segments: string[];
  endpoint: string;
  handler: H;
  isPublic: boolean;
}

export interface RouteOptions {
  isPublic?: boolean;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: HttpMethod, pattern: string, endpoint: string, handler: H, options: RouteOptions = {}): this {
    this.routes.push({ method, segments: splitPath(pattern), endpoint, handler, isPublic: options.isPublic ?? false });
    return this;
  }

  /** Returns the match, `'method'` when the path exists under another method, or null. */
  match(method: string, path: string): RouteMatch<H> | 'method' | null {
    const parts = splitPath(path);
    let pathKnown = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== method) {
        pathKnown = true;
        continue;
      }
      return { handler: route.handler, endpoint: route.endpoint, params, isPublic: route.isPublic };
    }
    return pathKnown ? 'method' : null;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  let params: Record<string, string> | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.charCodeAt(0) === 58 /* ':' */) {
      params ??= {};
      try {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
    } else if (p !== parts[i]) {
      return null;
    }
  }
  return params ?? {};
}
