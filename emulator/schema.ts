// Constants hand-extracted from Vapi's OpenAPI spec (VapiAI/docs fern/apis/api/openapi.json,
// as of commit eabfa53; the assistant extract is /work/shared/spec/vapi-assistant-openapi.json).
// Only what the emulator validates is copied; everything else is stored as given.

/** Shape of each of the 31 writable top-level properties of Create/UpdateAssistantDTO. */
export type PropertyKind = "string" | "boolean" | "number" | "object" | "array" | "stringOrObject";

export const ASSISTANT_PROPERTIES: Readonly<Record<string, PropertyKind>> = {
  transcriber: "object",
  model: "object",
  voice: "object",
  firstMessage: "string",
  firstMessageInterruptionsEnabled: "boolean",
  firstMessageMode: "string",
  voicemailDetection: "stringOrObject", // "off" or a plan object
  clientMessages: "array",
  serverMessages: "array",
  maxDurationSeconds: "number",
  backgroundSound: "string", // "off", "office" or a URL
  modelOutputInMessagesEnabled: "boolean",
  transportConfigurations: "array",
  observabilityPlan: "object",
  credentials: "array",
  hooks: "array",
  name: "string",
  voicemailMessage: "string",
  endCallMessage: "string",
  endCallPhrases: "array",
  compliancePlan: "object",
  metadata: "object",
  backgroundSpeechDenoisingPlan: "object",
  analysisPlan: "object",
  artifactPlan: "object",
  startSpeakingPlan: "object",
  stopSpeakingPlan: "object",
  monitorPlan: "object",
  credentialIds: "array",
  server: "object",
  keypadInputPlan: "object",
};

/** Fields only the server writes: present in responses, rejected in request bodies. */
export const SERVER_FIELDS = ["id", "orgId", "createdAt", "updatedAt", "isServerUrlSecretSet"];

// `provider` discriminators of the model, voice and transcriber oneOf unions, in spec order.
export const MODEL_PROVIDERS = [
  "anthropic", "anthropic-bedrock", "anyscale", "cerebras", "custom-llm", "deepinfra",
  "deep-seek", "google", "groq", "inflection-ai", "minimax", "openai", "openrouter",
  "perplexity-ai", "together-ai", "xai", "vapi",
];
export const VOICE_PROVIDERS = [
  "azure", "cartesia", "custom-voice", "deepgram", "11labs", "hume", "lmnt", "neuphonic",
  "openai", "playht", "wellsaid", "rime-ai", "smallest-ai", "tavus", "vapi", "sesame",
  "inworld", "minimax", "xai", "microsoft",
];
export const TRANSCRIBER_PROVIDERS = [
  "assembly-ai", "azure", "custom-transcriber", "deepgram", "11labs", "gladia", "google",
  "speechmatics", "talkscriber", "openai", "cartesia", "soniox", "xai", "vapi",
];

/** OpenAIMessage.role (every model variant's `messages[]` uses OpenAIMessage). */
export const MESSAGE_ROLES = ["assistant", "function", "user", "system", "tool"];

export const FIRST_MESSAGE_MODES = [
  "assistant-speaks-first",
  "assistant-speaks-first-with-model-generated-message",
  "assistant-waits-for-user",
];

export const CLIENT_MESSAGES = [
  "conversation-update", "assistant.speechStarted", "function-call", "function-call-result",
  "hang", "language-changed", "metadata", "model-output", "speech-update", "status-update",
  "transcript", "tool-calls", "tool-calls-result", "tool.completed", "transfer-update",
  "user-interrupted", "voice-input", "workflow.node.started", "assistant.started",
];
export const SERVER_MESSAGES = [
  "assistant.started", "assistant.speechStarted", "conversation-update", "end-of-call-report",
  "function-call", "hang", "language-changed", "language-change-detected", "model-output",
  "phone-call-control", "speech-update", "status-update", "transcript",
  'transcript[transcriptType="final"]', "tool-calls", "transfer-destination-request",
  "handoff-destination-request", "transfer-update", "user-interrupted", "voice-input",
  "chat.created", "chat.deleted", "session.created", "session.updated", "session.deleted",
  "call.deleted", "call.delete.failed", "call.artifact.upload",
];

/** Numeric and length limits from the spec ([min, max], inclusive). */
export const LIMITS = {
  name: 40,
  voicemailMessage: 1000,
  endCallMessage: 1000,
  endCallPhrase: [2, 140],
  maxDurationSeconds: [10, 43200],
  temperature: [0, 2],
  maxTokens: [50, 10000],
  serverTimeoutSeconds: [1, 300],
  listLimit: [0, 1000],
} as const;

/** The list endpoint's date filters (AssistantController_findAll query parameters). */
export const DATE_FILTERS = [
  "createdAtGt", "createdAtLt", "createdAtGe", "createdAtLe",
  "updatedAtGt", "updatedAtLt", "updatedAtGe", "updatedAtLe",
] as const;
