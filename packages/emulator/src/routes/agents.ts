import { asString } from '../http/as-string.js';
import { agentJson, aliasJson, type StoredAgent } from '../agents/agent-store.js';
import { notFound, validationError } from '../http/http-error.js';
import { pageItems, pageParams } from '../http/pagination.js';
import { boolParam, intParam, jsonObjectParam, metadataMatches } from '../http/query-params.js';
import { sendJson, sendNoContent } from '../http/respond.js';
import { checkModel } from '../models/check-model.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import { validateRequest } from '../validation/validate-request.js';

type Json = Record<string, unknown>;

function findAgent(ctx: RouteContext): StoredAgent {
  const id = ctx.params.agent_id!;
  const agent = ctx.runtime.agents.get(id);
  if (!agent) throw notFound('Agent', id);
  return agent;
}

function versionOrThrow(
  ctx: RouteContext,
  agent: StoredAgent,
  ref: string | null | undefined,
): number {
  const version = ctx.runtime.agents.resolveVersion(agent, ref);
  if (version === undefined) throw notFound(`Version ${String(ref)} of agent`, agent.id);
  return version;
}

/** Agents matching the list filters, newest first. */
function filterAgents(ctx: RouteContext): Json[] {
  const q = ctx.query;
  const deploymentChat = boolParam(q, 'deployment_chat');
  const sources = q.getAll('sources');
  const name = q.get('name');
  const search = q.get('search')?.toLowerCase();
  const id = q.get('id');
  const metadata = jsonObjectParam(q, 'metadata');
  return ctx.runtime.agents
    .list()
    .map((agent) => agentJson(agent))
    .filter(
      (a) =>
        (deploymentChat === undefined || a.deployment_chat === deploymentChat) &&
        (sources.length === 0 || sources.includes(a.source as string)) &&
        (!name || a.name === name) &&
        (!id || a.id === id) &&
        (!search ||
          String(a.name).toLowerCase().includes(search) ||
          asString(a.description).toLowerCase().includes(search)) &&
        (!metadata || metadataMatches(a.metadata as Json | null, metadata)),
    )
    .reverse();
}

/** `POST /v1/agents` */
export const createAgent: RouteSpec = {
  body: 'json',
  service: 'api',
  handler(ctx) {
    const issues = validateRequest('CreateAgentRequest', ctx.body);
    if (issues.length > 0) throw validationError(issues);
    checkModel(ctx.runtime.models, (ctx.body as Json).model);
    const agent = ctx.runtime.agents.create(ctx.body as Json);
    sendJson(ctx.res, 200, agentJson(agent));
  },
};

/** `GET /v1/agents`: a bare array. */
export const listAgents: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const page = pageParams(ctx.query, 20, 1000);
    sendJson(ctx.res, 200, pageItems(filterAgents(ctx), page));
  },
};

/** `GET /v1/agents/pages`: cursor pagination; the token is the offset of the next page. */
export const listAgentPages: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const pageSize = intParam(ctx.query, 'page_size', 20, { min: 1, max: 1000 });
    const token = ctx.query.get('page_token');
    const offset = token && /^\d+$/.test(token) ? Number(token) : 0;
    const all = filterAgents(ctx);
    const data = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? String(offset + pageSize) : null;
    sendJson(ctx.res, 200, { object: 'list', data, next_page_token: next });
  },
};

/** `GET /v1/agents/{agent_id}[?agent_version=]` */
export const getAgent: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const version = versionOrThrow(ctx, agent, ctx.query.get('agent_version'));
    sendJson(ctx.res, 200, agentJson(agent, version));
  },
};

/** `PATCH /v1/agents/{agent_id}`: a new version, made active. */
export const updateAgent: RouteSpec = {
  body: 'json',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const issues = validateRequest('UpdateAgentRequest', ctx.body);
    if (issues.length > 0) throw validationError(issues);
    checkModel(ctx.runtime.models, (ctx.body as Json).model);
    ctx.runtime.agents.update(agent, ctx.body as Json);
    sendJson(ctx.res, 200, agentJson(agent));
  },
};

/** `DELETE /v1/agents/{agent_id}`: 204. */
export const deleteAgent: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    findAgent(ctx);
    ctx.runtime.agents.delete(ctx.params.agent_id!);
    sendNoContent(ctx.res);
  },
};

/** `PATCH /v1/agents/{agent_id}/version?version=N`: switches the active version. */
export const switchAgentVersion: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    if (ctx.query.get('version') === null) {
      throw validationError([
        { type: 'missing', loc: ['query', 'version'], msg: 'Field required', input: null },
      ]);
    }
    const requested = intParam(ctx.query, 'version', 0);
    const version = versionOrThrow(ctx, agent, String(requested));
    agent.active = version;
    sendJson(ctx.res, 200, agentJson(agent, version));
  },
};

/** `GET /v1/agents/{agent_id}/versions`: every version, newest first. */
export const listAgentVersions: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const page = pageParams(ctx.query, 20, 100);
    const all = agent.versions.map((v) => agentJson(agent, v.version)).reverse();
    sendJson(ctx.res, 200, pageItems(all, page));
  },
};

/** `GET /v1/agents/{agent_id}/versions/{version}`: a number or an alias. */
export const getAgentVersion: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const version = versionOrThrow(ctx, agent, ctx.params.version);
    sendJson(ctx.res, 200, agentJson(agent, version));
  },
};

const aliasPattern = /^[a-z]([a-z0-9_-]*[a-z0-9])?$/;

function aliasParam(ctx: RouteContext): string {
  const alias = ctx.query.get('alias');
  if (alias === null) {
    throw validationError([
      { type: 'missing', loc: ['query', 'alias'], msg: 'Field required', input: null },
    ]);
  }
  if (alias.length < 1 || alias.length > 64 || !aliasPattern.test(alias)) {
    throw validationError([
      {
        type: 'string_pattern_mismatch',
        loc: ['query', 'alias'],
        msg: `String should match pattern '${aliasPattern.source}'`,
        input: alias,
      },
    ]);
  }
  return alias;
}

/** `PUT /v1/agents/{agent_id}/aliases?alias=&version=` */
export const putAgentAlias: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const alias = aliasParam(ctx);
    if (ctx.query.get('version') === null) {
      throw validationError([
        { type: 'missing', loc: ['query', 'version'], msg: 'Field required', input: null },
      ]);
    }
    const version = versionOrThrow(ctx, agent, String(intParam(ctx.query, 'version', 0)));
    sendJson(ctx.res, 200, aliasJson(ctx.runtime.agents.setAlias(agent, alias, version)));
  },
};

/** `GET /v1/agents/{agent_id}/aliases` */
export const listAgentAliases: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    sendJson(ctx.res, 200, [...agent.aliases.values()].map(aliasJson));
  },
};

/** `DELETE /v1/agents/{agent_id}/aliases?alias=`: 204. */
export const deleteAgentAlias: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const agent = findAgent(ctx);
    const alias = aliasParam(ctx);
    if (!agent.aliases.delete(alias)) throw notFound(`Alias ${alias} of agent`, agent.id);
    sendNoContent(ctx.res);
  },
};
