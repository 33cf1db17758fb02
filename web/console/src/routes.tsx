// The console's screens: one file each under screens/, loaded when first opened. A new
// screen is a file there and one line here; `nav` puts it in the navigation bar.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

import type { Key } from './i18n/en';

export type ScreenProps = { params: Record<string, string>; query: URLSearchParams };

export type Route = {
  path: string;
  screen: LazyExoticComponent<ComponentType<ScreenProps>>;
  /** Shown in the navigation under this label; the active entry for paths under `path`. */
  nav?: Key;
};

export const routes: Route[] = [
  { path: '/clients', nav: 'nav.clients', screen: lazy(() => import('./screens/Clients')) },
  { path: '/clients/import', screen: lazy(() => import('./screens/ImportClients')) },
  { path: '/clients/:id', screen: lazy(() => import('./screens/ClientCard')) },
  { path: '/ranks', nav: 'nav.ranks', screen: lazy(() => import('./screens/Ranks')) },
  { path: '/loyalty', nav: 'nav.loyalty', screen: lazy(() => import('./screens/Loyalty')) },
  { path: '/crm', nav: 'nav.crm', screen: lazy(() => import('./screens/Crm')) },
  { path: '/inbox', nav: 'nav.inbox', screen: lazy(() => import('./screens/Inbox')) },
  { path: '/templates', nav: 'nav.templates', screen: lazy(() => import('./screens/Templates')) },
];

export const HOME = '/clients';
