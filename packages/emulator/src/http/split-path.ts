/** A request URL split into the emulator's own path and its query string. */
export interface SplitPath {
  /** The path from `/v1/` or `/_emulator/` on, or the whole path when neither appears. */
  path: string;
  /** Everything before `path` (a `serverURL` prefix such as `/prefix`). */
  prefix: string;
  query: string;
}

/**
 * Finds the API path inside a request URL, so that the emulator serves under any prefix
 * (`http://host:port/prefix/v1/...`, as the SDK builds it from `serverURL`).
 */
export function splitPath(url: string): SplitPath {
  const q = url.indexOf('?');
  const full = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (full.startsWith('/v1/') || full.startsWith('/_emulator/'))
    return { path: full, prefix: '', query };
  let at = full.indexOf('/v1/');
  const control = full.indexOf('/_emulator/');
  if (at < 0 || (control >= 0 && control < at)) at = control;
  if (at < 0) {
    if (full.endsWith('/v1')) at = full.length - 3;
    else return { path: full, prefix: '', query };
  }
  return { path: full.slice(at), prefix: full.slice(0, at), query };
}
