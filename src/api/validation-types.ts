/** One admission error: a JSON field path (e.g. `spec.strategy.canary.steps[1].traffic`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

export interface ValidationOptions {
  /** `--partition-percent-limit`: largest percentage a partition step with traffic may have. */
  partitionPercentLimit?: number;
  /** `--filter-workload-type`: only known workload kinds may be targeted. */
  filterWorkloadType?: boolean;
}

/** What validation needs from the cluster, fetched by the caller (the functions stay pure). */
export interface ValidationContext extends ValidationOptions {
  /** The other Rollouts of the namespace, as v1beta1 (for the one-Rollout-per-workload rule). */
  siblings?: { metadata?: { name?: string; namespace?: string }; spec?: { workloadRef?: unknown } }[];
  /** On UPDATE: the phase of the live (stored) Rollout; immutability applies while it progresses. */
  livePhase?: string;
}

export const DEFAULT_PARTITION_PERCENT_LIMIT = 50;
