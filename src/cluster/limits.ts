/** The fastest a live cluster plays a scenario's timeline, relative to its written times (protocol timers stay real). */
export const SPEED_MAX = 100;
/** The most node processes a live cluster runs. */
export const CLUSTER_NODES_MAX = 16;
