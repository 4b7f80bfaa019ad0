/**
 * The object's one alarm, shared by everything that needs a wake-up (D1 repair, refresh-ahead).
 * Each need asks through here, which keeps the earliest time asked for: a bare `setAlarm` would
 * replace an earlier need's time with a later one, and that need would run late. `alarm()` runs
 * every need whatever woke it; each knows from its own state whether it has work (D1 untrusted, a
 * tab open, the list due) and asks again for its next time, so a need woken early loses nothing.
 * While the alarm handler runs, `getAlarm()` is null until it is set again, so re-arming works there too.
 */
export async function alarmNoLaterThan(storage: DurableObjectStorage, at: number) {
  const current = await storage.getAlarm();
  // guard: shared-alarm-not-kept-at-the-earliest
  if (current === null || current > at) await storage.setAlarm(at);
}
