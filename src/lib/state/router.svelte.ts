/** Hash routes (`#/people/3`), so the app works from any static host and offline. */

export type Route =
  | { view: 'live' }
  | { view: 'queue'; visitor?: number }
  | { view: 'visits' }
  | { view: 'people' }
  | { view: 'person'; id: number }
  | { view: 'stats' }
  | { view: 'settings' }
  | { view: 'data' };

/** A positive whole number from a path part, else null. */
function idOf(part: string | undefined): number | null {
  const n = Number(part);
  return part && Number.isInteger(n) && n > 0 ? n : null;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  switch (parts[0]) {
    case 'queue': {
      const visitor = idOf(parts[1]);
      return visitor ? { view: 'queue', visitor } : { view: 'queue' };
    }
    case 'visits':
      return { view: 'visits' };
    case 'people': {
      const id = idOf(parts[1]);
      return id ? { view: 'person', id } : { view: 'people' };
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
  if (route.view === 'person') return `#/people/${route.id}`;
  if (route.view === 'queue' && route.visitor) return `#/queue/${route.visitor}`;
  return `#/${route.view}`;
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
