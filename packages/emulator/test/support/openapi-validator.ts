import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { loadOpenApi } from './openapi.js';

type Json = Record<string, unknown>;

// ajv-formats is CommonJS: load it as such rather than through ESM interop.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  key: string;
  pattern: RegExp;
  method: string;
  responses: Json;
}

/**
 * Validates emulator responses against the response schemas of Mistral's OpenAPI document
 * (JSON Schema 2020-12 through ajv, `$ref`s resolved inside the document).
 */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(doc: Json = applyErrata(loadOpenApi())) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(
      { $id: 'https://mistral.local/openapi.json', components: doc.components },
      'openapi',
    );
    for (const [key, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const template = key.split('#')[0]!;
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(item)) {
        const responses = (op as Json).responses as Json | undefined;
        if (responses)
          this.operations.push({ key, pattern, method: method.toUpperCase(), responses });
      }
    }
  }

  /** The schema of the 200 response of an operation for a content type, or undefined. */
  responseSchema(
    method: string,
    path: string,
    status: number,
    contentType: string,
  ): Json | undefined {
    const media = contentType.split(';')[0]!.trim();
    const candidates = this.operations.filter((o) => o.method === method && o.pattern.test(path));
    for (const op of candidates) {
      const response = (op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`]) as
        Json | undefined;
      const content = response?.content as Record<string, Json> | undefined;
      const schema = content?.[media]?.schema as Json | undefined;
      if (schema) return schema;
    }
    return undefined;
  }

  /** Validates a value against a schema; returns readable errors (empty when valid). */
  validate(schema: Json, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(rewriteRefs(schema) as Json);
      this.compiled.set(key, fn);
    }
    if (fn(value)) return [];
    return (fn.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }

  /** Validates a named component schema. */
  validateComponent(name: string, value: unknown): string[] {
    return this.validate({ $ref: `#/components/schemas/${name}` }, value);
  }

  /**
   * Validates one HTTP response body: JSON against the operation's schema, SSE event by event
   * (chat chunks as `{data}`, conversation events as `{event, data}`). Returns how many documents
   * were checked and the errors.
   */
  validateResponse(
    method: string,
    path: string,
    status: number,
    contentType: string,
    text: string,
  ): { checked: number; errors: string[] } {
    const schema = this.responseSchema(method, path, status, contentType);
    if (!schema) return { checked: 0, errors: [] };
    if (contentType.startsWith('text/event-stream')) {
      const errors: string[] = [];
      let checked = 0;
      for (const event of parseSse(text)) {
        if (event.data === '[DONE]') continue;
        const value: Json = { data: JSON.parse(event.data) as unknown };
        if (event.event !== undefined) value.event = event.event;
        checked++;
        errors.push(...this.validate(schema, value).map((e) => `${event.event ?? 'data'}: ${e}`));
      }
      return { checked, errors };
    }
    if (text === '') return { checked: 0, errors: [] };
    return { checked: 1, errors: this.validate(schema, JSON.parse(text)) };
  }
}

/**
 * Known mistakes of the published document, corrected before validation (each one checked against
 * the SDK's own schemas and the documented examples):
 * - `ChatCompletionResponse` lists `data` as required; no chat completion has it, and the SDK's
 *   schema does not ask for it.
 */
function applyErrata(doc: Json): Json {
  const copy = structuredClone(doc);
  const schemas = (copy.components as Json).schemas as Record<string, Json>;
  const parts = schemas.ChatCompletionResponse!.allOf as Json[];
  const required = parts[1]!.required as string[];
  parts[1]!.required = required.filter((name) => name !== 'data');
  return copy;
}

/** Points the document's local `$ref`s at the registered document. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/')
        ? `https://mistral.local/openapi.json${v}`
        : rewriteRefs(v);
  }
  return out;
}

/** Splits an SSE body into events (data lines joined with newlines). */
export function parseSse(text: string): { event?: string; data: string }[] {
  const events: { event?: string; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}

let shared: OpenApiValidator | undefined;

/** One validator per test file (compiling the document takes a moment). */
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}
