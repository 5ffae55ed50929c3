import { filter, map, Subject, type Observable } from 'rxjs';

/** One published event: its name and payload. */
export interface BusEvent<Events, K extends keyof Events = keyof Events> {
  type: K;
  payload: Events[K];
}

export interface EventBusOptions {
  /**
   * Called when a listener registered with `on(type, listener)` throws. The error never reaches
   * the publisher or the other listeners. Default: written to stderr.
   */
  onListenerError?: (error: unknown, type: string) => void;
}

/**
 * A typed publish/subscribe bus on RxJS, for the event vocabulary of `@mistral-flows/core`
 * (`chat:start`, `chat:chunk`, ..., `batch:progress`, `queue:completed`) or any event map.
 *
 * `on(type)` gives an Observable; `on(type, listener)` registers a callback and returns the
 * function that removes it. A listener that throws does not break the others or the publisher.
 *
 * @example
 * const bus = new EventBus<MistralFlowsEvents>();
 * const off = bus.on('chat:chunk', ({ content }) => process.stdout.write(content));
 * bus.on('chat:complete').subscribe(({ usage }) => console.log(usage));
 */
export class EventBus<Events extends object> {
  private readonly subject = new Subject<BusEvent<Events>>();
  private readonly onListenerError: (error: unknown, type: string) => void;

  /** Every event, as `{ type, payload }`. */
  readonly events$: Observable<BusEvent<Events>> = this.subject.asObservable();

  constructor(options: EventBusOptions = {}) {
    this.onListenerError =
      options.onListenerError ??
      ((error, type) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`[EventBus] a listener of "${type}" threw: ${message}\n`);
      });
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    this.subject.next({ type, payload });
  }

  on<K extends keyof Events>(type: K): Observable<Events[K]>;
  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void;
  on<K extends keyof Events>(
    type: K,
    listener?: (payload: Events[K]) => void,
  ): Observable<Events[K]> | (() => void) {
    const events = this.subject.pipe(
      filter((event) => event.type === type),
      map((event) => event.payload as Events[K]),
    );
    if (!listener) return events;
    const subscription = events.subscribe((payload) => {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, String(type));
      }
    });
    return () => subscription.unsubscribe();
  }

  /** Ends every subscription. */
  complete(): void {
    this.subject.complete();
  }
}
