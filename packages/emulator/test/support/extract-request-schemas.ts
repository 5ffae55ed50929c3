/**
 * Extracts the request-body schemas the emulator validates from Mistral's OpenAPI document, with
 * every `$ref` target they reach, and strips documentation keywords. The result is committed as
 * `src/validation/request-schemas.generated.ts`; `test/request-schemas.test.ts` keeps it in sync.
 */
export interface OpenApiDocument {
  components: { schemas: Record<string, unknown> };
}

/** The operations' request bodies, by the name the emulator uses. */
export const requestSchemaRoots = [
  'ChatCompletionRequest',
  'AgentsCompletionRequest',
  'CreateAgentRequest',
  'UpdateAgentRequest',
  'ConversationRequestBase',
  'AppendConversationRequest',
  'RestartConversationRequest',
  'CreateBatchJobRequest',
  'EmbeddingRequest',
  'CreateConnectorRequest',
  'UpdateConnectorRequest',
] as const;

const documentationKeys = new Set([
  'description',
  'title',
  'examples',
  'example',
  'deprecated',
  'x-speakeasy-name-override',
  'x-speakeasy-unknown-values',
  // an annotation, not a constraint
  'writeOnly',
]);

/**
 * Returns the schemas by name. The conversation-start body is closed with
 * `additionalProperties: false` because the real API forbids unknown fields there too, although
 * the published schema leaves it open.
 */
export function extractRequestSchemas(doc: OpenApiDocument): Record<string, unknown> {
  const all = doc.components.schemas;
  const out: Record<string, unknown> = {};
  const pending: string[] = [...requestSchemaRoots];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in out) continue;
    const schema = all[name];
    if (schema === undefined) throw new Error(`schema ${name} not found`);
    out[name] = clean(schema, pending);
  }
  const base = out.ConversationRequestBase as Record<string, unknown>;
  base.additionalProperties = false;
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}

function clean(schema: unknown, pending: string[]): unknown {
  if (Array.isArray(schema)) return schema.map((item) => clean(item, pending));
  if (typeof schema !== 'object' || schema === null) return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (documentationKeys.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      const name = value.split('/').pop()!;
      pending.push(name);
      result[key] = name;
    } else if (key === 'properties' && typeof value === 'object' && value !== null) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([prop, sub]) => [prop, clean(sub, pending)]),
      );
    } else if (key === 'discriminator' && typeof value === 'object' && value !== null) {
      const d = value as { propertyName: string; mapping?: Record<string, string> };
      result[key] = {
        propertyName: d.propertyName,
        mapping: Object.fromEntries(
          Object.entries(d.mapping ?? {}).map(([tag, ref]) => [tag, ref.split('/').pop()!]),
        ),
      };
    } else {
      result[key] = clean(value, pending);
    }
  }
  return result;
}
