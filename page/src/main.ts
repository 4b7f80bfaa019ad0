// The dashboard page: sign in with a token, the user's assistants, phone numbers, squads and
// tools with how each answer was served, live changes from other tabs, teammates and Vapi itself,
// an editor with a conflict view, and the cache panel. The SDK does the HTTP and the socket
// (docs/client.md); session.ts holds the lists.
import { createCacheClient, type SubscriptionState } from "../../packages/client/src/index.ts";
import { startCachePanel, type Stats } from "./charts.ts";
import { byId, say } from "./dom.ts";
import { recordingFetch, type Served } from "./served.ts";
import { Session } from "./session.ts";

const TOKEN_KEY = "vapi-edge-cache.token";
const STATS_INTERVAL_MS = 3000;

let stopSession: (() => void) | undefined;

// `npm start` prints this page's URL with the demo token in the fragment, which never reaches a
// server or a log; it moves into this tab's sessionStorage and out of the address bar at once.
const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromUrl) {
  sessionStorage.setItem(TOKEN_KEY, fromUrl);
  history.replaceState(null, "", location.pathname);
}

byId("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = byId<HTMLTextAreaElement>("token").value.trim();
  if (token) void signIn(token);
});
byId("sign-out").addEventListener("click", () => signOut());

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);

async function signIn(token: string) {
  say("");
  // The last `Cache-Status` per path, which the SDK does not surface (served.ts).
  const served = new Map<string, Served>();
  const client = createCacheClient({ baseUrl: location.origin, token, fetch: recordingFetch((path, s) => void served.set(path, s)) });
  const session = new Session(client, (path) => served.get(path));
  // Assistants first: their answer says whether the token works before anything else is shown.
  const first = await session.lists.assistant.load().catch((err: Error & { status?: number }) => err);
  if (first instanceof Error) {
    if (first.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      return say("That token was refused (expired, or not for this service). Paste a new one.");
    }
    say(`Could not load your assistants: ${first.message}`);
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  byId("sign-in").hidden = true;
  byId("dashboard").hidden = false;
  byId("sign-out").hidden = false;
  const stopLists = session.start(showConnection);
  const stopStats = startCachePanel(async () => {
    const res = await fetch("/api/cache/stats", { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`stats answered ${res.status}`);
    return (await res.json()) as Stats;
  }, STATS_INTERVAL_MS);
  stopSession = () => {
    stopLists();
    stopStats();
  };
}

let countdown: ReturnType<typeof setInterval> | undefined;

/** The connection badge: live, connecting, offline (with the next attempt), or closed. */
function showConnection(s: SubscriptionState) {
  const badge = byId("connection");
  clearInterval(countdown);
  if (s.state === "ready") return set("live", "Live");
  if (s.state === "connecting") return set("connecting", s.attempt ? "Reconnecting…" : "Connecting…");
  if (s.state === "closed") {
    const why = { caller: "signed out", replaced: "too many open tabs; reload to reconnect", unauthorized: "token refused; sign in again" }[s.reason];
    return set("closed", `Disconnected: ${why}`);
  }
  const tick = () => set("offline", `Offline · retrying in ${Math.max(0, Math.ceil((s.at - Date.now()) / 1000))} s`);
  tick();
  countdown = setInterval(tick, 1000);

  function set(state: string, text: string) {
    badge.dataset.state = state;
    badge.textContent = text;
  }
}

function signOut() {
  stopSession?.();
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload(); // drops every listener and everything this tab held of the user
}
