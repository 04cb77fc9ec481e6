// Thin helpers over dockerfile-ast: stages, flags, shell commands of RUN (shell form and
// heredocs), and ranges of single words, so the rules stay declarative.
import {
  Copy,
  DockerfileParser,
  ModifiableInstruction,
  Run,
  type Argument,
  type Dockerfile,
  type Instruction,
} from 'dockerfile-ast';
import type { Range } from '../core/types';
import type { LineIndex } from '../core/lines';

export interface Stage {
  index: number;
  name?: string;
  from: Instruction;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  ast: Dockerfile;
  instructions: Instruction[];
  stages: Stage[];
  /** Instructions before the first FROM (ARG only, legitimately). */
  preamble: Instruction[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const ast = DockerfileParser.parse(text);
  const instructions = ast.getInstructions();
  const stages: Stage[] = [];
  const preamble: Instruction[] = [];
  for (const ins of instructions) {
    if (ins.getKeyword() === 'FROM') {
      const args = ins.getArguments();
      const name = args.length >= 3 && args[1].getValue().toUpperCase() === 'AS' ? args[2].getValue() : undefined;
      stages.push({ index: stages.length, name, from: ins, instructions: [] });
    } else if (stages.length) stages[stages.length - 1].instructions.push(ins);
    else preamble.push(ins);
  }
  return { ast, instructions, stages, preamble };
}

export interface FlagLike {
  getName(): string;
  getValue(): string | null;
  getRange(): Range;
  getNameRange(): Range;
  getValueRange(): Range | null;
}

export function flagsOf(ins: Instruction): FlagLike[] {
  return ins instanceof ModifiableInstruction ? ins.getFlags() : [];
}

export interface HeredocLike {
  getName(): string;
  getContentRange(): Range | null;
  getDelimiterRange(): Range | null;
  getNameRange(): Range;
}

/** Heredocs are public on RUN and COPY (the base class keeps its parser protected). */
export function heredocsOf(ins: Instruction): HeredocLike[] {
  return ins instanceof Run || ins instanceof Copy ? ins.getHeredocs() : [];
}

/** True when the arguments are written in JSON (exec) form. */
export function isJsonForm(ins: Instruction): boolean {
  return (ins.getRawArgumentsContent() ?? '').trimStart().startsWith('[');
}

/** The shell script a RUN executes: its heredoc bodies, or its shell-form arguments. */
export function shellScript(ins: Instruction, lines: LineIndex): string {
  const docs = heredocsOf(ins);
  if (docs.length) {
    return docs
      .map((h) => h.getContentRange())
      .filter((r): r is Range => !!r)
      .map((r) => lines.text.slice(lines.offset(r.start), lines.offset(r.end)))
      .join('\n')
      .replace(/\\\r?\n/g, ' '); // the shell running the heredoc joins continued lines too
  }
  if (isJsonForm(ins)) return '';
  return (ins.getRawArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');
}

/** Splits a shell script into simple commands (word lists), at ;, &&, ||, | and newlines. */
export function commands(script: string): string[][] {
  const out: string[][] = [];
  for (const part of script.split(/&&|\|\||[;|\n]/)) {
    const words = part
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.replace(/^['"]|['"]$/g, ''));
    // skip env assignments and wrappers so `DEBIAN_FRONTEND=x apt-get` is seen as apt-get
    while (words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]) || words[0] === 'sudo' || words[0] === 'exec')) {
      if (words[0] === 'sudo') break;
      else words.shift();
    }
    if (words.length) out.push(words);
  }
  return out;
}

/** The range of the first argument equal to `word` (falls back to the keyword). */
export function wordRange(ins: Instruction, word: string | ((a: Argument) => boolean)): Range {
  const test = typeof word === 'string' ? (a: Argument) => a.getValue() === word : word;
  const arg = ins.getArguments().find(test);
  return arg ? arg.getRange() : ins.getInstructionRange();
}

/** Subcommand helper: `apt-get install ...` → the words after the subcommand. */
export function afterSub(words: string[], sub: string): string[] | null {
  const i = words.indexOf(sub);
  return i >= 0 ? words.slice(i + 1) : null;
}
