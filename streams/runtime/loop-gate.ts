/**
 * A stop between two iterations of a task's loop, asked for from outside (by the commit barrier):
 * `request` resolves once the loop stopped there (`park`), and the loop waits until `open`.
 *
 * Concurrency: `request` and `open` from outside, `park` and `release` from the loop.
 */
export class LoopGate {
  #state: { parked: Promise<void>; markParked: () => void; opened: Promise<void>; markOpened: () => void } | null = null;

  /** True while a stop is asked for (and not opened yet). */
  get requested(): boolean {
    return this.#state !== null;
  }

  /** Asks the loop to stop; resolves once it did. `fresh`: no stop was asked for already. */
  request(): { parked: Promise<void>; fresh: boolean } {
    if (this.#state !== null) return { parked: this.#state.parked, fresh: false };
    let markParked!: () => void;
    let markOpened!: () => void;
    const parked = new Promise<void>((r) => (markParked = r));
    const opened = new Promise<void>((r) => (markOpened = r));
    this.#state = { parked, markParked, opened, markOpened };
    return { parked, fresh: true };
  }

  /** Lets the loop go on. */
  open(): void {
    const state = this.#state;
    this.#state = null;
    state?.markOpened();
  }

  /** The loop side: tells the requester it stopped, and waits until `open`. */
  park(): Promise<void> {
    if (this.#state === null) return Promise.resolve();
    this.#state.markParked();
    return this.#state.opened;
  }

  /**
   * The loop is in a wait that neither processes nor commits (a poll of its input): it counts as
   * stopped now, so the requester need not wait out the poll; it `park`s when the wait ends.
   */
  standBy(): void {
    this.#state?.markParked();
  }

  /** The loop ended: a requester waiting for it goes on. */
  release(): void {
    this.#state?.markParked();
  }
}
