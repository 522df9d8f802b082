import { storedKey } from './api.ts';

export interface ServerEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a server-sent event stream with fetch, because EventSource cannot send the
 * Authorization header. Reconnects (after the server's `retry`) until `end` arrives or the
 * caller aborts; each wait is bounded by the server's own stream limit.
 */
export function subscribe(path: string, onEvent: (e: ServerEvent) => void, onState: (state: 'open' | 'retrying' | 'closed') => void): () => void {
  const controller = new AbortController();
  let ended = false;
  const connect = async (): Promise<void> => {
    let retryMs = 2000;
    while (!ended && !controller.signal.aborted) {
      try {
        const key = storedKey();
        const response = await fetch(path, { headers: { accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) }, signal: controller.signal });
        if (!response.ok || !response.body) {
          onEvent({ event: 'error', data: await response.json().catch(() => ({ error: { code: `HTTP_${response.status}`, message: response.statusText } })) });
          break;
        }
        onState('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
              else if (line.startsWith('retry: ')) retryMs = Number(line.slice(7)) || retryMs;
            }
            if (data.length === 0) continue;
            onEvent({ event, data: JSON.parse(data.join('\n')) });
            if (event === 'end') ended = true;
          }
        }
      } catch {
        if (controller.signal.aborted) break;
      }
      if (ended || controller.signal.aborted) break;
      onState('retrying');
      await new Promise((r) => setTimeout(r, retryMs));
    }
    onState('closed');
  };
  void connect();
  return () => controller.abort();
}
