import { createHash } from 'node:crypto';
import { EmulatorConfigError } from '../errors/emulator-config-error.js';

type Capability =
  | 'completion_chat'
  | 'function_calling'
  | 'reasoning'
  | 'completion_fim'
  | 'fine_tuning'
  | 'vision'
  | 'ocr'
  | 'classification'
  | 'moderation'
  | 'audio';

const capabilityNames: Capability[] = [
  'completion_chat',
  'function_calling',
  'reasoning',
  'completion_fim',
  'fine_tuning',
  'vision',
  'ocr',
  'classification',
  'moderation',
  'audio',
];

/** One model the emulator serves: its card in `GET /v1/models`. */
export interface ModelSpec {
  id: string;
  name: string;
  description: string;
  aliases: string[];
  context: number;
  capabilities: Capability[];
  /** Fine-tuned models (`ft:<root>:<owner>:<date>:<suffix>`): the base model and the owner. */
  fineTuned?: { root: string; owner: string };
}

const chat: Capability[] = ['completion_chat', 'function_calling'];

/** Mistral's models as `GET /v1/models` lists them; the names the emulator serves by default. */
export const defaultModels: readonly ModelSpec[] = [
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
    id: 'devstral-small-latest',
    name: 'devstral-small-2507',
    description: 'Agentic code model',
    aliases: ['devstral-small-2507'],
    context: 131072,
    capabilities: [...chat],
  },
  {
    id: 'devstral-medium-latest',
    name: 'devstral-medium-2507',
    description: 'Agentic code model',
    aliases: ['devstral-medium-2507'],
    context: 131072,
    capabilities: [...chat],
  },
  {
    id: 'magistral-small-latest',
    name: 'magistral-small-2509',
    description: 'Reasoning model',
    aliases: ['magistral-small-2509'],
    context: 131072,
    capabilities: [...chat, 'reasoning', 'vision'],
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
    id: 'pixtral-large-latest',
    name: 'pixtral-large-2411',
    description: 'Vision model',
    aliases: ['pixtral-large-2411'],
    context: 131072,
    capabilities: [...chat, 'vision'],
  },
  {
    id: 'voxtral-small-latest',
    name: 'voxtral-small-2507',
    description: 'Audio model',
    aliases: ['voxtral-small-2507'],
    context: 32768,
    capabilities: [...chat, 'audio'],
  },
  {
    id: 'voxtral-mini-latest',
    name: 'voxtral-mini-2507',
    description: 'Audio model',
    aliases: ['voxtral-mini-2507'],
    context: 32768,
    capabilities: [...chat, 'audio'],
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
    id: 'codestral-embed',
    name: 'codestral-embed-2505',
    description: 'Code embedding model',
    aliases: ['codestral-embed-2505'],
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
  {
    id: 'mistral-ocr-latest',
    name: 'mistral-ocr-2505',
    description: 'OCR model',
    aliases: ['mistral-ocr-2505'],
    context: 32768,
    capabilities: ['ocr'],
  },
];

const created = 1750000000;

/**
 * The models one emulator serves: Mistral's list plus the names given with the `models` option
 * (`--model`). A request naming any other model is refused, as the real API refuses a model it does
 * not serve. A fine-tuned id (`ft:<root>:<owner>:<date>:<suffix>`) is served only when configured,
 * and is listed with a `fine-tuned` card.
 */
export class ModelCatalogue {
  private readonly specs: ModelSpec[];
  private readonly byName = new Map<string, ModelSpec>();
  /** The `GET /v1/models` answer, serialised once. */
  readonly listBody: string;

  constructor(extra: readonly string[] = []) {
    this.specs = [...defaultModels];
    for (const spec of this.specs) this.index(spec);
    for (const name of extra) {
      if (typeof name !== 'string' || name.trim() !== name || name === '' || /\s/.test(name)) {
        throw new EmulatorConfigError(
          `models: ${JSON.stringify(name)} is not a model name (a non-empty string without spaces)`,
        );
      }
      if (this.byName.has(name)) continue;
      const spec = extraModel(name);
      this.specs.push(spec);
      this.index(spec);
    }
    this.listBody = JSON.stringify({ object: 'list', data: this.specs.map(modelCard) });
  }

  /** True when `name` is a served model id or alias. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The model a served id or alias names. */
  get(name: string): ModelSpec | undefined {
    return this.byName.get(name);
  }

  private index(spec: ModelSpec): void {
    this.byName.set(spec.id, spec);
    for (const alias of spec.aliases) this.byName.set(alias, spec);
  }
}

/** A configured name: a fine-tuned card for `ft:` ids, else a chat model. */
function extraModel(name: string): ModelSpec {
  const parts = name.split(':');
  if (parts[0] === 'ft' && parts.length >= 3 && parts[1] !== '' && parts[2] !== '') {
    return {
      id: name,
      name,
      description: `Fine-tuned from ${parts[1]}`,
      aliases: [],
      context: 32768,
      capabilities: [...chat, 'fine_tuning'],
      fineTuned: { root: parts[1]!, owner: parts[2]! },
    };
  }
  return {
    id: name,
    name,
    description: 'Model added to the emulator',
    aliases: [],
    context: 32768,
    capabilities: [...chat],
  };
}

/** A model's card, `base` or `fine-tuned`, as `GET /v1/models` returns it. */
export function modelCard(spec: ModelSpec): Record<string, unknown> {
  const capabilities: Record<string, boolean> = {};
  for (const name of capabilityNames) capabilities[name] = spec.capabilities.includes(name);
  const card: Record<string, unknown> = {
    id: spec.id,
    object: 'model',
    created,
    owned_by: spec.fineTuned?.owner ?? 'mistralai',
    capabilities,
    name: spec.name,
    description: spec.description,
    max_context_length: spec.context,
    aliases: spec.aliases,
    deprecation: null,
    deprecation_replacement_model: null,
    default_model_temperature: 0.3,
    type: spec.fineTuned ? 'fine-tuned' : 'base',
  };
  if (spec.fineTuned) {
    card.job = jobId(spec.id);
    card.root = spec.fineTuned.root;
    card.archived = false;
  }
  return card;
}

/** A stable fine-tuning job id (UUID-shaped) for a fine-tuned model. */
function jobId(model: string): string {
  const hex = createHash('sha256').update(model).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
