/**
 * A scenario error that a streamed answer reports after the stream has started (a scenario rule's
 * `error.midStream`): conversations send a `conversation.response.error` event, chat streams are
 * cut after their first chunk, as the real API does.
 */
export class MidStreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MidStreamError';
  }
}
