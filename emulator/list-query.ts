import { badRequest } from "./errors.ts";
import { DATE_FILTERS, LIMITS } from "./schema.ts";

/** One of the eight date filters, resolved to a test on epoch milliseconds. */
export type DateFilter = { field: "createdAt" | "updatedAt"; test: (ms: number) => boolean };
/** `ids` is squads' `idAny`: only items with one of these ids. */
export type ListQuery = { limit: number; filters: DateFilter[]; ids?: Set<string> };

const DEFAULT_LIMIT = 100;

// class-validator's IsISO8601 accepts a date with an optional time and offset.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Epoch ms of an ISO 8601 value (NaN if invalid); without an offset it is UTC, as in Vapi's database. */
function parseIso(value: string): number {
  const match = ISO_8601.exec(value);
  if (!match) return Number.NaN;
  const iso = value.replace(" ", "T");
  return Date.parse(match[1] !== undefined && match[2] === undefined ? `${iso}Z` : iso);
}

const COMPARE: Record<string, (ms: number, bound: number) => boolean> = {
  Gt: (ms, bound) => ms > bound,
  Lt: (ms, bound) => ms < bound,
  Ge: (ms, bound) => ms >= bound,
  Le: (ms, bound) => ms <= bound,
};

function isFilterName(name: string): name is (typeof DATE_FILTERS)[number] {
  return (DATE_FILTERS as readonly string[]).includes(name);
}

/**
 * Parses a list's query (every resource's: GET /assistant, /phone-number, /tool, /squad) the
 * way Vapi's ValidationPipe does (whitelist + forbidNonWhitelisted), so an unknown parameter is
 * a 400 rather than silently ignored; a repeated parameter arrives as an array and fails its
 * type check. With `idAny` (squads), that parameter may be repeated or comma-separated UUIDs.
 */
export function parseListQuery(params: URLSearchParams, options: { idAny?: boolean } = {}): ListQuery {
  const errors: string[] = [];
  const query: ListQuery = { limit: DEFAULT_LIMIT, filters: [] };
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    const value = values.length === 1 ? values[0] : undefined;
    if (name === "limit") {
      const [min, max] = LIMITS.listLimit;
      const limit = value !== undefined && NUMERIC.test(value.trim()) ? Number(value) : Number.NaN;
      if (Number.isNaN(limit)) errors.push("limit must be a number conforming to the specified constraints");
      else if (limit > max) errors.push(`limit must not be greater than ${max}`);
      else if (limit < min) errors.push(`limit must not be less than ${min}`);
      else query.limit = Math.floor(limit);
    } else if (isFilterName(name)) {
      const bound = value !== undefined ? parseIso(value) : Number.NaN;
      const compare = COMPARE[name.slice(-2)];
      if (Number.isNaN(bound) || !compare) errors.push(`${name} must be a valid ISO 8601 date string`);
      else query.filters.push({ field: name.startsWith("created") ? "createdAt" : "updatedAt", test: (ms) => compare(ms, bound) });
    } else if (name === "idAny" && options.idAny) {
      const ids = values.flatMap((entry) => entry.split(",")).map((id) => id.trim().toLowerCase());
      if (ids.some((id) => !UUID.test(id))) errors.push("each value in idAny must be a UUID");
      else query.ids = new Set(ids);
    } else {
      errors.push(`property ${name} should not exist`);
    }
  }
  if (errors.length > 0) throw badRequest(errors);
  return query;
}
