// Pure event bus: typed, synchronous publish/subscribe between the engines and observability
// (logs, metrics). Protocol code emits; sinks subscribe. A throwing subscriber never reaches the emitter.

/** A map from event name to payload type. */
export type EventMap = Record<string, object>;

export type Handler<P> = (payload: P, name: string) => void;

export class EventBus<M extends { [K in keyof M]: object }> {
  private readonly handlers = new Map<keyof M, Set<Handler<never>>>();
  private readonly any = new Set<Handler<M[keyof M]>>();
  /** Subscriber failures, so a broken sink is visible without breaking the emitter. */
  subscriberErrors = 0;
  /** Called with a subscriber's exception (default: ignore after counting). */
  onSubscriberError: (e: unknown, name: string) => void = () => {};

  /** Subscribe to one event; returns the unsubscribe function. */
  on<K extends keyof M>(name: K, h: Handler<M[K]>): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(h as Handler<never>);
    return () => set.delete(h as Handler<never>);
  }

  /** Subscribe to every event (loggers). */
  onAny(h: Handler<M[keyof M]>): () => void {
    this.any.add(h);
    return () => this.any.delete(h);
  }

  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const call = (h: Handler<M[K]>): void => {
      try {
        h(payload, name as string);
      } catch (e) {
        this.subscriberErrors++;
        try {
          this.onSubscriberError(e, name as string);
        } catch {
          /* the error reporter itself failed: counted above */
        }
      }
    };
    for (const h of this.handlers.get(name) ?? []) call(h as Handler<M[K]>);
    for (const h of this.any) call(h as Handler<M[K]>);
  }
}
