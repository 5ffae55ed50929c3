import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requestSchemas } from '../src/validation/request-schemas.generated.js';
import { extractRequestSchemas, type OpenApiDocument } from './support/extract-request-schemas.js';
import { loadOpenApi } from './support/openapi.js';

const generatedPath = fileURLToPath(
  new URL('../src/validation/request-schemas.generated.ts', import.meta.url),
);

function render(schemas: Record<string, unknown>): string {
  return [
    "// Generated from Mistral's OpenAPI document by test/support/extract-request-schemas.ts.",
    '// Regenerate with: UPDATE_REQUEST_SCHEMAS=1 pnpm vitest run packages/emulator/test/request-schemas.test.ts',
    "import type { JsonSchema } from './schema-types.js';",
    '',
    `export const requestSchemas: Record<string, JsonSchema> = ${JSON.stringify(schemas, null, 2)};`,
    '',
  ].join('\n');
}

describe('requestSchemas', () => {
  it('matches the request bodies of the published OpenAPI document', () => {
    const extracted = extractRequestSchemas(loadOpenApi() as unknown as OpenApiDocument);
    if (process.env.UPDATE_REQUEST_SCHEMAS) {
      writeFileSync(generatedPath, render(extracted));
      expect(readFileSync(generatedPath, 'utf8')).toContain('ChatCompletionRequest');
      return;
    }
    expect(requestSchemas).toEqual(extracted);
  });
});
