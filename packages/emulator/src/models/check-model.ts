import { HttpError } from '../http/http-error.js';
import type { ModelCatalogue } from './model-catalogue.js';

/**
 * The real API's answer to a model it does not serve: a 400 with its error body
 * `{"object":"error","message":"Invalid model: <name>","type":"invalid_model","param":null,"code":"1500","raw_status_code":400}`.
 */
export function invalidModel(model: string): HttpError {
  return new HttpError(400, {
    object: 'error',
    message: `Invalid model: ${model}`,
    type: 'invalid_model',
    param: null,
    code: '1500',
    raw_status_code: 400,
  });
}

/** Throws the real API's 400 `invalid_model` answer unless `model` is served. */
export function checkModel(models: ModelCatalogue, model: unknown): void {
  if (typeof model === 'string' && !models.has(model)) throw invalidModel(model);
}
