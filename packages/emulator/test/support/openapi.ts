import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Mistral's published OpenAPI document, kept in the repository's `docs/mistral/`
 * (override with `MISTRAL_OPENAPI_PATH`).
 */
export const openapiPath =
  process.env.MISTRAL_OPENAPI_PATH ??
  fileURLToPath(new URL('../../../../docs/mistral/openapi.yaml', import.meta.url));

let cached: Record<string, unknown> | undefined;

export function loadOpenApi(): Record<string, unknown> {
  cached ??= parse(readFileSync(openapiPath, 'utf8')) as Record<string, unknown>;
  return cached;
}
