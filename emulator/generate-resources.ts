import type { JsonObject } from "./json.ts";
import { generateInto } from "./generate.ts";
import type { Org } from "./org.ts";

// Generated phone numbers, tools and squads for demos and benchmarks. They reference the org's
// existing items as real configurations do (a number answered by an assistant or a squad, a
// squad of assistants), so relation-aware caching has something to chew on. Twilio numbers
// carry (fake) credentials, as Vapi answers them, so secret handling can be exercised.

export type ResourceCounts = { phoneNumbers?: number; tools?: number; squads?: number };

const TOOLS: ReadonlyArray<(k: number) => JsonObject> = [
  (k) => ({ type: "function", function: { name: `lookup_order_${k}`, description: "Look up an order by its number", parameters: { type: "object", properties: { orderNumber: { type: "string" } }, required: ["orderNumber"] } }, server: { url: `https://example.com/tools/orders/${k}` } }),
  (k) => ({ type: "apiRequest", method: "POST", url: `https://example.com/hooks/booking/${k}`, name: `book_slot_${k}`, description: "Book an appointment slot", timeoutSeconds: 20 }),
  () => ({ type: "endCall" }),
  (k) => ({ type: "transferCall", destinations: [{ type: "number", number: `+1415555${String(1000 + (k % 9000)).padStart(4, "0")}`, message: "Transferring you now." }] }),
  () => ({ type: "dtmf" }),
];

const ids = (items: JsonObject[]): string[] => items.flatMap((item) => (typeof item.id === "string" ? [item.id] : []));
const pick = (list: string[], index: number): string | undefined => (list.length > 0 ? list[index % list.length] : undefined);

function toolContent(index: number): JsonObject {
  const make = TOOLS[index % TOOLS.length] ?? (() => ({ type: "endCall" }));
  return make(index);
}

function squadContent(assistants: string[]): (index: number) => JsonObject {
  return (index) => {
    const members = [0, 1, 2].slice(0, 2 + (index % 2)).flatMap((offset) => {
      const assistantId = pick(assistants, index * 3 + offset);
      return assistantId ? [{ assistantId }] : [];
    });
    return { name: `Squad ${index + 1}`, members };
  };
}

function phoneContent(assistants: string[], squads: string[]): (index: number) => JsonObject {
  return (index) => {
    const digits = String(1000 + (index % 9000)).padStart(4, "0");
    const target: JsonObject = {};
    const squadId = index % 4 === 3 ? pick(squads, index) : undefined;
    const assistantId = pick(assistants, index);
    if (squadId) target.squadId = squadId;
    else if (assistantId) target.assistantId = assistantId;
    const name = `Line ${index + 1}`;
    switch (index % 4) {
      case 0:
        return { provider: "twilio", number: `+1650555${digits}`, twilioAccountSid: `AC${"0".repeat(24)}${digits}`, twilioAuthToken: `fake-twilio-token-${digits}`, name, ...target };
      case 1:
        return { provider: "vapi", name, ...target }; // Vapi assigns the number
      case 2:
        return { provider: "byo-phone-number", number: `+1212555${digits}`, credentialId: "00000000-0000-4000-8000-000000000001", name, ...target };
      default:
        return { provider: "telnyx", number: `+1312555${digits}`, credentialId: "00000000-0000-4000-8000-000000000002", name, ...target };
    }
  };
}

/** Adds generated tools, then squads of the org's assistants, then numbers pointing at both. */
export function generateResources(org: Org, counts: ResourceCounts, now: number = Date.now()): void {
  if (counts.tools) generateInto(org.collection("tool"), counts.tools, toolContent, now);
  const assistants = ids(org.assistants.list());
  if (counts.squads) generateInto(org.collection("squad"), counts.squads, squadContent(assistants), now);
  const squads = ids(org.collection("squad").list());
  if (counts.phoneNumbers) generateInto(org.collection("phone-number"), counts.phoneNumbers, phoneContent(assistants, squads), now);
}
