const REDACTED = '[REDACTED]';
/**
 * Registered secrets shorter than this are not matched: a short value (a test key such as
 * `chaos`) also occurs in ordinary data, and replacing it there would corrupt what is persisted.
 * Real API keys and webhook secrets are far longer.
 */
const MIN_SECRET_LENGTH = 12;

/** Secret values registered at run time (API keys, webhook secrets); matched literally. */
const registeredSecrets = new Set<string>();
/** The registered secrets, longest first; rebuilt when one is added. */
let sortedSecrets: string[] = [];

const SECRET_KEY_NAME =
  /^(api[-_]?key|authorization|proxy-authorization|x-api-key|secret|client[-_]?secret|webhook[-_]?secret|password|token|access[-_]?token|refresh[-_]?token)$/i;

/** One cheap test before the replacements: most strings hold neither pattern. */
const SECRET_HINT = /bearer|whsec_/i;

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/whsec_[A-Za-z0-9+/=_-]+/g, `whsec_${REDACTED}`],
];

/**
 * Registers a secret value (an API key, a webhook secret) so that `redact` removes it wherever it
 * appears. `createClient` registers its API key; the webhook signer registers its secrets.
 */
export function registerSecret(secret: string | undefined | null): void {
  if (
    typeof secret === 'string' &&
    secret.length >= MIN_SECRET_LENGTH &&
    !registeredSecrets.has(secret)
  ) {
    registeredSecrets.add(secret);
    sortedSecrets = [...registeredSecrets].sort((a, b) => b.length - a.length);
  }
}

export interface RedactOptions {
  /** More secret values to remove, besides the registered ones. */
  secrets?: readonly string[];
}

/** Removes secrets from a string: registered values, bearer tokens and `whsec_` secrets. */
export function redactString(text: string, options: RedactOptions = {}): string {
  let out = text;
  for (const secret of allSecrets(options)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!SECRET_HINT.test(out)) return out;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    out = out.replace(pattern, replacement);
  }
  return out;
}

/**
 * Returns `value` without secrets: strings are scrubbed, and properties whose names say they hold
 * a secret (`apiKey`, `authorization`, `secret`, `token`, `password`, ...) are replaced. The input
 * is never changed: parts with secrets are copied, parts without are shared. Use it on anything
 * that leaves the process: errors, logs, persisted snapshots.
 */
export function redact<T>(value: T, options: RedactOptions = {}): T {
  return redactValue(value, options, new WeakMap()) as T;
}

/**
 * For values about to be stored as JSON (snapshots, job state): removes registered secrets,
 * bearer tokens and `whsec_` secrets from the JSON text, and returns `value` itself when there is
 * none, which is the common case and costs one serialisation. Unlike `redact`, property names are
 * not judged: persisted state holds no credentials by construction, and a user's field that
 * happens to be named `token` is data that must come back unchanged on resume.
 */
export function redactForStorage<T>(value: T): T {
  const json = JSON.stringify(value);
  if (json === undefined) return value;
  const clean = redactString(json);
  return clean === json ? value : (JSON.parse(clean) as T);
}

/**
 * Copies only what changes: a subtree without secrets is returned as it is (the common case,
 * which then costs a walk and no allocation).
 */
function redactValue(
  value: unknown,
  options: RedactOptions,
  seen: WeakMap<object, unknown>,
): unknown {
  if (typeof value === 'string') return redactString(value, options);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Error) return redactError(value, options);
  if (Array.isArray(value)) {
    seen.set(value, value);
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = redactValue(item, options, seen);
      if (next !== item && !copy) {
        copy = value.slice(0, i);
        seen.set(value, copy);
      }
      copy?.push(next);
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  seen.set(value, value);
  let copy: Record<string, unknown> | undefined;
  const entries = Object.entries(value);
  for (let i = 0; i < entries.length; i++) {
    const [key, item] = entries[i]!;
    const next =
      SECRET_KEY_NAME.test(key) && item !== undefined && item !== null && item !== ''
        ? REDACTED
        : redactValue(item, options, seen);
    if (next !== item && !copy) {
      copy = Object.fromEntries(entries.slice(0, i));
      seen.set(value, copy);
    }
    if (copy) copy[key] = next;
  }
  return copy ?? value;
}

/**
 * Scrubs an error in place, with its `cause` chain: `message`, `stack`, and the string `body` that
 * SDK errors carry. Returns the same error.
 */
export function redactError<E extends Error>(error: E, options: RedactOptions = {}): E {
  const visited = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !visited.has(current)) {
    visited.add(current);
    overwrite(current, 'message', redactString(current.message, options));
    if (typeof current.stack === 'string')
      overwrite(current, 'stack', redactString(current.stack, options));
    const withBody = current as Error & { body?: unknown };
    if (typeof withBody.body === 'string')
      overwrite(current, 'body', redactString(withBody.body, options));
    current = current.cause;
  }
  return error;
}

function overwrite(target: object, key: string, value: string): void {
  try {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: key === 'body',
    });
  } catch {
    // A frozen error keeps its text; nothing better can be done without replacing it.
  }
}

function allSecrets(options: RedactOptions): readonly string[] {
  if (!options.secrets || options.secrets.length === 0) return sortedSecrets;
  const extra = options.secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  // Longest first, so that a secret containing another is removed whole.
  return [...sortedSecrets, ...extra].sort((a, b) => b.length - a.length);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
