import {
  connectorJson,
  type ConnectorStore,
  type StoredConnector,
} from '../connectors/connector-store.js';
import { apiError, notFound, validationError } from '../http/http-error.js';
import { boolParam, intParam } from '../http/query-params.js';
import { sendJson } from '../http/respond.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import type { ValidationIssue } from '../validation/schema-types.js';
import { validateRequest } from '../validation/validate-request.js';

type Json = Record<string, unknown>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * What the schema does not say but the API checks: a name of at most 64 letters, digits, `_` or
 * `-` (it names the connector in URLs), and a server given as an absolute URL.
 */
function fieldIssues(body: Json): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof body.name === 'string' && !NAME.test(body.name)) {
    issues.push({
      type: 'string_pattern_mismatch',
      loc: ['body', 'name'],
      msg: `String should match pattern '${NAME.source}'`,
      input: body.name,
    });
  }
  if (typeof body.server === 'string' && !URL.canParse(body.server)) {
    issues.push({
      type: 'url_parsing',
      loc: ['body', 'server'],
      msg: 'Input should be a valid URL, relative URL without a base',
      input: body.server,
    });
  }
  return issues;
}

/** 409 when another connector already has this name. */
function checkNameFree(store: ConnectorStore, name: unknown, self?: StoredConnector): void {
  if (typeof name !== 'string') return;
  const other = store.byName(name);
  if (other && other !== self) {
    throw apiError(409, `A connector named ${name} already exists`, { code: 'already_exists' });
  }
}

/** The connector of a `{connector_id}` path (a UUID: anything else is a 422, as in the API). */
function findById(ctx: RouteContext): StoredConnector {
  const id = ctx.params.connector_id!;
  if (!UUID.test(id)) {
    throw validationError([
      {
        type: 'uuid_parsing',
        loc: ['path', 'connector_id'],
        msg: 'Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-]',
        input: id,
      },
    ]);
  }
  const connector = ctx.runtime.connectors.get(id);
  if (!connector) throw notFound('Connector', id);
  return connector;
}

/** `POST /v1/connectors`: 201 with the connector. */
export const createConnector: RouteSpec = {
  body: 'json',
  service: 'api',
  handler(ctx) {
    const body = ctx.body as Json;
    const issues = validateRequest('CreateConnectorRequest', body);
    if (issues.length > 0) throw validationError(issues);
    const more = fieldIssues(body);
    if (more.length > 0) throw validationError(more);
    checkNameFree(ctx.runtime.connectors, body.name);
    sendJson(ctx.res, 201, connectorJson(ctx.runtime.connectors.create(body)));
  },
};

/**
 * `GET /v1/connectors`: newest first, `page_size` (1 to 1000, 100) per page, `cursor` the
 * `next_cursor` of the page before; `active` (the exploded `query_filters`) filters, and every
 * emulated connector is active.
 */
export const listConnectors: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const pageSize = intParam(ctx.query, 'page_size', 100, { min: 1, max: 1000 });
    const cursor = ctx.query.get('cursor');
    if (cursor !== null && cursor !== '' && !/^\d+$/.test(cursor)) {
      throw validationError([
        {
          type: 'value_error',
          loc: ['query', 'cursor'],
          msg: 'Value error, invalid cursor',
          input: cursor,
        },
      ]);
    }
    const offset = cursor ? Number(cursor) : 0;
    const active = boolParam(ctx.query, 'active');
    const all = active === false ? [] : ctx.runtime.connectors.list().reverse();
    const items = all.slice(offset, offset + pageSize).map(connectorJson);
    const next = offset + pageSize < all.length ? String(offset + pageSize) : null;
    sendJson(ctx.res, 200, { items, pagination: { next_cursor: next, page_size: pageSize } });
  },
};

/** `GET /v1/connectors/{connector_id_or_name}` */
export const getConnector: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const key = ctx.params.connector_id_or_name!;
    const connector = ctx.runtime.connectors.find(key);
    if (!connector) throw notFound('Connector', key);
    sendJson(ctx.res, 200, connectorJson(connector));
  },
};

/** `PATCH /v1/connectors/{connector_id}`: changes the fields given. */
export const updateConnector: RouteSpec = {
  body: 'json',
  service: 'api',
  handler(ctx) {
    const connector = findById(ctx);
    const body = ctx.body as Json;
    const issues = validateRequest('UpdateConnectorRequest', body);
    if (issues.length > 0) throw validationError(issues);
    const more = fieldIssues(body);
    if (more.length > 0) throw validationError(more);
    checkNameFree(ctx.runtime.connectors, body.name, connector);
    sendJson(ctx.res, 200, connectorJson(ctx.runtime.connectors.update(connector, body)));
  },
};

/** `DELETE /v1/connectors/{connector_id}`: 200 with a message. */
export const deleteConnector: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const connector = findById(ctx);
    ctx.runtime.connectors.delete(connector.id);
    sendJson(ctx.res, 200, { message: `Connector ${connector.id} deleted` });
  },
};
