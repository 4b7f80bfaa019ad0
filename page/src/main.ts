// The dashboard page: sign in with a token, the user's assistants with how each answer was
// served, live changes from other tabs, teammates and Vapi itself, an editor with a conflict
// view, and the cache panel. The SDK does the HTTP and the socket (docs/client.md).
import { type CacheClient, type ChangeEvent, createCacheClient, type SubscriptionState } from "../../packages/client/src/index.ts";
import { startCachePanel, type Stats } from "./charts.ts";
import { byId, say } from "./dom.ts";
import { changedElsewhere, deletedElsewhere, openEditor, setUpEditor } from "./editor.ts";
import { type Item, renderList, tickAges } from "./list.ts";
import { recordingFetch, type Served } from "./served.ts";

const TOKEN_KEY = "vapi-edge-cache.token";
const STATS_INTERVAL_MS = 3000;

const items = new Map<string, Item>();
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
  let listServed: Served | undefined;
  const client = createCacheClient({
    baseUrl: location.origin,
    token,
    fetch: recordingFetch((path, served) => {
      if (path === "/api/assistants") listServed = served;
    }),
  });
  const list = await client.getAssistants().catch((err: Error & { status?: number }) => err);
  if (list instanceof Error) {
    if (list.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      return say("That token was refused (expired, or not for this service). Paste a new one.");
    }
    say(`Could not load your assistants: ${list.message}`);
  } else {
    for (const a of list.assistants) items.set(a.id, { assistant: a, etag: list.etags[a.id]!, served: listServed ?? { kind: "hit", at: Date.now() } });
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  byId("sign-in").hidden = true;
  byId("dashboard").hidden = false;
  byId("sign-out").hidden = false;
  start(client, token, () => listServed);
}

function start(client: CacheClient, token: string, lastListServed: () => Served | undefined) {
  const render = (flash?: string) => renderList(items, { edit, remove }, flash);
  const upsert = (a: Item["assistant"], etag: string, served: Served) => {
    items.set(a.id, { assistant: a, etag, served });
    render(a.id);
  };
  const edit = (id: string) => {
    const item = items.get(id);
    if (item) openEditor(item);
  };
  const remove = async (id: string) => {
    const item = items.get(id);
    if (!item) return;
    try {
      await client.deleteAssistant(id, { expected: item.etag });
    } catch (err) {
      const status = (err as { status?: number }).status;
      // 404: gone already; 412: changed since this tab saw it, so ask again with the new version.
      if (status === 412) return say(`“${item.assistant.name}” was changed elsewhere; look at the new version, then delete again.`);
      if (status !== 404) return say(`Not deleted: ${(err as Error).message}`);
    }
    items.delete(id);
    deletedElsewhere(id);
    render();
    byId("new").focus();
  };
  const reload = async (revalidate: boolean) => {
    try {
      const list = await client.getAssistants({ revalidate });
      const served = lastListServed() ?? { kind: "hit", at: Date.now() };
      items.clear();
      for (const a of list.assistants) items.set(a.id, { assistant: a, etag: list.etags[a.id]!, served });
      render();
      for (const a of list.assistants) changedElsewhere(a, list.etags[a.id]!);
    } catch (err) {
      say(`Could not reload: ${(err as Error).message}`);
    }
  };

  setUpEditor(
    client,
    (s) => upsert(s.assistant, s.etag, { kind: "written", at: Date.now() }),
    (id) => void (items.delete(id), render()),
  );
  const onEvent = (e: ChangeEvent) => {
    if (e.type === "resync") return void reload(false);
    if (e.own) return; // this tab's own write: shown from its answer already
    if (e.type === "deleted") {
      items.delete(e.id);
      deletedElsewhere(e.id);
      return render();
    }
    const detail = e.origin === "vapi" ? "edited in Vapi, found by a refresh" : "saved in another tab or by a teammate";
    upsert(e.assistant, e.etag, { kind: "live", at: Date.now(), detail });
    changedElsewhere(e.assistant, e.etag);
  };
  const sub = client.subscribe(onEvent, { onState: showConnection });

  byId("new").onclick = () => openEditor();
  byId("refresh").onclick = () => void reload(true);
  const stopStats = startCachePanel(async () => {
    const res = await fetch("/api/cache/stats", { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`stats answered ${res.status}`);
    return (await res.json()) as Stats;
  }, STATS_INTERVAL_MS);
  const ages = setInterval(() => tickAges(items), 1000);
  render();
  stopSession = () => {
    sub.close();
    stopStats();
    clearInterval(ages);
  };
  window.addEventListener("pagehide", () => sub.close());
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
