/**
 * Fenced code blocks of a markdown file, with their info strings parsed:
 *
 *     ```ts file=src/tts/models/toy_tts.ts        (part of a new file; blocks of one file are joined in order)
 *     ```ts file=src/tts/models/index.ts append   (appended to an existing project file)
 *     ```ts file=recipes/toy_tts/train.ts run     (also run with `node --import tsx` once written)
 */

export interface CodeBlock {
  /** The language word of the info string (`ts`, `sh`, ...; '' when none). */
  lang: string;
  /** `key=value` words of the info string. */
  attrs: Record<string, string>;
  /** Bare words of the info string after the language (`run`, `append`). */
  flags: Set<string>;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced block (``` or ~~~, three or more) of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const [lang = '', ...words] = open[2].trim().split(/\s+/).filter(Boolean);
    const attrs: Record<string, string> = {};
    const flags = new Set<string>();
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq > 0) attrs[w.slice(0, eq)] = w.slice(eq + 1);
      else flags.add(w);
    }
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j])) body.push(lines[j++]);
    blocks.push({ lang, attrs, flags, code: `${body.join('\n')}\n`, line: i + 1 });
    i = j;
  }
  return blocks;
}

/** TypeScript blocks (`ts`, `typescript`, `tsx`). */
export function isTypeScript(block: CodeBlock): boolean {
  return ['ts', 'typescript', 'tsx', 'mts'].includes(block.lang.toLowerCase());
}

/** A project file assembled from the blocks naming it. */
export interface AssembledFile {
  path: string;
  /** Appended to the project's existing file rather than a new file. */
  append: boolean;
  /** Run with `node --import tsx` once written. */
  run: boolean;
  text: string;
  /** Lines of the blocks it came from. */
  lines: number[];
}

/** Joins the `file=` blocks per file, in first-appearance order. */
export function assembleFiles(blocks: CodeBlock[]): AssembledFile[] {
  const files = new Map<string, AssembledFile>();
  for (const b of blocks) {
    const path = b.attrs.file;
    if (!path) continue;
    let f = files.get(path);
    if (!f) {
      f = { path, append: false, run: false, text: '', lines: [] };
      files.set(path, f);
    }
    f.append ||= b.flags.has('append');
    f.run ||= b.flags.has('run');
    f.text += f.text ? `\n${b.code}` : b.code;
    f.lines.push(b.line);
  }
  return [...files.values()];
}
