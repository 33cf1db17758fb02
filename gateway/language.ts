// The gateway's own errors in the caller's language (docs/contract.md, "Language"), with
// their code and params, as the subgraphs answer theirs (libs/plumbing i18n.py). The
// sentences are in messages.json beside this file; in English the original message stands.
import { readFileSync } from 'node:fs';

type Entry = {
  code: string;
  pattern: string;
  reason?: string;
  en: string;
  es: string;
  it: string;
};

export type Language = 'en' | 'es' | 'it';
const LANGUAGES: ReadonlyArray<Language> = ['en', 'es', 'it'];

const catalog: Array<[string, Entry, RegExp]> = Object.entries(
  JSON.parse(readFileSync(new URL('./messages.json', import.meta.url), 'utf8')) as Record<
    string,
    Entry | string
  >,
)
  .filter((pair): pair is [string, Entry] => typeof pair[1] === 'object')
  .map(([id, entry]) => [id, entry, new RegExp(entry.pattern)]);

function supported(tag: string | undefined): Language | undefined {
  const base = (tag ?? '').trim().replace('_', '-').split('-')[0].toLowerCase();
  return LANGUAGES.find((language) => language === base);
}

// The first spoken language of an Accept-Language header, by its q-values (ties keep the
// header's order; `*` and q=0 choose nothing).
function fromAcceptLanguage(header: string | null): Language | undefined {
  const ranked: Array<[number, number, Language]> = [];
  (header ?? '').split(',').forEach((part, position) => {
    const [tag, ...parameters] = part.trim().split(';');
    let weight = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'q') weight = Number(value) || 0;
    }
    const language = supported(tag);
    if (language && weight > 0) ranked.push([-weight, position, language]);
  });
  ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ranked[0]?.[2];
}

// The token's `lang` claim (the signed-in person's language). Read without verifying:
// it only chooses the words of an answer, and the token is verified where it matters.
export function tokenLanguage(authorization: string | null | undefined): Language | undefined {
  const [scheme, token] = (authorization ?? '').trim().split(/\s+/);
  if (!token || scheme.toLowerCase() !== 'bearer') return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    const lang = (claims as { lang?: unknown } | null)?.lang;
    return typeof lang === 'string' ? supported(lang) : undefined;
  } catch {
    return undefined;
  }
}

// A live subscription's language, from its Accept-Language and its token's `lang` claim.
export function languageOf(acceptLanguage: string | null, lang: unknown): Language {
  return fromAcceptLanguage(acceptLanguage) ?? (typeof lang === 'string' ? supported(lang) : undefined) ?? 'en';
}

// Accept-Language, else the person's; the studio's is the subgraphs' to know (the gateway
// answers its own errors in English then).
export function requestLanguage(request: Request): Language {
  return (
    fromAcceptLanguage(request.headers.get('accept-language')) ??
    tokenLanguage(request.headers.get('authorization')) ??
    'en'
  );
}

function render(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

const GENERIC_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'];

type Speakable = { message: string; extensions?: Record<string, unknown> };

// The error's sentence in `language`, its params in `extensions.params` and a code where it
// has none, when its message is one of the gateway's own (or graphql-js's) English ones;
// anything else (a subgraph's, already in the caller's language) is left as it is.
export function speak(error: Speakable, language: Language): void {
  const code = error.extensions?.code;
  const reason = error.extensions?.reason;
  for (const [, entry, pattern] of catalog) {
    if (entry.reason !== undefined && entry.reason !== reason) continue;
    const matched = pattern.exec(error.message);
    if (!matched) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(matched.groups ?? {})) {
      if (value !== undefined) params[name] = value;
    }
    const given = error.extensions?.params;
    Object.assign(params, typeof given === 'object' && given !== null ? given : {});
    // graphql-js's and the parser's generic codes give way to the entry's (a depth limit
    // is reported as a syntax error); any other code a plugin gave stands.
    const kept = typeof code === 'string' && !GENERIC_CODES.includes(code) ? code : entry.code;
    error.extensions = { ...(error.extensions ?? {}), code: kept, params };
    if (language !== 'en') error.message = render(entry[language], params);
    return;
  }
}

// One of the gateway's own errors, built where it is raised (a batch too large, a bearer
// that is no JWT): the English sentence over the params, in the caller's language.
export function gatewayError(
  id: string,
  params: Record<string, string>,
  language: Language,
  extensions: Record<string, unknown> = {},
): { message: string; extensions: Record<string, unknown> } {
  const entry = catalog.find(([key]) => key === id)?.[1];
  if (!entry) throw new Error(`no message ${id} in messages.json`);
  return {
    message: render(entry[language], params),
    extensions: { code: entry.code, ...extensions, params },
  };
}
