import { registerSecret } from '@mistral-flows/core';
import type { ConnectionOptions } from 'bullmq';

interface AddressFields {
  url?: unknown;
  host?: unknown;
  port?: unknown;
  path?: unknown;
  password?: unknown;
  /** An ioredis instance keeps its settings here. */
  options?: AddressFields;
  /** An ioredis Cluster. */
  startupNodes?: unknown;
}

/**
 * Where a BullMQ connection points, for error messages: `host:port` (ioredis' defaults
 * `127.0.0.1:6379` filled in), a socket path, or `a cluster`. Never the credentials: a password
 * found on the way is registered with core's `redact` so that no error or log carries it.
 */
export function redisAddress(connection: ConnectionOptions): string {
  const fields = connection as AddressFields;
  if (fields.startupNodes !== undefined) return 'a Redis cluster';
  const settings = fields.options && typeof fields.options === 'object' ? fields.options : fields;
  if (typeof settings.password === 'string') registerSecret(settings.password);
  if (typeof settings.url === 'string') {
    try {
      const url = new URL(settings.url);
      if (url.password) {
        registerSecret(url.password);
        registerSecret(decodeURIComponent(url.password));
      }
      return `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
    } catch {
      return '(a Redis URL that does not parse)';
    }
  }
  if (typeof settings.path === 'string') return settings.path;
  const host =
    typeof settings.host === 'string' && settings.host !== '' ? settings.host : '127.0.0.1';
  const port =
    typeof settings.port === 'number' || typeof settings.port === 'string' ? settings.port : 6379;
  return `${host}:${port}`;
}
