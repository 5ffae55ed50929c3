export { deleteKeys, pingRedis as probeRedis } from '@mistral-flows/testing';

/** `url` without its password, for printing. */
export function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
