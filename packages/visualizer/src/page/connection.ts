import type { FullState, VisualizerRecord } from '../protocol.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionHandlers {
  /** A full state arrived (first load, or the server could not replay what was missed). */
  onState(state: FullState): void;
  onRecords(records: VisualizerRecord[]): void;
  onStatus(status: ConnectionStatus): void;
}

/**
 * Subscribes to the server's event stream. EventSource reconnects by itself and sends the last
 * `id:` it saw as `Last-Event-ID`, so the server replays exactly what was missed. Messages are
 * queued and handed over in batches, once per animation frame.
 */
export function connect(url: string, handlers: ConnectionHandlers): () => void {
  const source = new EventSource(url);
  let queue: Array<{ state: true; data: string } | { state: false; data: string }> = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    let records: VisualizerRecord[] = [];
    for (const item of batch) {
      if (item.state) {
        if (records.length > 0) handlers.onRecords(records);
        records = [];
        handlers.onState(JSON.parse(item.data) as FullState);
      } else {
        records.push(JSON.parse(item.data) as VisualizerRecord);
      }
    }
    if (records.length > 0) handlers.onRecords(records);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // A frame when visible; a timer keeps background tabs from queueing without bound.
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      flush();
    };
    requestAnimationFrame(run);
    setTimeout(run, 250);
  };

  handlers.onStatus('connecting');
  source.addEventListener('open', () => handlers.onStatus('live'));
  source.addEventListener('error', () => handlers.onStatus('reconnecting'));
  source.addEventListener('state', (event) => {
    queue.push({ state: true, data: (event as MessageEvent<string>).data });
    schedule();
  });
  source.addEventListener('message', (event) => {
    queue.push({ state: false, data: event.data as string });
    schedule();
  });
  return () => source.close();
}
