/**
 * Name conversion between ribbit's camelCase config fields and Coqui's snake_case ones.
 *
 * The mapping is mechanical (`sampleRate` <-> `sample_rate`, `dropoutPDp` <-> `dropout_p_dp`,
 * `computeF0` <-> `compute_f0`); a field whose Coqui name does not follow it declares `coquiName`.
 */

/** `sampleRate` -> `sample_rate`; every upper-case letter starts a new lower-case word. */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `sample_rate` -> `sampleRate`; the letter or digit after each `_` is upper-cased. */
export function snakeToCamel(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}
