import { ApiError, storedKey } from './api.ts';

/**
 * Downloads an API file with the signed-in key (a plain link cannot send the Authorization
 * header), checks its sha256 against the server's `x-content-sha256`, then saves it.
 * @returns the verified hex digest
 */
export async function downloadVerified(path: string): Promise<string> {
  const key = storedKey();
  const response = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(response.status, body?.error?.code ?? `HTTP_${response.status}`, body?.error?.message ?? response.statusText);
  }
  const bytes = await response.arrayBuffer();
  const expected = response.headers.get('x-content-sha256');
  // crypto.subtle exists only in secure contexts (https, localhost); elsewhere the server's digest is reported unchecked.
  const digest = crypto.subtle ? Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('') : (expected ?? '');
  if (expected && expected !== digest) throw new ApiError(0, 'CHECKSUM_MISMATCH', `sha256 ${digest} differs from the server's ${expected}`);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const url = URL.createObjectURL(new Blob([bytes], { type: response.headers.get('content-type') ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return digest;
}
