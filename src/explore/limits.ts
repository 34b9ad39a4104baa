/** The bounds of an exhaustive exploration unless told otherwise (kept apart so the CLI's help loads nothing else). */
export const DEFAULT_DEPTH_MAX = 30;
export const DEFAULT_STATES_MAX = 200_000;
