/** Hash routes (`#/people/3`), so the app works from any static host and offline. */

export type Route =
  | { view: 'live' }
  | { view: 'queue' }
  | { view: 'people' }
  | { view: 'person'; id: number }
  | { view: 'stats' }
  | { view: 'settings' }
  | { view: 'data' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  switch (parts[0]) {
    case 'queue':
      return { view: 'queue' };
    case 'people': {
      const id = Number(parts[1]);
      return parts[1] && Number.isInteger(id) && id > 0
        ? { view: 'person', id }
        : { view: 'people' };
    }
    case 'stats':
      return { view: 'stats' };
    case 'settings':
      return { view: 'settings' };
    case 'data':
      return { view: 'data' };
    default:
      return { view: 'live' };
  }
}

export function routeHref(route: Route): string {
  return route.view === 'person' ? `#/people/${route.id}` : `#/${route.view}`;
}

export class Router {
  route = $state<Route>(parseRoute(globalThis.location?.hash ?? ''));

  constructor() {
    globalThis.addEventListener?.('hashchange', () => {
      this.route = parseRoute(location.hash);
    });
  }

  go(route: Route): void {
    location.hash = routeHref(route);
  }
}
