// The "no step skipped or repeated" invariant of the kill-at-every-transition tests
// (reliability-kill*.test.ts): fed each new status of a Progressing release, it records where
// the step index or the state within a step went back, skipped, or a finalising step repeated.

const stateRank: Record<string, number> = {
  BeforeStepUpgrade: 0,
  StepUpgrade: 1,
  StepTrafficRouting: 2,
  StepMetricsAnalysis: 3,
  StepPaused: 4,
  StepReady: 5,
  Completed: 6,
};

export interface StepStatusFields {
  currentStepIndex?: number;
  currentStepState?: string;
  finalisingStep?: string;
}

export class StepOrder {
  /** Whether this release's step 1 has been seen. */
  started = false;
  /** The step indices seen, in order, without repeats. */
  readonly indices: number[] = [];
  private readonly finalising: string[] = [];
  private lastIndex = 0;
  private lastRank = -1;

  constructor(
    private readonly stepCount: number,
    private readonly violations: string[],
  ) {}

  /** One new status, reached from the one named `from` (`to` names this one, for the messages). */
  see(sub: StepStatusFields, from: string, to: string): void {
    const index = sub.currentStepIndex ?? 0;
    const rank = stateRank[sub.currentStepState ?? ""] ?? -1;
    const finalisingStep = sub.finalisingStep ?? "";
    // The release starts at step 1; until then the status still shows the previous release's
    // last step (Completed), which is not a step of this one.
    if (!this.started && index === 1 && !finalisingStep) this.started = true;
    if (!this.started) return;
    if (!finalisingStep) {
      if (this.indices.at(-1) !== index) this.indices.push(index);
      if (index < this.lastIndex || index > this.lastIndex + 1)
        this.violations.push(`step index ${this.lastIndex} → ${index} (${from} → ${to})`);
      else if (index === this.lastIndex && rank < this.lastRank)
        this.violations.push(`step ${index} state went back (${from} → ${to})`);
      this.lastIndex = index;
      this.lastRank = rank;
      return;
    }
    if (index !== this.stepCount) this.violations.push(`finalising at step ${index} (${to})`);
    const seenAt = this.finalising.indexOf(finalisingStep);
    if (seenAt >= 0 && seenAt !== this.finalising.length - 1)
      this.violations.push(`finalising step ${finalisingStep} repeated (${to})`);
    if (seenAt < 0) this.finalising.push(finalisingStep);
  }
}
