// The cache panel: /api/cache/stats polled every few seconds, each counter drawn as a small
// inline SVG line over the last minutes. Counters are cumulative since the coordinator started
// (`since`), so the charts show what changed between two polls; a new `since` starts over.
import { byId, h } from "./dom.ts";

/** The part of GET /api/cache/stats the panel draws (docs/api.md, CacheStats). */
export interface Stats {
  since: string;
  hits: number;
  misses: number;
  staleServed: number;
  coalesced: number;
  upstreamCalls: number;
  circuit: { state: "closed" | "open" | "half-open"; consecutiveFailures: number };
  hotLayer: { bytes: number; budgetBytes: number };
}

const KEEP = 60; // samples: 3 minutes at the default interval

interface Series {
  id: string;
  title: string;
  /** The value at this poll; `undefined` draws a gap (e.g. no reads, no ratio). */
  value(now: Stats, before: Stats | undefined): number | undefined;
  show(v: number): string;
  /** Drawn per poll interval (a change between two polls), not as a level. */
  perPoll?: boolean;
}

const delta = (key: "hits" | "misses" | "staleServed" | "coalesced" | "upstreamCalls") => (now: Stats, before?: Stats) =>
  before && before.since === now.since ? now[key] - before[key] : undefined;

const SERIES: Series[] = [
  {
    id: "hit-ratio",
    title: "Hit ratio",
    value: (now, before) => {
      const hits = delta("hits")(now, before) ?? now.hits;
      const reads = hits + (delta("misses")(now, before) ?? now.misses);
      return reads === 0 ? undefined : hits / reads;
    },
    show: (v) => `${Math.round(v * 100)} %`,
  },
  { id: "upstream", title: "Upstream calls", value: delta("upstreamCalls"), show: String, perPoll: true },
  { id: "coalesced", title: "Coalesced", value: delta("coalesced"), show: String, perPoll: true },
  { id: "stale", title: "Stale answers", value: delta("staleServed"), show: String, perPoll: true },
  { id: "memory", title: "Memory", value: (now) => now.hotLayer.bytes, show: (v) => `${(v / 1024).toFixed(1)} KiB` },
];

/** Polls the stats with `read` every `intervalMs` and draws them; returns a stop function. */
export function startCachePanel(read: () => Promise<Stats>, intervalMs: number): () => void {
  const charts = byId("charts");
  charts.replaceChildren(...SERIES.map((s) => figure(s, s.perPoll ? ` per ${intervalMs / 1000} s` : "")));
  const history = new Map<string, (number | undefined)[]>(SERIES.map((s) => [s.id, []]));
  let last: Stats | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const poll = async () => {
    try {
      const now = await read();
      for (const s of SERIES) {
        const points = history.get(s.id)!;
        points.push(s.value(now, last));
        if (points.length > KEEP) points.shift();
        draw(s, points);
      }
      const c = now.circuit;
      byId("circuit").textContent = `Circuit: ${c.state}${c.consecutiveFailures ? ` (${c.consecutiveFailures} failures in a row)` : ""} · since ${new Date(now.since).toLocaleTimeString()}`;
      last = now;
    } catch {
      byId("circuit").textContent = "Circuit: unknown (stats unavailable)";
    }
    if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function figure(s: Series, unit: string): HTMLElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 100 40");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true"); // the caption says the latest value in words
  svg.append(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
  return h("figure", { class: "chart", id: `chart-${s.id}` }, svg, h("figcaption", {}, `${s.title}${unit}: `, h("strong", {}, "…")));
}

function draw(s: Series, points: (number | undefined)[]) {
  const fig = byId(`chart-${s.id}`);
  const known = points.filter((p): p is number => p !== undefined);
  const max = Math.max(1, ...known);
  // The samples so far fill the width (the first minutes are not drawn as an empty chart).
  const step = 100 / Math.max(1, points.length - 1);
  const coords = points.flatMap((p, i) => (p === undefined ? [] : [`${(i * step).toFixed(1)},${(38 - (p / max) * 36).toFixed(1)}`]));
  fig.querySelector("polyline")!.setAttribute("points", coords.join(" "));
  const latest = known.at(-1);
  fig.querySelector("strong")!.textContent = latest === undefined ? "no reads yet" : s.show(latest);
}
