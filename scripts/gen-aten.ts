/**
 * Generates src/torch/aten.ts: one typed TypeScript function per ATen operator of the installed libtorch,
 * from the operators' schema strings (`aten::conv1d(Tensor input, Tensor weight, Tensor? bias=None, ...)`).
 * Run with `npx tsx scripts/gen-aten.ts` after changing libtorch versions; the output is committed.
 *
 * Skipped: out= variants, backward kernels (autograd calls them), backend-specific kernels (cudnn, mkldnn,
 * mps, ...), quantized/sparse/nested ops, most private `_` ops, and schemas with argument types the bridge
 * does not convert (Dimname, Storage, Stream, complex).
 */
import { writeFileSync } from 'node:fs';
import { native } from '../src/torch/native.ts';

interface Arg {
  type: string;
  name: string;
  hasDefault: boolean;
  kwOnly: boolean;
}

const SKIP_NAME =
  /backward|cudnn|mkldnn|miopen|mps|quantize|quantized|fbgemm|sparse|nested|xnnpack|vulkan|_jvp|^q_|^fake_|^cudnn|_nnz|coalesce|^to_padded|^segment_reduce|_out$|_copy$|^_?test|^align|^refine_names|^rename|^retains_grad|^record_stream|^set_data|^data$|^is_leaf$|^output_nr$|^_version$|^requires_grad_$|^retain_grad$|^lift|^is_same_size|^_has_|^ccol|^crow|^col_indices|^row_indices|^indices$|^values$|^resize_as_sparse/;
const KEEP_PRIVATE =
  /^_(foreach_|weight_norm|weight_norm_interface$|fused_dropout$|pack_padded|pad_packed|log_softmax$|softmax$|make_dual|unsafe_view$|index_put_impl_$|reshape_alias$|to_copy$|has_compatible)/;
const RESERVED = new Set([
  'var',
  'new',
  'delete',
  'in',
  'with',
  'default',
  'function',
  'class',
  'const',
  'let',
  'import',
  'export',
  'return',
  'typeof',
  'void',
]);

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function parse(schema: string) {
  const m = /^([\w:]+)(?:\.(\w+))?\((.*)\) -> (.*)$/.exec(schema);
  if (!m) return null;
  const [, fullName, overload = '', argStr, retStr] = m;
  const args: Arg[] = [];
  let kwOnly = false;
  for (const part of splitTop(argStr)) {
    if (part === '*') {
      kwOnly = true;
      continue;
    }
    const am = /^(\S+(?:\([^)]*\))?(?:\[\d*\])?\??(?:\[\d*\])?\??)\s+(\w+)(=.*)?$/.exec(part);
    if (!am) return null;
    args.push({
      type: am[1].replace(/\([^)]*\)/g, ''),
      name: am[2],
      hasDefault: am[3] !== undefined,
      kwOnly,
    });
  }
  const rets = retStr.startsWith('(') ? splitTop(retStr.slice(1, -1)) : [retStr];
  const retTypes = rets.filter((r) => r !== '').map((r) => r.split(/\s+/)[0].replace(/\([^)]*\)/g, ''));
  return { fullName, name: fullName.split('::')[1], ns: fullName.split('::')[0], overload, args, retTypes };
}

function tsType(t: string): string | null {
  const opt = t.endsWith('?') && !t.endsWith(']?') ? true : t.endsWith(']?');
  const base = t.replace(/\?$/, '');
  let ts: string | null;
  const list = /^(.+?)\[(\d*)\]$/.exec(base);
  if (list) {
    const elem = list[1];
    const fixed = list[2] !== '';
    if (elem === 'Tensor') ts = 'Tensor[]';
    else if (elem === 'Tensor?') ts = '(Tensor | null)[]';
    else if (elem === 'int' || elem === 'SymInt') ts = fixed ? 'number | number[]' : 'number[]';
    else if (elem === 'float') ts = fixed ? 'number | number[]' : 'number[]';
    else if (elem === 'bool') ts = 'boolean[]';
    else if (elem === 'Scalar') ts = 'Scalar[]';
    else ts = null;
  } else {
    ts =
      (
        {
          Tensor: 'Tensor',
          int: 'number',
          SymInt: 'number',
          float: 'number',
          bool: 'boolean',
          Scalar: 'Scalar',
          ScalarType: 'DType',
          Layout: 'number',
          MemoryFormat: 'number',
          str: 'string',
          Device: 'string',
          Generator: 'null',
        } as Record<string, string>
      )[base] ?? null;
  }
  if (ts === null) return null;
  return opt && ts !== 'null' ? `${ts} | null` : ts;
}

function retType(ts: string[]): string | null {
  const one = (t: string) =>
    t === 'Tensor'
      ? 'Tensor'
      : t === 'Tensor[]'
        ? 'Tensor[]'
        : t === 'int' || t === 'float' || t === 'Scalar' || t === 'SymInt'
          ? 'number'
          : t === 'bool'
            ? 'boolean'
            : t === 'str'
              ? 'string'
              : null;
  if (ts.length === 0) return 'void';
  const parts = ts.map(one);
  if (parts.some((p) => p === null)) return null;
  return parts.length === 1 ? (parts[0] as string) : `[${parts.join(', ')}]`;
}

const seen = new Set<string>();
const out: string[] = [];
let count = 0;
for (const schema of native.allSchemas().sort()) {
  const p = parse(schema);
  if (p?.ns !== 'aten') continue;
  if (SKIP_NAME.test(p.name)) continue;
  if (p.name.startsWith('_') && !KEEP_PRIVATE.test(p.name)) continue;
  if (/out|grad_input|Dimname|names|dimname|_dimname/.test(p.overload)) continue;
  if (p.args.some((a) => a.kwOnly && !a.hasDefault && /!/.test(schema))) continue;
  const ret = retType(p.retTypes);
  if (ret === null) continue;
  const params: string[] = [];
  let ok = true;
  const lastRequired = p.args.reduce((acc, a, i) => (a.hasDefault || a.type.endsWith('?') ? acc : i), -1);
  for (const [i, a] of p.args.entries()) {
    const t = tsType(a.type);
    if (t === null) {
      ok = false;
      break;
    }
    const optional = (a.hasDefault || t.endsWith('| null')) && i > lastRequired;
    const pname = RESERVED.has(a.name) ? `${a.name}_` : a.name;
    params.push(`${pname}${optional ? '?' : ''}: ${t}${!optional && a.hasDefault ? ' | undefined' : ''}`);
  }
  if (!ok) continue;
  let jsName = p.overload ? `${p.name}_${p.overload}` : p.name;
  if (RESERVED.has(jsName)) jsName = `${jsName}$`;
  if (seen.has(jsName)) continue;
  seen.add(jsName);
  const callArgs = p.args.map((a) => {
    const pname = RESERVED.has(a.name) ? `${a.name}_` : a.name;
    return a.type.replace(/\?$/, '') === 'ScalarType' ? `st(${pname})` : pname;
  });
  const ref = `$${count++}`;
  out.push(
    `const ${ref} = { id: -1, name: '${p.fullName}', overload: '${p.overload}' };`,
    `/** \`${schema.replace(/\*\//g, '* /')}\` */`,
    `export function ${jsName}(${params.join(', ')}): ${ret} {`,
    `  return callById(${ref}, [${callArgs.join(', ')}]) as ${ret};`,
    '}',
  );
}

const header = `// Generated by scripts/gen-aten.ts from the operator schemas of libtorch ${native.torchVersion}. Do not edit.
// One typed function per ATen operator: arguments in schema order, \`undefined\` takes the schema default.
// Overloads are named \`<op>_<overload>\` (aten::add.Tensor -> add_Tensor). Model code normally uses the
// Tensor methods and functions in ./functional.ts, which choose the overload; this is the complete layer below.
/* eslint-disable */
import type { DType } from './dtype.ts';
import { dtypeCode } from './dtype.ts';
import { callById } from './dispatch.ts';
import type { Tensor } from './tensor.ts';

/** A Python-style scalar: integral numbers are integer scalars, others floating point. */
export type Scalar = number | boolean;

function st(d: DType | null | undefined): number | null | undefined {
  return d === undefined || d === null ? d : dtypeCode(d);
}

`;
writeFileSync(new URL('../src/torch/aten.ts', import.meta.url), `${header + out.join('\n')}\n`);
console.log(`wrote ${count} operators to src/torch/aten.ts`);
