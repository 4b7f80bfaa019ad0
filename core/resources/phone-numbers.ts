import { configResource, type VapiItem } from "../resource";

/** A Vapi phone number (`provider`: twilio, vonage, vapi, telnyx, byo-phone-number); the rest is Vapi's. */
export type PhoneNumber = VapiItem;

/** Phone numbers (migrations/0004_resources_cache.sql). Codes in snake_case: the name is camelCase, as Vapi's keys are. */
export const phoneNumbers = {
  ...configResource<PhoneNumber>({
    name: "phoneNumber",
    plural: "phoneNumbers",
    path: "/phone-number",
    table: "phone_numbers_cache",
    listSyncTable: "phone_numbers_list_sync",
  }),
  codes: { invalidId: "invalid_phone_number_id", notFound: "phone_number_not_found" },
};
