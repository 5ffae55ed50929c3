import { describe, expect, it } from 'vitest';
import { Router } from './router.js';
import { splitPath } from './split-path.js';

describe('splitPath', () => {
  it('finds the API path under any prefix and keeps the query', () => {
    expect(splitPath('/v1/models?x=1')).toEqual({ path: '/v1/models', prefix: '', query: 'x=1' });
    expect(splitPath('/a/b/v1/chat/completions')).toEqual({
      path: '/v1/chat/completions',
      prefix: '/a/b',
      query: '',
    });
    expect(splitPath('/p/_emulator/stats')).toEqual({
      path: '/_emulator/stats',
      prefix: '/p',
      query: '',
    });
    expect(splitPath('/other')).toEqual({ path: '/other', prefix: '', query: '' });
  });
});

describe('Router', () => {
  const router = new Router<string>()
    .add('GET', '/v1/agents', 'list')
    .add('GET', '/v1/agents/{agent_id}', 'get')
    .add('GET', '/v1/agents/{agent_id}/versions/{version}', 'version');

  it('matches static and templated paths and decodes parameters', () => {
    expect(router.match('GET', '/v1/agents')?.route.value).toBe('list');
    expect(router.match('GET', '/v1/agents/ag%201')).toMatchObject({
      route: { name: 'GET /v1/agents/{agent_id}' },
      params: { agent_id: 'ag 1' },
    });
    expect(router.match('GET', '/v1/agents/a/versions/2')?.params).toEqual({
      agent_id: 'a',
      version: '2',
    });
    expect(router.match('POST', '/v1/agents/a')).toBeUndefined();
    expect(router.hasPath('/v1/agents/a')).toBe(true);
    expect(router.match('GET', '/v1/agents/')).toBeUndefined();
  });
});
