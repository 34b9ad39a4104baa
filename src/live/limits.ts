/** The largest frame a live node accepts or sends unless told otherwise (--max-frame-bytes). */
export const FRAME_BYTES_MAX_DEFAULT = 1024 * 1024;
/** Where a live node keeps its log and history unless told otherwise (--data). */
export const DATA_DIR_DEFAULT = 'tob-lab-data';
