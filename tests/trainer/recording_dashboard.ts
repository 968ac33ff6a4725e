// A dashboard for tests: records every scalar the Trainer logs (tag -> [step, value][]) instead of writing
// TensorBoard events.
import type { Dashboard } from '../../src/trainer/dashboard.ts';
import type { Trainer } from '../../src/trainer/trainer.ts';

/** A dashboard that records every scalar as tag -> [step, value][]. */
export class RecordingDashboard implements Dashboard {
  readonly scalars = new Map<string, [number, number][]>();
  scalar(tag: string, value: number, step: number): void {
    const list = this.scalars.get(tag) ?? [];
    list.push([step, value]);
    this.scalars.set(tag, list);
  }
  figure(): void {}
  audio(): void {}
  flush(): void {}
  close(): void {}
  /** The keys logged under `prefix/`. */
  keys(prefix: string): string[] {
    return [...this.scalars.keys()]
      .filter((t) => t.startsWith(`${prefix}/`))
      .map((t) => t.slice(prefix.length + 1))
      .sort();
  }
}

/** Initialises `t` and swaps its dashboard for a recording one (the init opens the configured one first). */
export async function recorded(t: Trainer): Promise<RecordingDashboard> {
  await t.init();
  t.dashboard.close();
  const d = new RecordingDashboard();
  t.dashboard = d;
  return d;
}
