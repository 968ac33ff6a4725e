/** V8 flags the `ribbit` command runs under (see gc.mjs). */
export const GC_FLAGS: string[];
/** Re-runs this process under GC_FLAGS unless it has them; resolves to true if it did. */
export function reexecWithGcFlags(): Promise<boolean>;
