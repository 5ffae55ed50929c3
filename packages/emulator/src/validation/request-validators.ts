import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { requestSchemas } from './request-schemas.generated.js';
import type { JsonSchema } from './schema-types.js';

const DOCUMENT = 'mistral-requests';
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The request schemas as ajv reads them, with the API's (pydantic's) union semantics:
 * - a `oneOf` with a `discriminator` becomes "an object whose tag is one of the mapping's keys,
 *   validated against the schema its tag names" (the tag must be present; the other branches are
 *   not tried);
 * - a `oneOf` without one accepts a value that any branch accepts, as pydantic's unions do (JSON
 *   Schema's `oneOf` would refuse a value that two branches accept);
 * - `$ref: "Name"` points into the same document.
 */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string' ? `#/$defs/${value}` : toAjvSchema(value);
  }
  const schema = node as JsonSchema;
  if (schema.oneOf && schema.discriminator) {
    const { propertyName, mapping = {} } = schema.discriminator;
    const tags = Object.keys(mapping);
    const { oneOf: _oneOf, discriminator: _discriminator, ...rest } = out;
    return {
      ...rest,
      type: 'object',
      required: [propertyName],
      properties: { [propertyName]: { enum: tags } },
      allOf: tags.map((tag) => ({
        if: { properties: { [propertyName]: { const: tag } } },
        then: { $ref: `#/$defs/${mapping[tag]}` },
      })),
    };
  }
  if (schema.oneOf) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  return out;
}

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * ajv's compiled validator for the request schema `name`, compiled on first use. Formats other
 * than `uuid` are not checked, as the API does not check them on requests either.
 */
export function requestValidator(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv2020({
        strict: false,
        allErrors: false,
        formats: { uuid: UUID, 'date-time': true, binary: true, uri: true, password: true },
      });
      ajv.addSchema({ $id: DOCUMENT, $defs: toAjvSchema(requestSchemas) }, DOCUMENT);
    }
    validate = ajv.compile({ $ref: `${DOCUMENT}#/$defs/${name}` });
    validators.set(name, validate);
  }
  return validate;
}
