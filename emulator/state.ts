import { RequestCounters } from "./counters.ts";
import { FaultInjector, type LatencyRange } from "./faults.ts";
import { generateAssistants } from "./generate.ts";
import { type ResourceCounts, generateResources } from "./generate-resources.ts";
import { Org } from "./org.ts";

/** Everything the emulator remembers: orgs by private key, request counters, faults. */
export class EmulatorState {
  readonly orgs = new Map<string, Org>();
  readonly counters = new RequestCounters();
  readonly faults = new FaultInjector();
  /** Start-up latency applied to every Vapi-surface answer; survives resets. */
  readonly latency: LatencyRange | undefined;

  constructor(latency?: LatencyRange) {
    this.latency = latency;
  }

  /**
   * Registers a key as an org, or finds the existing one (same orgId and items), then adds
   * `assistants` generated ones (and generated phone numbers, tools and squads) to it either way.
   */
  registerOrg(privateKey: string, assistants = 0, now: number = Date.now(), more: ResourceCounts = {}): { org: Org; created: boolean } {
    let org = this.orgs.get(privateKey);
    const created = org === undefined;
    if (!org) {
      org = new Org(privateKey);
      this.orgs.set(privateKey, org);
    }
    if (assistants > 0) generateAssistants(org, assistants, now);
    generateResources(org, more, now);
    return { org, created };
  }

  reset(): void {
    this.orgs.clear();
    this.counters.reset();
    this.faults.clear();
  }
}
