import { notFound } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import { modelCard } from '../models/model-catalogue.js';
import type { RouteSpec } from '../server/route.js';

/** `GET /v1/models`: the served models (Mistral's list and the configured `models`). */
export const listModels: RouteSpec = {
  body: 'none',
  service: 'api',
  handler({ res, runtime }) {
    const body = runtime.models.listBody;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  },
};

/** `GET /v1/models/{model_id}`: by id or alias; 404 for an unknown model. */
export const retrieveModel: RouteSpec = {
  body: 'none',
  service: 'api',
  handler({ res, params, runtime }) {
    const id = params.model_id!;
    const spec = runtime.models.get(id);
    if (!spec) throw notFound('Model', id);
    sendJson(res, 200, modelCard(spec));
  },
};
