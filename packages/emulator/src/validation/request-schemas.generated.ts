// Generated from Mistral's OpenAPI document by test/support/extract-request-schemas.ts.
// Regenerate with: UPDATE_REQUEST_SCHEMAS=1 pnpm vitest run packages/emulator/test/request-schemas.test.ts
import type { JsonSchema } from './schema-types.js';

export const requestSchemas: Record<string, JsonSchema> = {
  APIKeyAuth: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['api-key'],
        default: 'api-key',
      },
      value: {
        type: 'string',
      },
    },
    required: ['value'],
    additionalProperties: false,
  },
  AgentHandoffEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'agent.handoff',
        const: 'agent.handoff',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      previous_agent_id: {
        type: 'string',
      },
      previous_agent_name: {
        type: 'string',
      },
      next_agent_id: {
        type: 'string',
      },
      next_agent_name: {
        type: 'string',
      },
    },
    required: ['previous_agent_id', 'previous_agent_name', 'next_agent_id', 'next_agent_name'],
    additionalProperties: false,
  },
  AgentsCompletionRequest: {
    type: 'object',
    properties: {
      max_tokens: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      stream: {
        type: 'boolean',
        default: false,
      },
      stop: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      random_seed: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: true,
          },
          {
            type: 'null',
          },
        ],
      },
      messages: {
        type: 'array',
        items: {
          oneOf: [
            {
              $ref: 'SystemMessage',
            },
            {
              $ref: 'UserMessage',
            },
            {
              $ref: 'AssistantMessage',
            },
            {
              $ref: 'ToolMessage',
            },
          ],
          discriminator: {
            propertyName: 'role',
            mapping: {
              assistant: 'AssistantMessage',
              system: 'SystemMessage',
              tool: 'ToolMessage',
              user: 'UserMessage',
            },
          },
        },
      },
      response_format: {
        $ref: 'ResponseFormat',
      },
      tools: {
        anyOf: [
          {
            type: 'array',
            items: {
              oneOf: [
                {
                  $ref: 'Tool',
                },
                {
                  $ref: 'WebSearchTool',
                },
                {
                  $ref: 'WebSearchPremiumTool',
                },
                {
                  $ref: 'CodeInterpreterTool',
                },
                {
                  $ref: 'ImageGenerationTool',
                },
                {
                  $ref: 'DocumentLibraryTool',
                },
                {
                  $ref: 'CustomConnector',
                },
              ],
              discriminator: {
                propertyName: 'type',
                mapping: {
                  function: 'Tool',
                  web_search: 'WebSearchTool',
                  web_search_premium: 'WebSearchPremiumTool',
                  code_interpreter: 'CodeInterpreterTool',
                  image_generation: 'ImageGenerationTool',
                  document_library: 'DocumentLibraryTool',
                  connector: 'CustomConnector',
                },
              },
            },
          },
          {
            type: 'null',
          },
        ],
      },
      tool_choice: {
        anyOf: [
          {
            $ref: 'ToolChoice',
          },
          {
            $ref: 'ToolChoiceEnum',
          },
        ],
        default: 'auto',
      },
      presence_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      frequency_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      n: {
        anyOf: [
          {
            type: 'integer',
            minimum: 1,
          },
          {
            type: 'null',
          },
        ],
      },
      prediction: {
        $ref: 'Prediction',
        default: {
          type: 'content',
          content: '',
        },
      },
      parallel_tool_calls: {
        type: 'boolean',
        default: true,
      },
      reasoning_effort: {
        anyOf: [
          {
            $ref: 'ReasoningEffort',
          },
          {
            type: 'null',
          },
        ],
      },
      prompt_mode: {
        anyOf: [
          {
            $ref: 'MistralPromptMode',
          },
          {
            type: 'null',
          },
        ],
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      prompt_cache_key: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      service_tier: {
        anyOf: [
          {
            $ref: 'RequestedServiceTier',
          },
          {
            type: 'null',
          },
        ],
      },
      agent_id: {
        type: 'string',
      },
    },
    required: ['messages', 'agent_id'],
    additionalProperties: false,
  },
  ApiEndpoint: {
    type: 'string',
    enum: [
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/fim/completions',
      '/v1/moderations',
      '/v1/chat/moderations',
      '/v1/ocr',
      '/v1/classifications',
      '/v1/chat/classifications',
      '/v1/conversations',
      '/v1/audio/transcriptions',
    ],
  },
  AppendConversationRequest: {
    type: 'object',
    properties: {
      inputs: {
        $ref: 'ConversationInputs',
      },
      stream: {
        type: 'boolean',
        default: false,
      },
      store: {
        type: 'boolean',
        default: true,
      },
      handoff_execution: {
        type: 'string',
        enum: ['client', 'server'],
        default: 'server',
      },
      completion_args: {
        $ref: 'CompletionArgs',
      },
      tool_confirmations: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'ToolCallConfirmation',
            },
          },
          {
            type: 'null',
          },
        ],
      },
    },
    additionalProperties: false,
  },
  AssistantMessage: {
    type: 'object',
    properties: {
      role: {
        type: 'string',
        default: 'assistant',
        const: 'assistant',
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
          {
            type: 'array',
            items: {
              $ref: 'ContentChunk',
            },
          },
        ],
      },
      tool_calls: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'ToolCall',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      prefix: {
        type: 'boolean',
        default: false,
      },
    },
    additionalProperties: false,
  },
  AudioChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'input_audio',
        const: 'input_audio',
      },
      input_audio: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'string',
            format: 'binary',
          },
        ],
      },
    },
    required: ['input_audio'],
    additionalProperties: false,
  },
  AuthData: {
    type: 'object',
    properties: {
      client_id: {
        type: 'string',
      },
      client_secret: {
        anyOf: [
          {
            type: 'string',
            format: 'password',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['client_id'],
  },
  AuthDirection: {
    type: 'string',
    enum: ['inbound', 'outbound'],
  },
  AuthenticationMethodCreateOrUpdateRequest: {
    type: 'object',
    properties: {
      method_type: {
        anyOf: [
          {
            $ref: 'OutboundAuthenticationType',
          },
          {
            $ref: 'InboundAuthenticationType',
          },
        ],
      },
      auth_direction: {
        $ref: 'AuthDirection',
        default: 'outbound',
      },
      headers: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'ConnectorAuthenticationHeader',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      global_headers: {
        type: 'object',
        additionalProperties: {
          $ref: 'GlobalHeaderValue',
        },
        default: {},
      },
      oauth2_metadata_secrets: {
        anyOf: [
          {
            $ref: 'Oauth2MetadataSecrets',
          },
          {
            type: 'null',
          },
        ],
      },
      oauth2_server_metadata: {
        anyOf: [
          {
            $ref: 'ExtendedOAuthServerMetadata',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['method_type'],
  },
  BatchRequest: {
    type: 'object',
    properties: {
      custom_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      body: {
        type: 'object',
        additionalProperties: true,
      },
    },
    required: ['body'],
  },
  BuiltInConnectors: {
    type: 'string',
    enum: [
      'web_search',
      'web_search_premium',
      'code_interpreter',
      'image_generation',
      'document_library',
    ],
  },
  ChatCompletionRequest: {
    type: 'object',
    properties: {
      model: {
        type: 'string',
      },
      temperature: {
        anyOf: [
          {
            type: 'number',
            maximum: 1.5,
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      top_p: {
        anyOf: [
          {
            exclusiveMinimum: 0,
            type: 'number',
            maximum: 1,
          },
          {
            type: 'null',
          },
        ],
      },
      max_tokens: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      stream: {
        type: 'boolean',
        default: false,
      },
      stop: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      random_seed: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: true,
          },
          {
            type: 'null',
          },
        ],
      },
      messages: {
        type: 'array',
        items: {
          oneOf: [
            {
              $ref: 'SystemMessage',
            },
            {
              $ref: 'UserMessage',
            },
            {
              $ref: 'AssistantMessage',
            },
            {
              $ref: 'ToolMessage',
            },
          ],
          discriminator: {
            propertyName: 'role',
            mapping: {
              assistant: 'AssistantMessage',
              system: 'SystemMessage',
              tool: 'ToolMessage',
              user: 'UserMessage',
            },
          },
        },
      },
      response_format: {
        $ref: 'ResponseFormat',
      },
      tools: {
        anyOf: [
          {
            type: 'array',
            items: {
              oneOf: [
                {
                  $ref: 'Tool',
                },
                {
                  $ref: 'WebSearchTool',
                },
                {
                  $ref: 'WebSearchPremiumTool',
                },
                {
                  $ref: 'CodeInterpreterTool',
                },
                {
                  $ref: 'ImageGenerationTool',
                },
                {
                  $ref: 'DocumentLibraryTool',
                },
                {
                  $ref: 'CustomConnector',
                },
              ],
              discriminator: {
                propertyName: 'type',
                mapping: {
                  function: 'Tool',
                  web_search: 'WebSearchTool',
                  web_search_premium: 'WebSearchPremiumTool',
                  code_interpreter: 'CodeInterpreterTool',
                  image_generation: 'ImageGenerationTool',
                  document_library: 'DocumentLibraryTool',
                  connector: 'CustomConnector',
                },
              },
            },
          },
          {
            type: 'null',
          },
        ],
      },
      tool_choice: {
        anyOf: [
          {
            $ref: 'ToolChoice',
          },
          {
            $ref: 'ToolChoiceEnum',
          },
        ],
        default: 'auto',
      },
      presence_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      frequency_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      n: {
        anyOf: [
          {
            type: 'integer',
            minimum: 1,
          },
          {
            type: 'null',
          },
        ],
      },
      prediction: {
        $ref: 'Prediction',
        default: {
          type: 'content',
          content: '',
        },
      },
      parallel_tool_calls: {
        type: 'boolean',
        default: true,
      },
      reasoning_effort: {
        anyOf: [
          {
            $ref: 'ReasoningEffort',
          },
          {
            type: 'null',
          },
        ],
      },
      prompt_mode: {
        anyOf: [
          {
            $ref: 'MistralPromptMode',
          },
          {
            type: 'null',
          },
        ],
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      prompt_cache_key: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      service_tier: {
        anyOf: [
          {
            $ref: 'RequestedServiceTier',
          },
          {
            type: 'null',
          },
        ],
      },
      safe_prompt: {
        type: 'boolean',
        default: false,
      },
    },
    required: ['messages', 'model'],
    additionalProperties: false,
  },
  CodeInterpreterTool: {
    type: 'object',
    properties: {
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
      type: {
        type: 'string',
        enum: ['code_interpreter'],
        default: 'code_interpreter',
      },
    },
    additionalProperties: false,
  },
  CompletionArgs: {
    type: 'object',
    properties: {
      stop: {
        $ref: 'CompletionArgsStop',
      },
      presence_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      frequency_penalty: {
        anyOf: [
          {
            type: 'number',
            maximum: 2,
            minimum: -2,
          },
          {
            type: 'null',
          },
        ],
      },
      temperature: {
        anyOf: [
          {
            type: 'number',
            maximum: 1,
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      top_p: {
        anyOf: [
          {
            type: 'number',
            maximum: 1,
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      max_tokens: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      random_seed: {
        anyOf: [
          {
            type: 'integer',
            minimum: 0,
          },
          {
            type: 'null',
          },
        ],
      },
      prediction: {
        anyOf: [
          {
            $ref: 'Prediction',
          },
          {
            type: 'null',
          },
        ],
      },
      response_format: {
        anyOf: [
          {
            $ref: 'ResponseFormat',
          },
          {
            type: 'null',
          },
        ],
      },
      tool_choice: {
        $ref: 'ToolChoiceEnum',
        default: 'auto',
      },
      reasoning_effort: {
        anyOf: [
          {
            $ref: 'ReasoningEffort',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    additionalProperties: false,
  },
  CompletionArgsStop: {
    anyOf: [
      {
        type: 'string',
      },
      {
        type: 'array',
        items: {
          type: 'string',
        },
      },
      {
        type: 'null',
      },
    ],
  },
  ConnectorAuthenticationHeader: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
      },
      is_required: {
        type: 'boolean',
        default: true,
      },
      is_secret: {
        type: 'boolean',
        default: true,
      },
    },
    required: ['name'],
  },
  ContentChunk: {
    oneOf: [
      {
        $ref: 'TextChunk',
      },
      {
        $ref: 'ImageURLChunk',
      },
      {
        $ref: 'DocumentURLChunk',
      },
      {
        $ref: 'ReferenceChunk',
      },
      {
        $ref: 'FileChunk',
      },
      {
        $ref: 'ThinkChunk',
      },
      {
        $ref: 'AudioChunk',
      },
    ],
    discriminator: {
      propertyName: 'type',
      mapping: {
        image_url: 'ImageURLChunk',
        document_url: 'DocumentURLChunk',
        text: 'TextChunk',
        reference: 'ReferenceChunk',
        file: 'FileChunk',
        thinking: 'ThinkChunk',
        input_audio: 'AudioChunk',
      },
    },
  },
  ConversationInputs: {
    anyOf: [
      {
        type: 'string',
      },
      {
        $ref: 'InputEntries',
      },
    ],
  },
  ConversationRequestBase: {
    type: 'object',
    properties: {
      inputs: {
        $ref: 'ConversationInputs',
      },
      stream: {
        anyOf: [
          {
            type: 'boolean',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      store: {
        anyOf: [
          {
            type: 'boolean',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      handoff_execution: {
        anyOf: [
          {
            type: 'string',
            enum: ['client', 'server'],
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      instructions: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      tools: {
        anyOf: [
          {
            type: 'array',
            items: {
              oneOf: [
                {
                  $ref: 'FunctionTool',
                },
                {
                  $ref: 'WebSearchTool',
                },
                {
                  $ref: 'WebSearchPremiumTool',
                },
                {
                  $ref: 'CodeInterpreterTool',
                },
                {
                  $ref: 'ImageGenerationTool',
                },
                {
                  $ref: 'DocumentLibraryTool',
                },
                {
                  $ref: 'CustomConnector',
                },
              ],
              discriminator: {
                propertyName: 'type',
                mapping: {
                  code_interpreter: 'CodeInterpreterTool',
                  connector: 'CustomConnector',
                  document_library: 'DocumentLibraryTool',
                  function: 'FunctionTool',
                  image_generation: 'ImageGenerationTool',
                  web_search: 'WebSearchTool',
                  web_search_premium: 'WebSearchPremiumTool',
                },
              },
            },
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      completion_args: {
        anyOf: [
          {
            $ref: 'CompletionArgs',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      metadata: {
        anyOf: [
          {
            $ref: 'MetadataDict',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      agent_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      agent_version: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'integer',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
        default: null,
      },
    },
    required: ['inputs'],
    additionalProperties: false,
  },
  CreateAgentRequest: {
    type: 'object',
    properties: {
      instructions: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      tools: {
        type: 'array',
        items: {
          oneOf: [
            {
              $ref: 'FunctionTool',
            },
            {
              $ref: 'WebSearchTool',
            },
            {
              $ref: 'WebSearchPremiumTool',
            },
            {
              $ref: 'CodeInterpreterTool',
            },
            {
              $ref: 'ImageGenerationTool',
            },
            {
              $ref: 'DocumentLibraryTool',
            },
            {
              $ref: 'CustomConnector',
            },
          ],
          discriminator: {
            propertyName: 'type',
            mapping: {
              code_interpreter: 'CodeInterpreterTool',
              connector: 'CustomConnector',
              document_library: 'DocumentLibraryTool',
              function: 'FunctionTool',
              image_generation: 'ImageGenerationTool',
              web_search: 'WebSearchTool',
              web_search_premium: 'WebSearchPremiumTool',
            },
          },
        },
      },
      completion_args: {
        $ref: 'CompletionArgs',
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      model: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      handoffs: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
            minItems: 1,
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            $ref: 'MetadataDict',
          },
          {
            type: 'null',
          },
        ],
      },
      version_message: {
        anyOf: [
          {
            type: 'string',
            maxLength: 500,
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['model', 'name'],
    additionalProperties: false,
  },
  CreateBatchJobRequest: {
    type: 'object',
    properties: {
      input_files: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
              format: 'uuid',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      requests: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'BatchRequest',
            },
            maxItems: 10000,
          },
          {
            type: 'null',
          },
        ],
      },
      endpoint: {
        $ref: 'ApiEndpoint',
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      agent_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            type: 'object',
            propertyNames: {
              maxLength: 32,
              minLength: 1,
            },
            additionalProperties: {
              type: 'string',
              maxLength: 512,
              minLength: 1,
            },
          },
          {
            type: 'null',
          },
        ],
      },
      timeout_hours: {
        type: 'integer',
        maximum: 168,
        minimum: 1,
        default: 24,
      },
    },
    required: ['endpoint'],
  },
  CreateConnectorRequest: {
    type: 'object',
    properties: {
      protocol: {
        type: 'string',
        default: 'mcp',
        const: 'mcp',
      },
      name: {
        type: 'string',
      },
      title: {
        anyOf: [
          {
            type: 'string',
            maxLength: 255,
          },
          {
            type: 'null',
          },
        ],
      },
      description: {
        type: 'string',
      },
      icon_url: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      visibility: {
        $ref: 'PublicResourceVisibility',
        default: 'private',
      },
      server: {
        type: 'string',
        maxLength: 2083,
        minLength: 1,
        format: 'uri',
      },
      headers: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: true,
          },
          {
            type: 'null',
          },
        ],
      },
      global_headers: {
        type: 'object',
        additionalProperties: {
          $ref: 'GlobalHeaderValue',
        },
        default: {},
      },
      auth_data: {
        anyOf: [
          {
            $ref: 'AuthData',
          },
          {
            type: 'null',
          },
        ],
      },
      oauth2_server_metadata: {
        anyOf: [
          {
            $ref: 'ExtendedOAuthServerMetadata',
          },
          {
            type: 'null',
          },
        ],
      },
      oauth2_server_metadata_url: {
        anyOf: [
          {
            type: 'string',
            maxLength: 2083,
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      system_prompt: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['name', 'description', 'server'],
  },
  CustomConnector: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['connector'],
        default: 'connector',
      },
      connector_id: {
        type: 'string',
      },
      authorization: {
        anyOf: [
          {
            oneOf: [
              {
                $ref: 'OAuth2TokenAuth',
              },
              {
                $ref: 'APIKeyAuth',
              },
            ],
            discriminator: {
              propertyName: 'type',
              mapping: {
                'api-key': 'APIKeyAuth',
                'oauth2-token': 'OAuth2TokenAuth',
              },
            },
          },
          {
            type: 'null',
          },
        ],
      },
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['connector_id'],
    additionalProperties: false,
  },
  DocumentLibraryTool: {
    type: 'object',
    properties: {
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
      type: {
        type: 'string',
        enum: ['document_library'],
        default: 'document_library',
      },
      library_ids: {
        type: 'array',
        items: {
          type: 'string',
        },
        minItems: 1,
      },
    },
    required: ['library_ids'],
    additionalProperties: false,
  },
  DocumentURLChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'document_url',
        const: 'document_url',
      },
      document_url: {
        type: 'string',
      },
      document_name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['document_url'],
    additionalProperties: false,
  },
  EmbeddingDtype: {
    type: 'string',
    enum: ['float', 'int8', 'uint8', 'binary', 'ubinary'],
  },
  EmbeddingRequest: {
    type: 'object',
    properties: {
      model: {
        type: 'string',
      },
      metadata: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: true,
          },
          {
            type: 'null',
          },
        ],
      },
      input: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
        ],
      },
      output_dimension: {
        anyOf: [
          {
            exclusiveMinimum: 0,
            type: 'integer',
          },
          {
            type: 'null',
          },
        ],
      },
      output_dtype: {
        $ref: 'EmbeddingDtype',
        default: 'float',
      },
      encoding_format: {
        $ref: 'EncodingFormat',
        default: 'float',
      },
    },
    required: ['input', 'model'],
    additionalProperties: false,
  },
  EncodingFormat: {
    type: 'string',
    enum: ['float', 'base64'],
  },
  ExtendedOAuthServerMetadata: {
    type: 'object',
    properties: {
      issuer: {
        type: 'string',
        minLength: 1,
        format: 'uri',
      },
      authorization_endpoint: {
        type: 'string',
        minLength: 1,
        format: 'uri',
      },
      token_endpoint: {
        type: 'string',
        minLength: 1,
        format: 'uri',
      },
      registration_endpoint: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      scopes_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      response_types_supported: {
        type: 'array',
        items: {
          type: 'string',
        },
        default: ['code'],
      },
      response_modes_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      grant_types_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      token_endpoint_auth_methods_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      token_endpoint_auth_signing_alg_values_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      service_documentation: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      ui_locales_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      op_policy_uri: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      op_tos_uri: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      revocation_endpoint: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      revocation_endpoint_auth_methods_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      revocation_endpoint_auth_signing_alg_values_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      introspection_endpoint: {
        anyOf: [
          {
            type: 'string',
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      introspection_endpoint_auth_methods_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      introspection_endpoint_auth_signing_alg_values_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      code_challenge_methods_supported: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      client_id_metadata_document_supported: {
        anyOf: [
          {
            type: 'boolean',
          },
          {
            type: 'null',
          },
        ],
      },
      x_source: {
        anyOf: [
          {
            $ref: 'OAuthMetadataSource',
          },
          {
            type: 'null',
          },
        ],
      },
      x_resource_url: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      x_scope: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['issuer', 'authorization_endpoint', 'token_endpoint'],
  },
  FileChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'file',
        const: 'file',
      },
      file_id: {
        type: 'string',
        format: 'uuid',
      },
    },
    required: ['file_id'],
    additionalProperties: false,
  },
  Function: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
      },
      description: {
        type: 'string',
        default: '',
      },
      strict: {
        type: 'boolean',
        default: false,
      },
      parameters: {
        type: 'object',
        additionalProperties: true,
      },
    },
    required: ['name', 'parameters'],
    additionalProperties: false,
  },
  FunctionCall: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
      },
      arguments: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: true,
          },
          {
            type: 'string',
          },
        ],
      },
    },
    required: ['name', 'arguments'],
    additionalProperties: false,
  },
  FunctionCallEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'function.call',
        const: 'function.call',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      agent_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      tool_call_id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      arguments: {
        $ref: 'FunctionCallEntryArguments',
      },
      confirmation_status: {
        anyOf: [
          {
            type: 'string',
            enum: ['pending', 'allowed', 'denied'],
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['tool_call_id', 'name', 'arguments'],
    additionalProperties: false,
  },
  FunctionCallEntryArguments: {
    anyOf: [
      {
        type: 'object',
        additionalProperties: true,
      },
      {
        type: 'string',
      },
    ],
  },
  FunctionName: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
      },
    },
    required: ['name'],
    additionalProperties: false,
  },
  FunctionResultEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'function.result',
        const: 'function.result',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      tool_call_id: {
        type: 'string',
      },
      result: {
        type: 'string',
      },
    },
    required: ['tool_call_id', 'result'],
    additionalProperties: false,
  },
  FunctionTool: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['function'],
        default: 'function',
      },
      function: {
        $ref: 'Function',
      },
    },
    required: ['function'],
    additionalProperties: false,
  },
  GlobalHeaderValue: {
    type: 'object',
    properties: {
      is_secret: {
        type: 'boolean',
        default: true,
      },
      value: {
        type: 'string',
      },
    },
    required: ['value'],
  },
  GuardrailConfig: {
    type: 'object',
    properties: {
      block_on_error: {
        type: 'boolean',
        default: false,
      },
      moderation_llm_v1: {
        anyOf: [
          {
            $ref: 'ModerationLLMV1Config',
          },
          {
            type: 'null',
          },
        ],
      },
      moderation_llm_v2: {
        anyOf: [
          {
            $ref: 'ModerationLLMV2Config',
          },
          {
            type: 'null',
          },
        ],
      },
    },
  },
  ImageDetail: {
    type: 'string',
    enum: ['low', 'auto', 'high'],
  },
  ImageGenerationTool: {
    type: 'object',
    properties: {
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
      type: {
        type: 'string',
        enum: ['image_generation'],
        default: 'image_generation',
      },
    },
    additionalProperties: false,
  },
  ImageURL: {
    type: 'object',
    properties: {
      url: {
        type: 'string',
      },
      detail: {
        anyOf: [
          {
            $ref: 'ImageDetail',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['url'],
    additionalProperties: false,
  },
  ImageURLChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'image_url',
        const: 'image_url',
      },
      image_url: {
        anyOf: [
          {
            $ref: 'ImageURL',
          },
          {
            type: 'string',
          },
        ],
      },
    },
    required: ['image_url'],
    additionalProperties: false,
  },
  InboundAuthenticationType: {
    type: 'string',
    enum: ['webhook'],
  },
  InputEntries: {
    type: 'array',
    items: {
      anyOf: [
        {
          $ref: 'MessageInputEntry',
        },
        {
          $ref: 'MessageOutputEntry',
        },
        {
          $ref: 'FunctionResultEntry',
        },
        {
          $ref: 'FunctionCallEntry',
        },
        {
          $ref: 'ToolExecutionEntry',
        },
        {
          $ref: 'AgentHandoffEntry',
        },
      ],
    },
  },
  JsonSchema: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      schema: {
        type: 'object',
        additionalProperties: true,
      },
      strict: {
        type: 'boolean',
        default: false,
      },
    },
    required: ['name', 'schema'],
    additionalProperties: false,
  },
  MessageInputContentChunks: {
    type: 'array',
    items: {
      anyOf: [
        {
          $ref: 'TextChunk',
        },
        {
          $ref: 'ImageURLChunk',
        },
        {
          $ref: 'ToolFileChunk',
        },
        {
          $ref: 'DocumentURLChunk',
        },
        {
          $ref: 'ThinkChunk',
        },
      ],
    },
  },
  MessageInputEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'message.input',
        const: 'message.input',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      role: {
        type: 'string',
        enum: ['assistant', 'user'],
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            $ref: 'MessageInputContentChunks',
          },
        ],
      },
      prefix: {
        type: 'boolean',
        default: false,
      },
    },
    required: ['role', 'content'],
    additionalProperties: false,
  },
  MessageOutputContentChunks: {
    type: 'array',
    items: {
      anyOf: [
        {
          $ref: 'TextChunk',
        },
        {
          $ref: 'ImageURLChunk',
        },
        {
          $ref: 'ToolFileChunk',
        },
        {
          $ref: 'DocumentURLChunk',
        },
        {
          $ref: 'ThinkChunk',
        },
        {
          $ref: 'ToolReferenceChunk',
        },
      ],
    },
  },
  MessageOutputEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'message.output',
        const: 'message.output',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      agent_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      role: {
        type: 'string',
        default: 'assistant',
        const: 'assistant',
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            $ref: 'MessageOutputContentChunks',
          },
        ],
      },
    },
    required: ['content'],
    additionalProperties: false,
  },
  MetadataDict: {
    type: 'object',
    properties: {},
    additionalProperties: true,
  },
  MistralPromptMode: {
    type: 'string',
    enum: ['reasoning'],
  },
  ModerationLLMAction: {
    type: 'string',
    enum: ['none', 'block'],
  },
  ModerationLLMV1CategoryThresholds: {
    type: 'object',
    properties: {
      sexual: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      hate_and_discrimination: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      violence_and_threats: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      dangerous_and_criminal_content: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      selfharm: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      health: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      financial: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      law: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      pii: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
    },
  },
  ModerationLLMV1Config: {
    type: 'object',
    properties: {
      model_name: {
        type: 'string',
        default: 'mistral-moderation-2411',
      },
      custom_category_thresholds: {
        anyOf: [
          {
            $ref: 'ModerationLLMV1CategoryThresholds',
          },
          {
            type: 'null',
          },
        ],
      },
      ignore_other_categories: {
        type: 'boolean',
        default: false,
      },
      action: {
        $ref: 'ModerationLLMAction',
        default: 'none',
      },
    },
  },
  ModerationLLMV2CategoryThresholds: {
    type: 'object',
    properties: {
      sexual: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      hate_and_discrimination: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      violence_and_threats: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      dangerous: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      criminal: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      selfharm: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      health: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      financial: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      law: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      pii: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
      jailbreaking: {
        anyOf: [
          {
            type: 'number',
          },
          {
            type: 'null',
          },
        ],
      },
    },
  },
  ModerationLLMV2Config: {
    type: 'object',
    properties: {
      model_name: {
        type: 'string',
        default: 'mistral-moderation-2603',
      },
      custom_category_thresholds: {
        anyOf: [
          {
            $ref: 'ModerationLLMV2CategoryThresholds',
          },
          {
            type: 'null',
          },
        ],
      },
      ignore_other_categories: {
        type: 'boolean',
        default: false,
      },
      action: {
        $ref: 'ModerationLLMAction',
        default: 'none',
      },
    },
  },
  OAuth2TokenAuth: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['oauth2-token'],
        default: 'oauth2-token',
      },
      value: {
        type: 'string',
      },
    },
    required: ['value'],
    additionalProperties: false,
  },
  OAuthMetadataSource: {
    type: 'string',
    enum: ['autodiscovery', 'provided'],
  },
  Oauth2MetadataSecrets: {
    type: 'object',
    properties: {
      client_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      client_secret: {
        anyOf: [
          {
            type: 'string',
            format: 'password',
          },
          {
            type: 'null',
          },
        ],
      },
      client_id_issued_at: {
        anyOf: [
          {
            type: 'integer',
          },
          {
            type: 'null',
          },
        ],
      },
      client_secret_expires_at: {
        anyOf: [
          {
            type: 'integer',
          },
          {
            type: 'null',
          },
        ],
      },
    },
  },
  OutboundAuthenticationType: {
    type: 'string',
    enum: ['oauth2', 'bearer', 'none', 'github_app', 'slack_app'],
  },
  Prediction: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'content',
        const: 'content',
      },
      content: {
        type: 'string',
        default: '',
      },
    },
    additionalProperties: false,
  },
  PublicResourceVisibility: {
    type: 'string',
    enum: ['shared_org', 'shared_workspace', 'private'],
  },
  ReasoningEffort: {
    type: 'string',
    enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'],
  },
  ReferenceChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'reference',
        const: 'reference',
      },
      reference_ids: {
        type: 'array',
        items: {
          anyOf: [
            {
              type: 'integer',
            },
            {
              type: 'string',
            },
          ],
        },
      },
    },
    required: ['reference_ids'],
    additionalProperties: false,
  },
  RequestedServiceTier: {
    type: 'string',
    enum: ['auto', 'standard_only'],
  },
  ResponseFormat: {
    type: 'object',
    properties: {
      type: {
        $ref: 'ResponseFormats',
        default: 'text',
      },
      json_schema: {
        anyOf: [
          {
            $ref: 'JsonSchema',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    additionalProperties: false,
  },
  ResponseFormats: {
    type: 'string',
    enum: ['text', 'json_object', 'json_schema'],
  },
  RestartConversationRequest: {
    type: 'object',
    properties: {
      inputs: {
        $ref: 'ConversationInputs',
      },
      stream: {
        type: 'boolean',
        default: false,
      },
      store: {
        type: 'boolean',
        default: true,
      },
      handoff_execution: {
        type: 'string',
        enum: ['client', 'server'],
        default: 'server',
      },
      completion_args: {
        $ref: 'CompletionArgs',
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            $ref: 'MetadataDict',
          },
          {
            type: 'null',
          },
        ],
      },
      from_entry_id: {
        type: 'string',
      },
      agent_version: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'integer',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['from_entry_id'],
    additionalProperties: false,
  },
  SystemMessage: {
    type: 'object',
    properties: {
      role: {
        type: 'string',
        default: 'system',
        const: 'system',
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'array',
            items: {
              $ref: 'SystemMessageContentChunks',
            },
          },
        ],
      },
    },
    required: ['content'],
    additionalProperties: false,
  },
  SystemMessageContentChunks: {
    oneOf: [
      {
        $ref: 'TextChunk',
      },
      {
        $ref: 'ThinkChunk',
      },
    ],
    discriminator: {
      propertyName: 'type',
      mapping: {
        text: 'TextChunk',
        thinking: 'ThinkChunk',
      },
    },
  },
  TextChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'text',
        const: 'text',
      },
      text: {
        type: 'string',
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  ThinkChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'thinking',
        const: 'thinking',
      },
      thinking: {
        type: 'array',
        items: {
          anyOf: [
            {
              $ref: 'TextChunk',
            },
            {
              $ref: 'ToolReferenceChunk',
            },
            {
              $ref: 'ReferenceChunk',
            },
          ],
        },
      },
      signature: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      closed: {
        type: 'boolean',
        default: true,
      },
    },
    required: ['thinking'],
    additionalProperties: false,
  },
  Tool: {
    type: 'object',
    properties: {
      type: {
        $ref: 'ToolTypes',
        default: 'function',
      },
      function: {
        $ref: 'Function',
      },
    },
    required: ['function'],
    additionalProperties: false,
  },
  ToolCall: {
    type: 'object',
    properties: {
      id: {
        type: 'string',
        default: 'null',
      },
      type: {
        $ref: 'ToolTypes',
        default: 'function',
      },
      function: {
        $ref: 'FunctionCall',
      },
      index: {
        type: 'integer',
        default: 0,
      },
    },
    required: ['function'],
    additionalProperties: false,
  },
  ToolCallConfirmation: {
    type: 'object',
    properties: {
      tool_call_id: {
        type: 'string',
      },
      confirmation: {
        type: 'string',
        enum: ['allow', 'deny'],
      },
    },
    required: ['tool_call_id', 'confirmation'],
    additionalProperties: false,
  },
  ToolChoice: {
    type: 'object',
    properties: {
      type: {
        $ref: 'ToolTypes',
        default: 'function',
      },
      function: {
        $ref: 'FunctionName',
      },
    },
    required: ['function'],
    additionalProperties: false,
  },
  ToolChoiceEnum: {
    type: 'string',
    enum: ['auto', 'none', 'any', 'required'],
  },
  ToolConfiguration: {
    type: 'object',
    properties: {
      exclude: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      include: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      requires_confirmation: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
          },
          {
            type: 'null',
          },
        ],
      },
    },
    additionalProperties: false,
  },
  ToolExecutionEntry: {
    type: 'object',
    properties: {
      object: {
        type: 'string',
        default: 'entry',
        const: 'entry',
      },
      type: {
        type: 'string',
        default: 'tool.execution',
        const: 'tool.execution',
      },
      created_at: {
        type: 'string',
        format: 'date-time',
      },
      completed_at: {
        anyOf: [
          {
            type: 'string',
            format: 'date-time',
          },
          {
            type: 'null',
          },
        ],
      },
      agent_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      id: {
        type: 'string',
      },
      name: {
        anyOf: [
          {
            $ref: 'BuiltInConnectors',
          },
          {
            type: 'string',
          },
        ],
      },
      arguments: {
        type: 'string',
      },
      info: {
        $ref: 'ToolExecutionInfo',
      },
    },
    required: ['name', 'arguments'],
    additionalProperties: false,
  },
  ToolExecutionInfo: {
    type: 'object',
    additionalProperties: true,
  },
  ToolFileChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'tool_file',
        const: 'tool_file',
      },
      tool: {
        anyOf: [
          {
            $ref: 'BuiltInConnectors',
          },
          {
            type: 'string',
          },
        ],
      },
      file_id: {
        type: 'string',
      },
      file_name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      file_type: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['tool', 'file_id'],
    additionalProperties: false,
  },
  ToolMessage: {
    type: 'object',
    properties: {
      role: {
        type: 'string',
        default: 'tool',
        const: 'tool',
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
          {
            type: 'array',
            items: {
              $ref: 'ContentChunk',
            },
          },
        ],
      },
      tool_call_id: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['content'],
    additionalProperties: false,
  },
  ToolReferenceChunk: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        default: 'tool_reference',
        const: 'tool_reference',
      },
      tool: {
        anyOf: [
          {
            $ref: 'BuiltInConnectors',
          },
          {
            type: 'string',
          },
        ],
      },
      title: {
        type: 'string',
      },
      url: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      favicon: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
    },
    required: ['tool', 'title'],
    additionalProperties: false,
  },
  ToolTypes: {
    type: 'string',
    enum: ['function'],
  },
  UpdateAgentRequest: {
    type: 'object',
    properties: {
      instructions: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      tools: {
        type: 'array',
        items: {
          oneOf: [
            {
              $ref: 'FunctionTool',
            },
            {
              $ref: 'WebSearchTool',
            },
            {
              $ref: 'WebSearchPremiumTool',
            },
            {
              $ref: 'CodeInterpreterTool',
            },
            {
              $ref: 'ImageGenerationTool',
            },
            {
              $ref: 'DocumentLibraryTool',
            },
            {
              $ref: 'CustomConnector',
            },
          ],
          discriminator: {
            propertyName: 'type',
            mapping: {
              code_interpreter: 'CodeInterpreterTool',
              connector: 'CustomConnector',
              document_library: 'DocumentLibraryTool',
              function: 'FunctionTool',
              image_generation: 'ImageGenerationTool',
              web_search: 'WebSearchTool',
              web_search_premium: 'WebSearchPremiumTool',
            },
          },
        },
      },
      completion_args: {
        $ref: 'CompletionArgs',
      },
      guardrails: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'GuardrailConfig',
            },
          },
          {
            type: 'null',
          },
        ],
      },
      model: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      handoffs: {
        anyOf: [
          {
            type: 'array',
            items: {
              type: 'string',
            },
            minItems: 1,
          },
          {
            type: 'null',
          },
        ],
      },
      deployment_chat: {
        anyOf: [
          {
            type: 'boolean',
          },
          {
            type: 'null',
          },
        ],
      },
      metadata: {
        anyOf: [
          {
            $ref: 'MetadataDict',
          },
          {
            type: 'null',
          },
        ],
      },
      version_message: {
        anyOf: [
          {
            type: 'string',
            maxLength: 500,
          },
          {
            type: 'null',
          },
        ],
      },
    },
    additionalProperties: false,
  },
  UpdateConnectorRequest: {
    type: 'object',
    properties: {
      title: {
        anyOf: [
          {
            type: 'string',
            maxLength: 255,
          },
          {
            type: 'null',
          },
        ],
      },
      name: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      description: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      icon_url: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      system_prompt: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
        ],
      },
      protocol: {
        type: 'string',
        default: 'mcp',
        const: 'mcp',
      },
      server: {
        anyOf: [
          {
            type: 'string',
            maxLength: 2083,
            minLength: 1,
            format: 'uri',
          },
          {
            type: 'null',
          },
        ],
      },
      auth_methods: {
        anyOf: [
          {
            type: 'array',
            items: {
              $ref: 'AuthenticationMethodCreateOrUpdateRequest',
            },
          },
          {
            type: 'null',
          },
        ],
      },
    },
  },
  UserMessage: {
    type: 'object',
    properties: {
      role: {
        type: 'string',
        default: 'user',
        const: 'user',
      },
      content: {
        anyOf: [
          {
            type: 'string',
          },
          {
            type: 'null',
          },
          {
            type: 'array',
            items: {
              $ref: 'ContentChunk',
            },
          },
        ],
      },
    },
    required: ['content'],
    additionalProperties: false,
  },
  WebSearchPremiumTool: {
    type: 'object',
    properties: {
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
      type: {
        type: 'string',
        enum: ['web_search_premium'],
        default: 'web_search_premium',
      },
    },
    additionalProperties: false,
  },
  WebSearchTool: {
    type: 'object',
    properties: {
      tool_configuration: {
        anyOf: [
          {
            $ref: 'ToolConfiguration',
          },
          {
            type: 'null',
          },
        ],
      },
      type: {
        type: 'string',
        enum: ['web_search'],
        default: 'web_search',
      },
    },
    additionalProperties: false,
  },
};
