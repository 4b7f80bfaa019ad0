/** The four Vapi resources the emulator serves, by their path segment (`/assistant`, …). */
export const VAPI_PATHS = ["assistant", "phone-number", "tool", "squad"] as const;
export type VapiPath = (typeof VAPI_PATHS)[number];
