/**
 * The OpenTelemetry GenAI semantic conventions this package follows (v1.41.0, development
 * status: opt in with `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`), and the few
 * names of its own, under `mistral_flows.`.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  conversationId: 'gen_ai.conversation.id',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolArguments: 'gen_ai.tool.call.arguments',
  toolResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
} as const;

/** `gen_ai.provider.name` for Mistral AI. */
export const PROVIDER = 'mistral_ai';

export const METRICS = {
  tokenUsage: 'gen_ai.client.token.usage',
  operationDuration: 'gen_ai.client.operation.duration',
  timeToFirstChunk: 'gen_ai.client.operation.time_to_first_chunk',
} as const;

/** Names of this package's own, where the conventions have none. */
export const OWN = {
  batchKey: 'mistral_flows.batch.key',
  batchState: 'mistral_flows.batch.state',
  batchStatus: 'mistral_flows.batch.status',
  batchShard: 'mistral_flows.batch.shard',
  turn: 'mistral_flows.conversation.turn',
  requestId: 'mistral_flows.request_id',
  jobAttempt: 'mistral_flows.job.attempt',
  webhookId: 'mistral_flows.webhook.id',
  webhookAttempt: 'mistral_flows.webhook.attempt',
  resumed: 'mistral_flows.resumed',
} as const;

/** Bucket boundaries the conventions give for the token histogram. */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Bucket boundaries the conventions give for the duration histograms, in seconds. */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
