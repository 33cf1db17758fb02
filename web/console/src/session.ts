// Signing in through the identity service (docs/identity.md): POST /auth/sign-in answers an
// access token (5 minutes) and a refresh token; every refresh rotates the refresh token, and
// presenting a retired one revokes the session, so refreshes are single-flight. The refresh
// token is kept in localStorage so that a reload stays signed in.

export const gatewayOrigin = (): string =>
  (window.STUDIO_GATEWAY ?? `${location.protocol}//${location.hostname}:4000`).replace(/\/$/, '');

type Tokens = { access: string; refresh: string; expiresAt: number; studio: string; role: string };

const KEY = 'studio.session';
const MARGIN_MS = 30_000;

export class SignInError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

let tokens: Tokens | null = read();
let refreshing: Promise<Tokens | null> | null = null;
const listeners = new Set<() => void>();

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function store(next: Tokens | null): void {
  tokens = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

type Answer = {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  studio: string;
  role: string;
};

async function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gatewayOrigin()}/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function tokensFrom(response: Response): Promise<Tokens> {
  const body = (await response.json().catch(() => ({}))) as Partial<Answer> & { error?: string };
  if (!response.ok || !body.access_token || !body.refresh_token) {
    throw new SignInError(body.error ?? `HTTP_${response.status}`);
  }
  return {
    access: body.access_token,
    refresh: body.refresh_token,
    expiresAt: Date.now() + (body.expires_in ?? 300) * 1000,
    studio: body.studio ?? '',
    role: body.role ?? '',
  };
}

export const session = {
  signedIn: (): boolean => tokens !== null,
  studio: (): string => tokens?.studio ?? '',
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  async signIn(email: string, password: string, studio?: string): Promise<void> {
    store(await tokensFrom(await post('sign-in', { email, password, ...(studio ? { studio } : {}) })));
  },

  /** A new access token, for another studio when `studio` is given (no new sign-in). */
  refresh(studio?: string): Promise<Tokens | null> {
    if (refreshing) return refreshing;
    const current = tokens;
    if (!current) return Promise.resolve(null);
    refreshing = (async () => {
      try {
        const next = await tokensFrom(
          await post('refresh', { refresh_token: current.refresh, ...(studio ? { studio } : {}) }),
        );
        store(next);
        return next;
      } catch (error) {
        // A refused refresh ends the session; a network failure keeps it for the next try.
        if (error instanceof SignInError) store(null);
        return null;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  },

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (!tokens) return null;
    if (tokens.expiresAt - Date.now() < MARGIN_MS) return (await session.refresh())?.access ?? null;
    return tokens.access;
  },

  async signOut(): Promise<void> {
    const current = tokens;
    store(null);
    if (current) await post('sign-out', { refresh_token: current.refresh }).catch(() => undefined);
  },
};
