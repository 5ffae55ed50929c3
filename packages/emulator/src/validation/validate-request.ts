import { requestSchemas } from './request-schemas.generated.js';
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
  | 'EmbeddingRequest';

/**
 * Validates a parsed request body against Mistral's published schema for it. A body that is not a
 * JSON object gives one `model_attributes_type` issue, as FastAPI does.
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
  return validateSchema({ $ref: name }, body, requestSchemas);
}
