// Server-Sent Events from a response body, split as the standard splits them.

export interface RawEvent {
  event: string;
  id?: string;
  data: string;
  retry?: number;
}

export async function* parseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RawEvent> {
  // TextDecoder rather than TextDecoderStream: the DOM's and Node's typings of the latter disagree, so this
  // file would not compile where both are loaded.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event: RawEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of buffer.slice(0, end).split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') event.id = value;
          else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
        }
        buffer = buffer.slice(end + 2);
        event.data = data.join('\n');
        yield event;
      }
    }
  } finally {
    // Stops the download too when the reader leaves early (an abort, a consumer that breaks out).
    await reader.cancel().catch(() => {});
  }
}
