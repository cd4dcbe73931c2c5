// An event stream read as a client reads it (fetch, as a browser app with a token must): events parsed as
// the standard says, waited for one at a time, with everything else that came (comments, retry hints).
/** Only a guard against a stream that never sends what is waited for: far past any busy machine's delay. */
export const HANG_MS = 60_000;

export interface StreamEvent {
  event: string;
  id?: string;
  data?: any;
}

export interface OpenStream {
  status: number;
  headers: Headers;
  /** The next event (of this name, if given), waiting up to `timeoutMs`; rejects when none comes. */
  next(event?: string, timeoutMs?: number): Promise<StreamEvent>;
  /** Every event received so far and not yet taken by next(). */
  pending(): StreamEvent[];
  /** All the text received, comments and retry hints included. */
  text(): string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): Promise<void>;
}

export async function openStream(url: string, token: string | undefined, headers: Record<string, string> = {}): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, signal: abort.signal });
  const queue: StreamEvent[] = [];
  const waiters: Array<() => void> = [];
  let text = '';
  let buffer = '';
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const ended = (async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const chunk = decoder.decode(value, { stream: true });
        text += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n').filter((line) => line && !line.startsWith(':'));
          const field = (name: string) => fields.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
          if (field('data').length === 0 && field('event').length === 0) continue; // a retry hint or a comment
          const data = field('data').join('\n');
          queue.push({ event: field('event')[0] ?? 'message', id: field('id')[0], data: data ? JSON.parse(data) : undefined });
        }
        notify();
      }
    } catch {
      // aborted by close()
    } finally {
      notify();
    }
  })();
  let over = false;
  void ended.then(() => (over = true));
  return {
    status: response.status,
    headers: response.headers,
    async next(event, timeoutMs = HANG_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((e) => event === undefined || e.event === event);
        if (index >= 0) return queue.splice(index, 1)[0]!;
        if (over) throw new Error(`the stream ended before ${event ?? 'an event'} came; it sent:\n${text.slice(-1500)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event ?? 'event'} within ${timeoutMs} ms; the stream sent:\n${text.slice(-1500)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
    pending: () => [...queue],
    text: () => text,
    ended,
    async close() {
      abort.abort();
      await ended;
    },
  };
}
