import { notFound } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import type { RouteSpec } from '../server/route.js';

type Capability =
  | 'completion_chat'
  | 'function_calling'
  | 'reasoning'
  | 'completion_fim'
  | 'fine_tuning'
  | 'vision'
  | 'ocr'
  | 'classification'
  | 'moderation';

interface ModelSpec {
  id: string;
  name: string;
  description: string;
  aliases: string[];
  context: number;
  capabilities: Capability[];
}

const chat: Capability[] = ['completion_chat', 'function_calling'];

/** The models the emulator lists. Any model name is accepted in requests. */
const catalogue: ModelSpec[] = [
  {
    id: 'mistral-small-latest',
    name: 'mistral-small-2506',
    description: 'Small model',
    aliases: ['mistral-small-2506'],
    context: 131072,
    capabilities: [...chat, 'vision', 'fine_tuning'],
  },
  {
    id: 'mistral-medium-latest',
    name: 'mistral-medium-2508',
    description: 'Medium model',
    aliases: ['mistral-medium-2508'],
    context: 131072,
    capabilities: [...chat, 'vision'],
  },
  {
    id: 'mistral-large-latest',
    name: 'mistral-large-2411',
    description: 'Large model',
    aliases: ['mistral-large-2411'],
    context: 131072,
    capabilities: [...chat, 'fine_tuning'],
  },
  {
    id: 'ministral-3b-latest',
    name: 'ministral-3b-2410',
    description: 'Edge model',
    aliases: ['ministral-3b-2410'],
    context: 131072,
    capabilities: [...chat, 'fine_tuning'],
  },
  {
    id: 'ministral-8b-latest',
    name: 'ministral-8b-2410',
    description: 'Edge model',
    aliases: ['ministral-8b-2410'],
    context: 131072,
    capabilities: [...chat, 'fine_tuning'],
  },
  {
    id: 'open-mistral-nemo',
    name: 'open-mistral-nemo-2407',
    description: 'Open model',
    aliases: ['open-mistral-nemo-2407'],
    context: 131072,
    capabilities: [...chat, 'fine_tuning'],
  },
  {
    id: 'codestral-latest',
    name: 'codestral-2508',
    description: 'Code model',
    aliases: ['codestral-2508'],
    context: 256000,
    capabilities: [...chat, 'completion_fim', 'fine_tuning'],
  },
  {
    id: 'magistral-medium-latest',
    name: 'magistral-medium-2509',
    description: 'Reasoning model',
    aliases: ['magistral-medium-2509'],
    context: 131072,
    capabilities: [...chat, 'reasoning'],
  },
  {
    id: 'mistral-embed',
    name: 'mistral-embed',
    description: 'Embedding model',
    aliases: [],
    context: 8192,
    capabilities: [],
  },
  {
    id: 'mistral-moderation-latest',
    name: 'mistral-moderation-2411',
    description: 'Moderation model',
    aliases: ['mistral-moderation-2411'],
    context: 8192,
    capabilities: ['moderation', 'classification'],
  },
];

const created = 1750000000;

function card(spec: ModelSpec): Record<string, unknown> {
  const capabilities: Record<string, boolean> = {};
  for (const name of [
    'completion_chat',
    'function_calling',
    'reasoning',
    'completion_fim',
    'fine_tuning',
    'vision',
    'ocr',
    'classification',
    'moderation',
  ]) {
    capabilities[name] = spec.capabilities.includes(name as Capability);
  }
  return {
    id: spec.id,
    object: 'model',
    created,
    owned_by: 'mistralai',
    capabilities,
    name: spec.name,
    description: spec.description,
    max_context_length: spec.context,
    aliases: spec.aliases,
    deprecation: null,
    deprecation_replacement_model: null,
    default_model_temperature: 0.3,
    type: 'base',
  };
}

const listBody = JSON.stringify({ object: 'list', data: catalogue.map(card) });

/** `GET /v1/models` */
export const listModels: RouteSpec = {
  body: 'none',
  service: 'api',
  handler({ res }) {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(listBody),
    });
    res.end(listBody);
  },
};

/** `GET /v1/models/{model_id}`: by id or alias; 404 for an unknown model. */
export const retrieveModel: RouteSpec = {
  body: 'none',
  service: 'api',
  handler({ res, params }) {
    const id = params.model_id!;
    const spec = catalogue.find((m) => m.id === id || m.aliases.includes(id));
    if (!spec) throw notFound('Model', id);
    sendJson(res, 200, card(spec));
  },
};
