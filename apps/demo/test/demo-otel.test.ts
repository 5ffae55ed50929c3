import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-cli.js';

describe('demo --otel', () => {
  it('prints the trace tree of each scenario: the turn over its model calls and tool call, the streamed chats', async () => {
    const { code, stdout } = await runDemo([
      '--otel',
      '--no-color',
      '--scenario',
      'agents',
      '--scenario',
      'stream',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('OpenTelemetry: a trace tree after each scenario');
    const lines = stdout.split('\n').map((l) => l.trim());
    expect(lines).toContainEqual(expect.stringMatching(/^scenario agents {2}\d+ ms$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^└─ invoke_agent \S+ .*conversation code-review/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^[├└]─ execute_tool search_codebase /));
    expect(lines.filter((l) => /^[├└]─ chat .*finish (stop|tool_calls)/.test(l)).length).toBe(4);
    expect(lines).toContainEqual(expect.stringMatching(/^└─ chat mistral-small-latest .*error/));
  });

  it('exports to OTEL_EXPORTER_OTLP_ENDPOINT over OTLP/HTTP instead', async () => {
    const names: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const request = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }>;
        };
        for (const rs of request.resourceSpans)
          for (const ss of rs.scopeSpans) for (const span of ss.spans) names.push(span.name);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const { code, stdout } = await runDemo(['--otel', '--no-color', '--scenario', 'stream'], {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      });
      expect(code).toBe(0);
      expect(stdout).toContain(`OpenTelemetry: OTLP/HTTP to ${endpoint}`);
      expect(stdout).not.toContain('scenario stream  ');
      expect(names).toContain('scenario stream');
      expect(names.filter((n) => n === 'chat mistral-small-latest')).toHaveLength(3);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
