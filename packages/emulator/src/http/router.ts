/**
 * A small method + path router. Patterns are OpenAPI-style (`/v1/agents/{agent_id}`); a route's
 * `name` (`GET /v1/agents/{agent_id}`) is the key under which stats count its requests.
 */
export interface Route<T> {
  method: string;
  pattern: string;
  name: string;
  value: T;
}

export interface RouteMatch<T> {
  route: Route<T>;
  params: Record<string, string>;
}

interface CompiledRoute<T> {
  route: Route<T>;
  segments: string[];
}

export class Router<T> {
  private readonly exact = new Map<string, Route<T>>();
  private readonly dynamic: CompiledRoute<T>[] = [];
  private readonly paths = new Set<string>();

  add(method: string, pattern: string, value: T): this {
    const route: Route<T> = { method, pattern, name: `${method} ${pattern}`, value };
    this.paths.add(pattern);
    if (pattern.includes('{')) {
      this.dynamic.push({ route, segments: pattern.split('/') });
    } else {
      this.exact.set(route.name, route);
    }
    return this;
  }

  /** Finds the route for a method and path (already stripped of prefix and query). */
  match(method: string, path: string): RouteMatch<T> | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return { route: exact, params: {} };
    const segments = path.split('/');
    for (const candidate of this.dynamic) {
      if (candidate.route.method !== method || candidate.segments.length !== segments.length)
        continue;
      const params = matchSegments(candidate.segments, segments);
      if (params) return { route: candidate.route, params };
    }
    return undefined;
  }

  /** True when some route has this path with another method (for 405). */
  hasPath(path: string): boolean {
    if (this.paths.has(path)) return true;
    const segments = path.split('/');
    return this.dynamic.some(
      (c) =>
        c.segments.length === segments.length && matchSegments(c.segments, segments) !== undefined,
    );
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith('{') && p.endsWith('}')) {
      if (a === '') return undefined;
      try {
        params[p.slice(1, -1)] = decodeURIComponent(a);
      } catch {
        return undefined;
      }
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}
