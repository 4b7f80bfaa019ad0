import { configResource, type VapiItem } from "../resource";
import { byField } from "./references";

/** A Vapi phone number (`provider`: twilio, vonage, vapi, telnyx, byo-phone-number); the rest is Vapi's. */
export type PhoneNumber = VapiItem;

/** Phone numbers (migrations/0004_resources_cache.sql). Codes in snake_case: the name is camelCase, as Vapi's keys are. */
export const phoneNumbers = {
  ...configResource<PhoneNumber>({
    name: "phoneNumber",
    plural: "phoneNumbers",
    label: "phone number",
    labelPlural: "phone numbers",
    path: "/phone-number",
    table: "phone_numbers_cache",
    listSyncTable: "phone_numbers_list_sync",
    // A Twilio number's credentials (vapi-resources.md, "Secrets inside answers"): never cached or answered.
    secrets: ["twilioAuthToken", "twilioApiKey", "twilioApiSecret"],
    // Vapi's phone-number DTOs have no `metadata`: a create whose answer is lost cannot be found.
    marksCreates: false,
    // Inbound calls go to an assistant or a squad (a workflow is not cached).
    references: [byField("assistant", "assistantId"), byField("squad", "squadId")],
  }),
  codes: { invalidId: "invalid_phone_number_id", notFound: "phone_number_not_found" },
};
