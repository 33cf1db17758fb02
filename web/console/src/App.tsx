// The frame: signed out, the sign-in form; signed in, the urql client, the person's
// language and the studio's words, the layout and the screen the path names.
import { ConsoleViewerDocument } from '@studio/graph';
import { Suspense, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Provider, useQuery } from 'urql';

import { makeClient } from './graph';
import { browserLanguage, chosenLanguage, I18nProvider, isLanguage, type Language } from './i18n';
import { Layout } from './Layout';
import { match, navigate, useLocation } from './router';
import { HOME, routes } from './routes';
import { SignIn } from './screens/SignIn';
import { session } from './session';
import { StudioSwitch } from './StudioSwitch';
import { Loading, Problem } from './ui';

export function App() {
  const signedIn = useSyncExternalStore(session.subscribe, session.signedIn);
  const studio = useSyncExternalStore(session.subscribe, session.studio);
  // A new client (and cache) per sign-in and per studio switched to: nothing of one
  // person's studio stays for the next.
  const client = useMemo(() => (signedIn && studio !== undefined ? makeClient() : null), [signedIn, studio]);
  const [language, setLanguage] = useState<Language | null>(chosenLanguage);
  if (!client) {
    return (
      <I18nProvider language={language ?? browserLanguage()} terminology="BELTS">
        <SignIn onLanguage={setLanguage} />
      </I18nProvider>
    );
  }
  return (
    <Provider value={client}>
      <SignedIn chosen={language} onLanguage={setLanguage} />
    </Provider>
  );
}

function SignedIn(props: { chosen: Language | null; onLanguage: (language: Language) => void }) {
  const [{ data, error }] = useQuery({ query: ConsoleViewerDocument });
  const { path, query } = useLocation();
  useEffect(() => {
    if (path === '/' || path === '/sign-in') navigate(HOME, true);
  }, [path]);
  const spoken = data?.viewer?.language ?? data?.studio?.language;
  const language = props.chosen ?? (isLanguage(spoken) ? spoken : browserLanguage());
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const terminology = data?.rankProgram?.terminology ?? 'BELTS';
  const found = routes
    .map((route) => ({ route, params: match(route.path, path) }))
    .find((candidate) => candidate.params !== null);
  const Screen = found?.route.screen;
  return (
    <I18nProvider language={language} terminology={terminology}>
      <Layout
        studio={data?.studio?.name ?? ''}
        person={data?.viewer?.name ?? ''}
        onLanguage={props.onLanguage}
        switcher={<StudioSwitch current={data?.viewer?.studio ?? ''} studios={data?.viewer?.studios ?? []} />}
      >
        {error && !data ? (
          <Problem error={error} />
        ) : !data ? (
          <Loading />
        ) : Screen && found.params ? (
          <Suspense fallback={<Loading />}>
            <Screen params={found.params} query={query} />
          </Suspense>
        ) : (
          <NotFound />
        )}
      </Layout>
    </I18nProvider>
  );
}

function NotFound() {
  return <p>404</p>;
}
