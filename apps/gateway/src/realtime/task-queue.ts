/**
 * Runs one connection's message handlers one at a time, in arrival order, so
 * a `join_session` that waits on Redis is done before the message after it.
 * A failing task is reported and does not stop the ones after it.
 */
export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => unknown): void {
    this.tail = this.tail.then(() => task()).then(() => undefined, this.onError);
  }
}
