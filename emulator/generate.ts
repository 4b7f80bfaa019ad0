import { randomUUID } from "node:crypto";
import type { JsonObject } from "./json.ts";
import type { Collection } from "./collection.ts";
import type { Org } from "./org.ts";

// Seeded assistants look like a real org's: distinct names (business × role, ≤ 40 chars),
// a system prompt, a voice, a first message. They arrive in batches of 3–5 that share one
// createdAt millisecond, as bulk creation (a script, a dashboard import) produces, which is
// exactly what trips `createdAtLt` paging; batches are strictly ordered and in the past.

// Each ≤ 15 characters and each role ≤ 21, so "<business> <role> <k>" stays within 40.
const BUSINESSES = [
  "Acme Dental", "Bright Homes", "Northwind Travel", "Harbor Bank", "Maple Clinic",
  "Summit Fitness", "Blue Fern Spa", "Cedar Law", "Pixel Telecom", "Greenleaf Cover",
  "Riverside Auto", "Lumen Energy", "Orchard Vets", "Atlas Freight", "Nimbus Cloud",
  "Copper Kettle", "Evergreen HVAC", "Sterling Hotels", "Willow Kids", "Metro Plumbing",
];
const ROLES: ReadonlyArray<{ role: string; task: string; opener: string }> = [
  { role: "Receptionist", task: "greet callers, answer common questions and route calls", opener: "how can I help you today?" },
  { role: "Sales Agent", task: "qualify inbound sales leads and book product demos", opener: "are you looking into our plans?" },
  { role: "Support Agent", task: "troubleshoot customer issues and open tickets", opener: "what can I help you fix today?" },
  { role: "Appointment Scheduler", task: "book, move and cancel appointments", opener: "would you like to book an appointment?" },
  { role: "Lead Qualifier", task: "ask discovery questions and score new leads", opener: "do you have a minute for a few questions?" },
  { role: "Billing Assistant", task: "explain invoices and take card payments", opener: "do you have a question about a bill?" },
  { role: "Order Tracker", task: "look up orders and give delivery updates", opener: "can I have your order number?" },
  { role: "Survey Caller", task: "run a short satisfaction survey after a visit", opener: "could you spare two minutes for feedback?" },
  { role: "Renewal Reminder", task: "remind customers of renewals and take confirmations", opener: "I'm calling about your upcoming renewal." },
  { role: "After-Hours Line", task: "take messages and escalate emergencies outside office hours", opener: "our office is closed, but I can take a message." },
  { role: "Onboarding Guide", task: "walk new customers through their first steps", opener: "welcome aboard! Shall we get you set up?" },
  { role: "Collections Agent", task: "politely follow up on overdue balances", opener: "I'm calling about your account balance." },
  { role: "Feedback Collector", task: "collect and summarise customer feedback", opener: "we'd love to hear how we did." },
  { role: "Booking Concierge", task: "handle reservations and special requests", opener: "would you like to make a reservation?" },
  { role: "Triage Line", task: "assess urgency and direct callers to the right team", opener: "tell me a little about what's going on." },
];
const MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"];
const VOICES: ReadonlyArray<JsonObject> = [
  { provider: "vapi", voiceId: "Elliot" },
  { provider: "11labs", voiceId: "21m00Tcm4TlvDq8ikWAM" },
  { provider: "vapi", voiceId: "Savannah" },
  { provider: "11labs", voiceId: "EXAVITQu4vr4xnSDxMaL", stability: 0.5, similarityBoost: 0.75 },
  { provider: "vapi", voiceId: "Rohan" },
  { provider: "azure", voiceId: "en-US-JennyNeural" },
];

/** The realistic content (no server fields) of the index-th generated assistant of an org. */
export function assistantContent(index: number): JsonObject {
  const b = index % BUSINESSES.length;
  const business = BUSINESSES[b] ?? "Acme";
  // (round + b) mod roles gives each business a different role every round: names stay distinct.
  const round = Math.floor(index / BUSINESSES.length);
  const pick = ROLES[(round + b) % ROLES.length] ?? ROLES[0];
  const cycle = Math.floor(index / (BUSINESSES.length * ROLES.length));
  const content: JsonObject = {
    name: `${business} ${pick?.role}${cycle > 0 ? ` ${cycle + 1}` : ""}`.slice(0, 40),
    model: {
      provider: "openai",
      model: MODELS[index % MODELS.length] ?? "gpt-4o",
      temperature: [0.3, 0.5, 0.7][index % 3] ?? 0.5,
      messages: [{ role: "system", content: `You are the ${pick?.role} for ${business}. Your job is to ${pick?.task}. Be brief, warm and accurate.` }],
    },
    voice: VOICES[index % VOICES.length] ?? { provider: "vapi", voiceId: "Elliot" },
    firstMessage: `Hi, thanks for calling ${business}, ${pick?.opener}`,
  };
  if (index % 2 === 0) content.transcriber = { provider: "deepgram", model: "nova-3", language: "en" };
  if (index % 3 === 0) content.endCallPhrases = ["goodbye", "talk to you soon"];
  if (index % 4 === 1) content.maxDurationSeconds = 600;
  if (index % 5 === 2) content.metadata = { team: pick?.role.toLowerCase() ?? "ops", tier: "production" };
  return content;
}

/**
 * Adds n generated items to a collection, in shared-millisecond batches, all before `now`;
 * `content(index)` gives the index-th item's fields (no server fields).
 */
export function generateInto(items: Collection, n: number, content: (index: number) => JsonObject, now: number = Date.now()): void {
  const sizes: number[] = [];
  for (let left = n; left > 0; left -= sizes.at(-1) ?? 1) sizes.push(Math.min(left, 3 + (sizes.length % 3)));
  // Walk back from a minute ago; gaps of 1–90 minutes plus odd seconds and milliseconds.
  const stamps: number[] = [];
  let at = now - 60_000 - 137;
  for (let batch = 0; batch < sizes.length; batch++) {
    stamps.unshift(at);
    at -= ((batch * 37) % 90 + 1) * 60_000 + ((batch * 13) % 60) * 1000 + ((batch * 211) % 1000);
  }
  sizes.forEach((size, batch) => {
    const createdMs = stamps[batch] ?? now;
    for (let i = 0; i < size; i++) {
      const index = items.generated++;
      // Every third one was edited later (never after `now`), so updatedAt filters bite.
      const updatedMs = index % 3 === 2 ? Math.min(createdMs + ((index * 7) % 50 + 1) * 60_000, now - 1000) : createdMs;
      const fields = content(index);
      items.insert({
        ...fields,
        id: randomUUID(),
        orgId: items.orgId,
        createdAt: new Date(createdMs).toISOString(),
        updatedAt: new Date(Math.max(updatedMs, createdMs)).toISOString(),
        ...items.serverDefaults(fields),
      });
    }
  });
}

/** Adds n generated assistants to the org, in shared-millisecond batches, all before `now`. */
export function generateAssistants(org: Org, n: number, now: number = Date.now()): void {
  generateInto(org.assistants, n, assistantContent, now);
}
