// Every call to the executor goes through here: same origin, JSON, the optional bearer token.

const TOKEN_KEY = 'spark.apiToken';

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lasts for this page only */
  }
}

export interface ErrorDetails {
  field?: string;
  reason?: string;
  position?: number;
  [key: string]: unknown;
}

/** The API's error envelope, `{"error": {code, message, details}}`, as an exception. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails | null,
  ) {
    super(message);
  }
  get field(): string | undefined {
    return this.details?.field;
  }
}

/** The API's paths are relative to the page, so the app works under any path prefix. */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

function headers(json: boolean): Record<string, string> {
  const out: Record<string, string> = { Accept: 'application/json' };
  if (json) out['Content-Type'] = 'application/json';
  const token = getToken();
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

async function toError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: ErrorDetails | null } };
    if (body && body.error) {
      return new ApiError(res.status, body.error.code ?? `HTTP_${res.status}`, body.error.message ?? res.statusText, body.error.details ?? null);
    }
  } catch {
    /* not the envelope: a proxy's page, say */
  }
  return new ApiError(res.status, `HTTP_${res.status}`, text.trim().slice(0, 600) || res.statusText || `HTTP ${res.status}`, null);
}

export async function apiJson<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', `the executor could not be reached: ${(e as Error).message}`, null);
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function apiText(path: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(apiUrl(path), { headers: headers(false), signal });
  if (!res.ok) throw await toError(res);
  return res.text();
}

export async function apiBlob(path: string): Promise<Blob> {
  const res = await fetch(apiUrl(path), { headers: headers(false) });
  if (!res.ok) throw await toError(res);
  return res.blob();
}

export const get = <T>(path: string, signal?: AbortSignal) => apiJson<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body: unknown, signal?: AbortSignal) => apiJson<T>('POST', path, body, signal);
export const del = <T>(path: string) => apiJson<T>('DELETE', path);

export const runPath = (runId: string, file = '') => `/backtest/runs/${encodeURIComponent(runId)}${file ? `/${file}` : ''}`;
