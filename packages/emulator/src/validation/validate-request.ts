import { requestSchemas } from './request-schemas.generated.js';
import { requestValidator } from './request-validators.js';
import type { ValidationIssue } from './schema-types.js';
import { validateSchema } from './validate-schema.js';

/** The request bodies the emulator validates, named after their OpenAPI schemas. */
export type RequestSchemaName =
  | 'ChatCompletionRequest'
  | 'AgentsCompletionRequest'
  | 'CreateAgentRequest'
  | 'UpdateAgentRequest'
  | 'ConversationRequestBase'
  | 'AppendConversationRequest'
  | 'RestartConversationRequest'
  | 'CreateBatchJobRequest'
  | 'EmbeddingRequest'
  | 'CreateConnectorRequest'
  | 'UpdateConnectorRequest';

/**
 * Validates a parsed request body against Mistral's published schema for it. ajv decides whether
 * the body is valid; only an invalid body is then described the way the API's pydantic models
 * describe it (`validateSchema`: the union tag in `loc`, the closest branch of a union, pydantic's
 * error types and messages), which no JSON Schema library reports. A body that is not a JSON
 * object gives one `model_attributes_type` issue, as FastAPI does.
 */
export function validateRequest(name: RequestSchemaName, body: unknown): ValidationIssue[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      },
    ];
  }
  const validate = requestValidator(name);
  if (validate(body)) return [];
  const issues = validateSchema({ $ref: name }, body, requestSchemas);
  if (issues.length > 0) return issues;
  // The description found nothing: report what ajv found, in the same shape.
  const error = validate.errors?.[0];
  return [
    {
      type: 'value_error',
      loc: ['body', ...(error?.instancePath.split('/').slice(1) ?? [])],
      msg: `Value error, ${error?.message ?? 'invalid value'}`,
      input: body,
    },
  ];
}
