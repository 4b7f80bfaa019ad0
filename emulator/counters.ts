import { VAPI_PATHS, type VapiPath } from "./vapi-paths.ts";

/** The five routes of each resource of the Vapi surface, as counters and fault filters name them. */
export type Route = `${"GET" | "POST"} /${VapiPath}` | `${"GET" | "PATCH" | "DELETE"} /${VapiPath}/:id`;
export const ROUTES = VAPI_PATHS.flatMap((path): Route[] => [
  `GET /${path}`,
  `POST /${path}`,
  `GET /${path}/:id`,
  `PATCH /${path}/:id`,
  `DELETE /${path}/:id`,
]) as [Route, ...Route[]];

/** The Vapi route a request addresses, or undefined for any other path (admin, unknown). */
export function routeOf(method: string, path: string): Route | undefined {
  const segments = path.split("/").filter((segment) => segment !== "");
  const resource = VAPI_PATHS.find((name) => name === segments[0]);
  if (!resource || segments.length > 2) return undefined;
  const route = `${method.toUpperCase()} /${resource}${segments.length === 2 ? "/:id" : ""}`;
  return (ROUTES as readonly string[]).includes(route) ? (route as Route) : undefined;
}

export type RequestStats = {
  total: number;
  byRoute: Record<Route, number>;
  byKey: Record<string, number>;
  /** Per key, its routes that were called (what one user's traffic cost, with others' running meanwhile). */
  byKeyAndRoute: Record<string, Partial<Record<Route, number>>>;
  maxInFlight: { byKey: Record<string, number> };
  maxInFlightWrites: { byKey: Record<string, number> };
};

function bump(map: Map<string, number>, key: string, by: number): number {
  const value = (map.get(key) ?? 0) + by;
  map.set(key, value);
  return value;
}

function raise(map: Map<string, number>, key: string, value: number): void {
  if (value > (map.get(key) ?? 0)) map.set(key, value);
}

/**
 * Counts Vapi-surface requests per route and per key, and the most requests (and writes)
 * each key ever had in flight at once: what tests use to prove coalescing and write
 * serialisation. Current in-flight counts survive a reset; only totals and maxima are zeroed.
 */
export class RequestCounters {
  private total = 0;
  private byRoute = new Map<string, number>();
  private byKey = new Map<string, number>();
  private byKeyAndRoute = new Map<string, Map<string, number>>();
  private maxInFlight = new Map<string, number>();
  private maxInFlightWrites = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly inFlightWrites = new Map<string, number>();

  /** Records an arriving request; call the returned function once its answer is ready. */
  begin(route: Route, key: string | undefined): () => void {
    this.total++;
    bump(this.byRoute, route, 1);
    if (key === undefined) return () => {};
    const write = !route.startsWith("GET ");
    bump(this.byKey, key, 1);
    let routes = this.byKeyAndRoute.get(key);
    if (!routes) this.byKeyAndRoute.set(key, (routes = new Map()));
    bump(routes, route, 1);
    raise(this.maxInFlight, key, bump(this.inFlight, key, 1));
    if (write) raise(this.maxInFlightWrites, key, bump(this.inFlightWrites, key, 1));
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      bump(this.inFlight, key, -1);
      if (write) bump(this.inFlightWrites, key, -1);
    };
  }

  snapshot(): RequestStats {
    const byRoute = Object.fromEntries(ROUTES.map((route) => [route, this.byRoute.get(route) ?? 0]));
    return {
      total: this.total,
      byRoute: byRoute as Record<Route, number>,
      byKey: Object.fromEntries(this.byKey),
      byKeyAndRoute: Object.fromEntries([...this.byKeyAndRoute].map(([key, routes]) => [key, Object.fromEntries(routes)])),
      maxInFlight: { byKey: Object.fromEntries(this.maxInFlight) },
      maxInFlightWrites: { byKey: Object.fromEntries(this.maxInFlightWrites) },
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = new Map();
    this.byKey = new Map();
    this.byKeyAndRoute = new Map();
    this.maxInFlight = new Map();
    this.maxInFlightWrites = new Map();
  }
}
