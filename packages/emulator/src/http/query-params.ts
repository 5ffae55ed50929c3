import { ownValue } from './dictionary.js';
import { validationError, type HttpError } from './http-error.js';

/**
 * Reads an integer query parameter. A value that is not an integer, or out of bounds, gives the
 * FastAPI 422 (`int_parsing`, `greater_than_equal`, `less_than_equal`) unless `onError` builds
 * another error.
 */
export function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  bounds: { min?: number; max?: number } = {},
  onError: (error: HttpError) => HttpError = (e) => e,
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const loc = ['query', name];
  if (!/^-?\d+$/.test(raw.trim())) {
    throw onError(
      validationError([
        {
          type: 'int_parsing',
          loc,
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: raw,
        },
      ]),
    );
  }
  const value = Number(raw);
  if (bounds.min !== undefined && value < bounds.min) {
    throw onError(
      validationError([
        {
          type: 'greater_than_equal',
          loc,
          msg: `Input should be greater than or equal to ${bounds.min}`,
          input: raw,
        },
      ]),
    );
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw onError(
      validationError([
        {
          type: 'less_than_equal',
          loc,
          msg: `Input should be less than or equal to ${bounds.max}`,
          input: raw,
        },
      ]),
    );
  }
  return value;
}

/** Reads a boolean query parameter (`true`/`false`); undefined when absent. */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw validationError([
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: raw,
    },
  ]);
}

/** Parses a JSON-encoded object query parameter (agents and conversations `metadata`). */
export function jsonObjectParam(
  query: URLSearchParams,
  name: string,
): Record<string, unknown> | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '' || raw === 'null') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw validationError([
    {
      type: 'dict_type',
      loc: ['query', name],
      msg: 'Input should be a valid dictionary',
      input: raw,
    },
  ]);
}

/** True when every key of `filter` is an own key of `metadata` with an equal (JSON-wise) value. */
export function metadataMatches(
  metadata: Record<string, unknown> | null | undefined,
  filter: Record<string, unknown>,
): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (JSON.stringify(ownValue(metadata, key)) !== JSON.stringify(value)) return false;
  }
  return true;
}
