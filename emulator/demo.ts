import { randomUUID } from "node:crypto";
import { generateResources } from "./generate-resources.ts";
import type { JsonObject } from "./json.ts";
import type { Org } from "./org.ts";
import type { EmulatorState } from "./state.ts";

/** The demo org's private key; `npm start` points the dev user's settings at it. */
export const DEMO_PRIVATE_KEY = "dev-vapi-key";

const DAY = 86_400_000;

function model(prompt: string, name = "gpt-4o"): JsonObject {
  return { provider: "openai", model: name, messages: [{ role: "system", content: prompt }] };
}

// [days before start-up, content]. Two share a timestamp, as a bulk import would leave them.
const DEMO: ReadonlyArray<[number, JsonObject]> = [
  [21.2, {
    name: "Sales Agent",
    model: model("You are Riley, a friendly sales rep for Northwind Solar. Qualify the caller (home owner? monthly bill?) and book a site survey."),
    voice: { provider: "11labs", voiceId: "21m00Tcm4TlvDq8ikWAM" },
    firstMessage: "Hi, this is Riley from Northwind Solar. Are you looking to cut your energy bill?",
    endCallPhrases: ["goodbye", "have a great day"],
  }],
  [14.5, {
    name: "Support Agent",
    model: model("You are the support line for Pixel Telecom. Diagnose connection issues step by step and open a ticket if unresolved.", "gpt-4o-mini"),
    voice: { provider: "vapi", voiceId: "Elliot" },
    transcriber: { provider: "deepgram", model: "nova-3", language: "en" },
    firstMessage: "Thanks for calling Pixel Telecom support. What seems to be the problem?",
    maxDurationSeconds: 900,
  }],
  [9.1, {
    name: "Appointment Scheduler",
    model: model("You book, move and cancel appointments for Maple Family Clinic. Confirm the patient's name and date of birth first."),
    voice: { provider: "vapi", voiceId: "Savannah" },
    firstMessage: "Maple Family Clinic, I can help you with appointments. Who am I speaking with?",
    metadata: { team: "front-desk", location: "downtown" },
  }],
  [9.1, {
    name: "After-Hours Receptionist",
    model: model("Our office is closed. Take a message with name, number and reason; escalate anything urgent to the on-call line.", "gpt-4.1-mini"),
    voice: { provider: "vapi", voiceId: "Kylie" },
    firstMessage: "You've reached us after hours. I can take a message or connect you to on-call.",
    voicemailMessage: "Hi, we missed you. Please call back during office hours, 8 to 6.",
  }],
  [3.7, {
    name: "Order Status Bot",
    model: model("You look up orders for Copper Kettle Coffee by order number and give delivery estimates. Never invent tracking data."),
    voice: { provider: "11labs", voiceId: "EXAVITQu4vr4xnSDxMaL" },
    firstMessage: "Hi! Do you have your Copper Kettle order number handy?",
    server: { url: "https://example.com/vapi/webhook", timeoutSeconds: 20 },
  }],
  [0.8, {
    name: "Customer Feedback Survey",
    model: model("Run a three-question satisfaction survey (score 1-10, what went well, what to improve). Keep it under two minutes."),
    voice: { provider: "vapi", voiceId: "Rohan" },
    firstMessage: "Hi, could you spare two minutes to tell us how your visit went?",
    firstMessageMode: "assistant-speaks-first",
    endCallMessage: "Thanks so much for your feedback. Goodbye!",
  }],
];

/** Registers the demo org (if absent) with its hand-written assistants and a few generated resources. */
export function registerDemoOrg(state: EmulatorState, now: number = Date.now()): Org {
  const existing = state.orgs.get(DEMO_PRIVATE_KEY);
  if (existing) return existing;
  const org = state.registerOrg(DEMO_PRIVATE_KEY).org;
  // A whole-second base keeps the shared timestamp readable in demos.
  const base = Math.floor(now / 1000) * 1000 - 417;
  for (const [daysAgo, content] of DEMO) {
    const at = new Date(base - Math.round(daysAgo * DAY)).toISOString();
    org.assistants.insert({ ...content, id: randomUUID(), orgId: org.orgId, createdAt: at, updatedAt: at, isServerUrlSecretSet: false });
  }
  // A few tools, a squad and numbers answered by the assistants above, for the dashboard.
  generateResources(org, { tools: 3, squads: 1, phoneNumbers: 4 }, now);
  return org;
}
