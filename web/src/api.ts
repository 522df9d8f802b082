/**
 * The console's only way to the server: the public HTTP API, with the signed-in key as
 * `Authorization: Bearer`. The key lives in sessionStorage (gone when the tab closes).
 */
const KEY = 'sharpline.apiKey';

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An API answer that was not 2xx, carrying the server's coded error. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** Bounded: a request that takes longer than this fails with a TIMEOUT naming the path. */
const TIMEOUT_MS = 60_000;

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { response, parsed } = await request(path, init);
  if (!response.ok) {
    const e = (parsed as ApiErrorBody | null)?.error;
    throw new ApiError(response.status, e?.code ?? `HTTP_${response.status}`, e?.message ?? response.statusText, e?.details);
  }
  return parsed as T;
}

/**
 * A request whose answer is read whatever its status, as a probe answers: `/readyz` says what is
 * down in a 503 body of its own shape, not as a coded error.
 */
export async function probe<T>(path: string): Promise<{ status: number; body: T }> {
  const { response, parsed } = await request(path, {});
  return { status: response.status, body: parsed as T };
}

async function request(path: string, init: RequestInit & { json?: unknown }): Promise<{ response: Response; parsed: unknown }> {
  const headers = new Headers(init.headers);
  const key = storedKey();
  if (key) headers.set('authorization', `Bearer ${key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(path, { ...init, body, headers, signal: controller.signal });
  } catch (error) {
    const aborted = (error as Error).name === 'AbortError';
    throw new ApiError(0, aborted ? 'TIMEOUT' : 'NETWORK', aborted ? `no answer from ${path} in ${TIMEOUT_MS / 1000} s` : `cannot reach the server (${path})`);
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text();
  return { response, parsed: text ? safeJson(text) : null };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Path segment escaping for model names, aliases and ids. */
export const seg = (value: string | number): string => encodeURIComponent(String(value));
