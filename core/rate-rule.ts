/** How fast one kind of request may come: `perMinute` on average, up to `burst` at once. 0 = no limit. */
export interface RateRule {
  perMinute: number;
  burst: number;
}
