/** Command-line options of the benchmarks: `--name value` or `--name=value`. */

/** The value of `--name`, or undefined when it is not given. */
export function arg(name: string): string | undefined {
  const argv = process.argv;
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
}

/** The value of `--name`, or `fallback`. */
export function argOr(name: string, fallback: string): string {
  return arg(name) ?? fallback;
}
