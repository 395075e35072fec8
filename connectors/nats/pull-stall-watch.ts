/**
 * Notices a pull consumer that went silent while the connection is up. A JetStream server
 * answers a waiting pull request with messages or, when it has none, an idle heartbeat every
 * `heartbeatMs`; silence means the requests are gone — the consumer's leader moved (stepdown, its
 * node lost) and the new leader never heard of them. nats.js pulls again after two missed
 * heartbeats, but only after a consumer info succeeds, and when that fails (no leader elected
 * yet) it backs off for 15–45 s (a jitter of `expires`). This watch lets the source pull again on
 * its own after `limitMs` of silence, and again after each further `limitMs`, until it hears back —
 * or at once when told that the consumer elected a new leader.
 *
 * Time counts only while someone is watching: a disconnect (reported by the connection) or a gap
 * between checks longer than the limit (the connector was paused, `poll` was not called) starts
 * the count over.
 */
export class PullStallWatch {
  readonly #limitMs: number;
  readonly #clock: () => number;
  #lastSign: number;
  #lastCheck: number;

  /** `limitMs`: silence after which `stalled` reports; `clock`: injected in tests. */
  constructor(limitMs: number, clock: () => number = Date.now) {
    this.#limitMs = limitMs;
    this.#clock = clock;
    this.#lastSign = this.#lastCheck = clock();
  }

  /**
   * The consumer elected a new leader (its advisory): the pull requests the old leader held are
   * gone, so the next check reports at once, unless the server answers before it.
   */
  leaderElected(): void {
    this.#lastSign = Math.min(this.#lastSign, this.#clock() - this.#limitMs);
  }

  /** A message, a heartbeat or a new pull request: the server is answering. */
  sign(): void {
    this.#lastSign = this.#clock();
  }

  /**
   * How long the consumer has been silent if that is `limitMs` or more (then the count starts
   * over, so the next report comes `limitMs` later), else 0.
   */
  stalled(connected: boolean): number {
    const now = this.#clock();
    const unwatched = now - this.#lastCheck > this.#limitMs;
    this.#lastCheck = now;
    if (!connected || unwatched) {
      this.#lastSign = now;
      return 0;
    }
    const silentMs = now - this.#lastSign;
    if (silentMs < this.#limitMs) return 0;
    this.#lastSign = now;
    return silentMs;
  }
}
