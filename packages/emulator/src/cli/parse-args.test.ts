import { describe, expect, it } from 'vitest';
import { parseArgs } from './parse-args.js';

describe('parseArgs', () => {
  it('reads every flag in both forms', () => {
    expect(
      parseArgs([
        '--port',
        '4010',
        '--host=0.0.0.0',
        '--api-key',
        'k',
        '--ttft-ms',
        '200',
        '--token-ms=15',
        '--fault-rate',
        '0.1',
        '--seed',
        '7',
        '--scenarios',
        's.json',
        '--rps',
        '50',
        '--data-dir',
        '/tmp/d',
        '--batch-rps',
        '100',
        '--batch-clock-scale',
        '3600',
        '--batch-fault-rate',
        '0.2',
        '--max-body-bytes',
        '1000',
        '--max-file-bytes',
        '2000',
        '--batch-concurrency',
        '2',
      ]),
    ).toEqual({
      help: false,
      options: {
        port: 4010,
        host: '0.0.0.0',
        apiKey: 'k',
        latency: { ttftMs: 200, tokenMs: 15 },
        faults: { rate: 0.1, batchLineRate: 0.2 },
        seed: 7,
        scenarios: 's.json',
        rps: 50,
        dataDir: '/tmp/d',
        batchRps: 100,
        batchClockScale: 3600,
        maxBodyBytes: 1000,
        maxFileBytes: 2000,
        batchConcurrency: 2,
      },
    });
  });

  it('returns help and rejects unknown flags, missing values and bad numbers', () => {
    expect(parseArgs(['--help'])).toEqual({ help: true });
    expect(parseArgs(['--', '--port', '1'])).toEqual({ help: false, options: { port: 1 } });
    expect(() => parseArgs(['--nope'])).toThrow(/Unknown option '--nope'/);
    expect(() => parseArgs(['--port'])).toThrow(/'--port <value>' argument missing/);
    expect(() => parseArgs(['--constructor', '1'])).toThrow(/Unknown option '--constructor'/);
    expect(() => parseArgs(['--port', '1.5'])).toThrow(/whole number/);
    expect(() => parseArgs(['--fault-rate', '1.2'])).toThrow(/between 0 and 1/);
    expect(() => parseArgs(['serve'])).toThrow(/Unexpected argument 'serve'/);
  });
});
