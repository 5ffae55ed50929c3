import { z } from 'zod';

/** The endpoints a batch job can run (the ones this package validates bodies for). */
export type BatchEndpoint = '/v1/chat/completions' | '/v1/agents/completions' | '/v1/embeddings';

export const BATCH_ENDPOINTS: readonly BatchEndpoint[] = [
  '/v1/chat/completions',
  '/v1/agents/completions',
  '/v1/embeddings',
];

/**
 * One request of a batch: a `customId` to join its result to, and the endpoint's request body in
 * the API's wire format (snake_case, as in the JSONL file: `{ messages, max_tokens, ... }`).
 * `custom_id` is accepted too, as in the JSONL format.
 */
export interface BatchRequest {
  customId: string;
  body: Record<string, unknown>;
}

export type BatchRequestInput = BatchRequest | { custom_id: string; body: Record<string, unknown> };

const content = z.union([z.string(), z.null(), z.array(z.record(z.string(), z.unknown()))]);
const toolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  }),
  index: z.number().int().optional(),
});
const message = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: content.optional(),
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
    prefix: z.boolean().optional(),
  })
  .strict();

const sampling = {
  max_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  random_seed: z.number().int().nonnegative().optional(),
  response_format: z.record(z.string(), z.unknown()).optional(),
  tools: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
  tool_choice: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  n: z.number().int().positive().optional(),
  prediction: z.record(z.string(), z.unknown()).optional(),
  parallel_tool_calls: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  reasoning_effort: z.string().optional(),
  prompt_mode: z.string().nullable().optional(),
  guardrails: z.array(z.record(z.string(), z.unknown())).optional(),
  stream: z.literal(false).optional(),
};

/** Request bodies per endpoint. Unknown fields are refused, as the API refuses them. */
export const bodySchemas: Record<BatchEndpoint, z.ZodType> = {
  '/v1/chat/completions': z
    .object({
      model: z.string().min(1).optional(),
      messages: z.array(message).min(1),
      temperature: z.number().min(0).optional(),
      top_p: z.number().min(0).max(1).optional(),
      safe_prompt: z.boolean().optional(),
      ...sampling,
    })
    .strict(),
  '/v1/agents/completions': z
    .object({ agent_id: z.string().optional(), messages: z.array(message).min(1), ...sampling })
    .strict(),
  '/v1/embeddings': z
    .object({
      model: z.string().min(1).optional(),
      input: z.union([z.string(), z.array(z.string()).min(1)]),
      output_dimension: z.number().int().positive().optional(),
      output_dtype: z.string().optional(),
      encoding_format: z.string().optional(),
    })
    .strict(),
};

const SIMPLE_ROLES = new Set(['system', 'user', 'assistant']);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks of the top-level fields the fast path understands; anything else goes to zod. */
const SIMPLE_CHAT_FIELDS: Record<string, (v: unknown) => boolean> = {
  model: (v) => typeof v === 'string' && v.length > 0,
  messages: (v) => Array.isArray(v) && v.length > 0 && v.every(isSimpleMessage),
  max_tokens: (v) => isInt(v) && v > 0,
  temperature: (v) => isNum(v) && v >= 0,
  top_p: (v) => isNum(v) && v >= 0 && v <= 1,
  random_seed: (v) => isInt(v) && v >= 0,
  n: (v) => isInt(v) && v > 0,
  stop: (v) => typeof v === 'string',
  safe_prompt: (v) => typeof v === 'boolean',
  presence_penalty: isNum,
  frequency_penalty: isNum,
};

function isSimpleMessage(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  let keys = 0;
  for (const key in m) {
    keys++;
    if (key !== 'role' && key !== 'content') return false;
  }
  const { role, content } = m as { role?: unknown; content?: unknown };
  return (
    keys === 2 && typeof role === 'string' && SIMPLE_ROLES.has(role) && typeof content === 'string'
  );
}

/**
 * A fast structural check for the common chat body (plain text messages and scalar sampling
 * fields): it only ever accepts what the zod schema accepts, and answers "ask zod" for everything
 * else, so zod remains the judge and the author of every error message. Validating 100,000
 * bodies with zod alone costs as much as writing them.
 */
export function isSimpleChatBody(body: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(body) !== Object.prototype) return false;
  let hasMessages = false;
  for (const key in body) {
    const check = SIMPLE_CHAT_FIELDS[key];
    if (!check || !check(body[key])) return false;
    if (key === 'messages') hasMessages = true;
  }
  return hasMessages;
}

/**
 * The problem with one request, or undefined when it is valid. With `requireBodyModel`, the body
 * must name its model (`agent_id` for the agents endpoint), as the job will not.
 */
export function requestProblem(
  request: unknown,
  endpoint: BatchEndpoint,
  requireBodyModel = false,
): { customId?: string; message: string } | undefined {
  if (typeof request !== 'object' || request === null)
    return { message: 'a request must be an object { customId, body }' };
  const r = request as Record<string, unknown>;
  const customId = r.customId ?? r.custom_id;
  if (typeof customId !== 'string' || customId === '') {
    return {
      message: `customId must be a non-empty string, got ${JSON.stringify(customId) ?? 'undefined'}`,
    };
  }
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) {
    return { customId, message: 'body must be an object (the request body of the endpoint)' };
  }
  if (requireBodyModel) {
    const field = endpoint === '/v1/agents/completions' ? 'agent_id' : 'model';
    const value = (r.body as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value === '') {
      return {
        customId,
        message: `body.${field} is required: the batch sets no ${field === 'model' ? 'model or agentId' : 'agentId'}`,
      };
    }
  }
  if (endpoint === '/v1/chat/completions' && isSimpleChatBody(r.body as Record<string, unknown>))
    return undefined;
  const parsed = bodySchemas[endpoint].safeParse(r.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `body.${issue.path.map(String).join('.')}` : 'body';
    const message =
      issue.code === 'unrecognized_keys'
        ? `${where} has unknown field(s) ${(issue as { keys: string[] }).keys.map((k) => JSON.stringify(k)).join(', ')} for ${endpoint}`
        : `${where}: ${issue.message}`;
    return { customId, message };
  }
  return undefined;
}

export function customIdOf(request: BatchRequestInput): string {
  return 'customId' in request ? request.customId : request.custom_id;
}
