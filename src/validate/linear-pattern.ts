// Schema `pattern` checks in time linear in the input. JavaScript's RegExp backtracks: the CRD
// location pattern (openshift/api, `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)+`) takes seconds on a
// 25-letter repository path followed by a digest, and doubles with each letter. The API server
// matches the same pattern with Go's regexp (kube-openapi pkg/validation/validate/values.go,
// `Pattern`: regexp.Compile, then MatchString, so unanchored unless the pattern says ^ or $), an
// automaton that reads each character once. So does this module: the pattern is parsed into a
// Thompson NFA once, and the NFA runs as a DFA built lazily, one state set per new situation
// (what RE2 does), so a long input costs one table look-up per character.
//
// Only a subset is accepted, the constructs whose meaning Go's RE2 and ECMAScript (the `u` flag, as
// JSON Schema says) agree on: literals, classes with ranges and negation, \d \w \D \W, groups, `|`,
// `?` `*` `+` `{m}` `{m,}` `{m,n}`, `^` and `$` (whole input; neither dialect is multi-line by
// default). Characters are code points, as Go's runes and the `u` flag. Anything else is refused when
// the pattern is compiled, naming the construct, so a new pattern cannot quietly match differently
// from the cluster: `.` (RE2 excludes only \n, ECMAScript all line terminators), lazy quantifiers,
// look-around, back-references, \b, a leading `]` in a class (`[]` is empty in ECMAScript, `]` in RE2).
// Two ECMAScript-only escapes are accepted, for our own functionConfig schema, which is published as
// JSON Schema and so means ECMAScript: \uXXXX (RE2 cannot parse it, so no CRD pattern has it) and
// \s \S (ECMAScript's white space, which is wider than RE2's [\t\n\f\r ]). The CRD patterns use neither.

/** A compiled pattern: `test` tells whether the pattern matches anywhere in the input. */
export interface CompiledPattern {
  readonly source: string;
  test(input: string): boolean;
}

const MAX_CODE_POINT = 0x10ffff;
/** RE2's limit on a counted repetition ({m,n}), and a bound on the expanded program. */
const MAX_REPEAT = 1000;
const MAX_PROGRAM = 20_000;
/** DFA states kept per pattern; past it the cache starts again (still one state per character). */
const MAX_DFA_STATES = 4_000;

type Ranges = readonly number[]; // sorted, disjoint, inclusive [lo, hi, lo, hi, ...]
type Node =
  | { kind: 'set'; ranges: Ranges }
  | { kind: 'cat' | 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number }
  | { kind: 'start' | 'end' };

const DIGIT: Ranges = [0x30, 0x39];
const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
// ECMAScript WhiteSpace and LineTerminator (ECMA-262 "CharacterClassEscape", \s).
const SPACE: Ranges = normalize([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
]);
const SYNTAX = new Set('\\^$.|?*+()[]{}/-');

function normalize(ranges: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i] as number, ranges[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(ranges: Ranges): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if ((ranges[i] as number) > next) out.push(next, (ranges[i] as number) - 1);
    next = (ranges[i + 1] as number) + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

function inRanges(ranges: Ranges, c: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    if (c < (ranges[i] as number)) return false;
    if (c <= (ranges[i + 1] as number)) return true;
  }
  return false;
}

/** Parses the subset into a tree; throws, naming the construct and its position, for anything else. */
function parse(source: string): Node {
  const text = [...source];
  const chars = text.map((ch) => ch.codePointAt(0) as number);
  let pos = 0;
  const peek = (): string | undefined => text[pos];
  const refuse = (what: string): never => {
    throw new Error(`pattern ${JSON.stringify(source)}: ${what} at offset ${pos} is outside the linear-time subset (see src/validate/linear-pattern.ts)`);
  };

  const alternation = (): Node => {
    const items = [concatenation()];
    while (peek() === '|') {
      pos++;
      items.push(concatenation());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'alt', items };
  };
  const concatenation = (): Node => {
    const items: Node[] = [];
    for (let ch = peek(); ch !== undefined && ch !== '|' && ch !== ')'; ch = peek()) items.push(repetition());
    return items.length === 1 ? (items[0] as Node) : { kind: 'cat', items };
  };
  const repetition = (): Node => {
    const item = atom();
    const bounds = quantifier();
    if (!bounds) return item;
    if (item.kind === 'start' || item.kind === 'end') refuse('a quantifier on an anchor');
    if (peek() === '?') refuse('a lazy quantifier');
    if (quantifierAhead()) refuse('a quantifier on a quantifier');
    return { kind: 'repeat', item, min: bounds[0], max: bounds[1] };
  };
  const quantifierAhead = (): boolean => ['*', '+', '?', '{'].includes(peek() ?? '');
  const quantifier = (): [number, number] | undefined => {
    const ch = peek();
    if (ch === '*' || ch === '+' || ch === '?') {
      pos++;
      return ch === '*' ? [0, Infinity] : ch === '+' ? [1, Infinity] : [0, 1];
    }
    if (ch !== '{') return undefined;
    const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(source.slice(offsetOf(pos)));
    if (!m) return refuse('a "{" that is not a counted repetition {m}, {m,} or {m,n}');
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) refuse(`the repetition ${m[0]}`);
    pos += m[0].length;
    return [min, max];
  };
  // `source.slice` needs a UTF-16 offset; the counted-repetition syntax is ASCII, so only what comes before matters.
  const offsetOf = (index: number): number => text.slice(0, index).join('').length;

  const atom = (): Node => {
    const ch = peek() as string;
    pos++;
    switch (ch) {
      case '(': {
        if (peek() === '?') {
          pos++;
          if (peek() !== ':') refuse('a group other than ( ) and (?: )');
          pos++;
        }
        const inner = alternation();
        if (peek() !== ')') refuse('an unclosed group');
        pos++;
        return inner;
      }
      case '[':
        return characterClass();
      case '^':
        return { kind: 'start' };
      case '$':
        return { kind: 'end' };
      case '\\':
        return { kind: 'set', ranges: escape(false).ranges };
      case '.':
        return refuse('"." (RE2 and ECMAScript disagree on line terminators; write a class)');
      case '*':
      case '+':
      case '?':
      case '{':
        return refuse('a quantifier with nothing to repeat');
      case ')':
      case ']':
      case '}':
        return refuse(`an unescaped "${ch}"`);
      default:
        return { kind: 'set', ranges: [chars[pos - 1] as number, chars[pos - 1] as number] };
    }
  };

  /** After a backslash: a class escape as ranges, or one code point as `one`. */
  const escape = (inClass: boolean): { ranges: Ranges; one?: number } => {
    const ch = peek();
    if (ch === undefined) return refuse('a trailing backslash');
    pos++;
    const classes: Record<string, Ranges> = { d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE) };
    const controls: Record<string, number> = { t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d };
    const named = classes[ch];
    if (named) return { ranges: named };
    let c = controls[ch];
    if (c === undefined && ch === 'u') {
      const hex = source.slice(offsetOf(pos), offsetOf(pos) + 4);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) refuse('a \\u escape without four hex digits');
      c = parseInt(hex, 16);
      if (c >= 0xd800 && c <= 0xdfff) refuse('a surrogate \\u escape');
      pos += 4;
    } else if (c === undefined) {
      // Escaped syntax characters mean themselves in both dialects; letters and digits are
      // back-references or assertions (\b, \1, \p{...}) whose meaning differs or needs more.
      if (!SYNTAX.has(ch) || (ch === '-' && !inClass)) refuse(`the escape \\${ch}`);
      c = ch.codePointAt(0) as number;
    }
    return { ranges: [c, c], one: c };
  };

  const characterClass = (): Node => {
    const negated = peek() === '^';
    if (negated) pos++;
    if (peek() === ']') refuse('a "]" first in a class ([] and [^] differ between RE2 and ECMAScript)');
    const ranges: number[] = [];
    const member = (): { ranges: Ranges; one?: number } => {
      const ch = peek();
      if (ch === undefined) return refuse('an unclosed class');
      pos++;
      if (ch === '[') refuse('a "[" inside a class (RE2 reads [:name:] there)');
      if (ch !== '\\') return { ranges: [], one: chars[pos - 1] as number };
      return escape(true);
    };
    while (peek() !== ']') {
      const first = member();
      if (peek() === '-' && pos + 1 < chars.length && chars[pos + 1] !== 0x5d) {
        pos++;
        const last = member();
        if (first.one === undefined || last.one === undefined) return refuse('a range with a class escape as an end');
        if (first.one > last.one) refuse('a range out of order');
        ranges.push(first.one, last.one);
      } else if (first.one !== undefined) ranges.push(first.one, first.one);
      else ranges.push(...first.ranges);
    }
    pos++;
    const set = normalize(ranges);
    return { kind: 'set', ranges: negated ? complement(set) : set };
  };

  const tree = alternation();
  if (pos < chars.length) refuse('an unbalanced ")"');
  return tree;
}

// The NFA program. CHAR consumes one code point in `ranges` and goes to `next`; SPLIT goes to both
// `next` and `alt`; START and END pass only at the start and the end of the input.
const CHAR = 0;
const SPLIT = 1;
const JUMP = 2;
const START = 3;
const END = 4;
const MATCH = 5;
interface Instruction {
  op: number;
  next: number;
  alt: number;
  ranges: Ranges;
}

function compileProgram(tree: Node, source: string): Instruction[] {
  const program: Instruction[] = [];
  const emit = (op: number, ranges: Ranges = []): Instruction => {
    if (program.length >= MAX_PROGRAM) throw new Error(`pattern ${JSON.stringify(source)}: too large once its repetitions are expanded`);
    const instruction = { op, next: program.length + 1, alt: -1, ranges };
    program.push(instruction);
    return instruction;
  };
  const optional = (item: Node): void => {
    const split = emit(SPLIT);
    gen(item);
    split.alt = program.length;
  };
  const gen = (node: Node): void => {
    switch (node.kind) {
      case 'set':
        emit(CHAR, node.ranges);
        return;
      case 'start':
        emit(START);
        return;
      case 'end':
        emit(END);
        return;
      case 'cat':
        node.items.forEach(gen);
        return;
      case 'alt': {
        const jumps: Instruction[] = [];
        node.items.forEach((item, i) => {
          const split = i < node.items.length - 1 ? emit(SPLIT) : undefined;
          gen(item);
          if (split) {
            jumps.push(emit(JUMP));
            split.alt = program.length;
          }
        });
        for (const jump of jumps) jump.next = program.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i++) gen(node.item);
        if (node.max === Infinity) {
          const loop = program.length;
          const split = emit(SPLIT);
          gen(node.item);
          emit(JUMP).next = loop;
          split.alt = program.length;
        } else {
          for (let i = node.min; i < node.max; i++) optional(node.item);
        }
        return;
      }
    }
  };
  gen(tree);
  emit(MATCH);
  return program;
}

interface DfaState {
  /** The CHAR and END instructions the NFA is waiting at. */
  readonly waiting: Int32Array;
  /** MATCH was reached: the pattern matched, whatever follows. */
  readonly matched: boolean;
  /** Where each character class leads, filled as met. */
  next: (DfaState | undefined)[];
  /** Whether the input may end here, once asked. */
  endMatched: boolean | undefined;
}

class LinearPattern implements CompiledPattern {
  private readonly program: Instruction[];
  /**
   * The code points split into classes that every CHAR treats alike (as RE2's byte classes): class i
   * starts at classStarts[i]. Transitions are per class, so a thousand different CJK characters that
   * the pattern does not name cost one transition, not a thousand.
   */
  private readonly classStarts: Int32Array;
  private readonly asciiClass: Uint16Array;
  private readonly marks: Uint32Array;
  private generation = 0;
  private states = new Map<string, DfaState>();
  private readonly initial: DfaState;

  constructor(
    readonly source: string,
    private readonly maxStates: number,
  ) {
    this.program = compileProgram(parse(source), source);
    const starts = new Set<number>([0]);
    for (const { op, ranges } of this.program) {
      if (op !== CHAR) continue;
      for (let i = 0; i < ranges.length; i += 2) {
        starts.add(ranges[i] as number);
        if ((ranges[i + 1] as number) < MAX_CODE_POINT) starts.add((ranges[i + 1] as number) + 1);
      }
    }
    this.classStarts = Int32Array.from([...starts].sort((a, b) => a - b));
    this.asciiClass = Uint16Array.from({ length: 128 }, (_, c) => this.classOf(c));
    this.marks = new Uint32Array(this.program.length);
    this.initial = this.closure([0], true, false);
  }

  test(input: string): boolean {
    let state = this.initial;
    const length = input.length;
    for (let i = 0; i < length; i++) {
      if (state.matched) return true;
      // Nothing waits and the unanchored restart adds nothing (every branch starts with ^): no match.
      if (state.waiting.length === 0) return false;
      let c = input.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
        const low = input.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      const cls = c < 128 ? (this.asciiClass[c] as number) : this.classOf(c);
      state = state.next[cls] ?? this.step(state, cls);
    }
    if (state.matched) return true;
    if (state.endMatched === undefined) state.endMatched = this.closure(Array.from(state.waiting).filter((pc) => this.program[pc]?.op === END).map((pc) => pc + 1), length === 0, true).matched;
    return state.endMatched;
  }

  /** The last class that starts at or before `c` (binary search). */
  private classOf(c: number): number {
    let lo = 0;
    let hi = this.classStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.classStarts[mid] as number) <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Drops every state and transition: memory stays bounded, each character still costs one closure at most. */
  private forget(): void {
    for (const state of [...this.states.values(), this.initial]) state.next = new Array<DfaState | undefined>(this.classStarts.length);
    this.states = new Map();
  }

  private step(state: DfaState, cls: number): DfaState {
    // Every code point of a class is in or out of each CHAR's ranges alike: its first one stands for all.
    const c = this.classStarts[cls] as number;
    const next: number[] = [];
    for (const pc of state.waiting) {
      const instruction = this.program[pc] as Instruction;
      if (instruction.op === CHAR && inRanges(instruction.ranges, c)) next.push(instruction.next);
    }
    // Unanchored: a match may also start at the next position.
    next.push(0);
    if (this.states.size >= this.maxStates) this.forget();
    const target = this.closure(next, false, false);
    state.next[cls] = target;
    return target;
  }

  /** Follows SPLIT, JUMP and the anchors that hold from `pcs`; stops at CHAR, END (unless at the end) and MATCH. */
  private closure(pcs: number[], atStart: boolean, atEnd: boolean): DfaState {
    // A new mark per closure, so no clearing; start again before the counter leaves Uint32 range.
    if (this.generation === 0xffffffff) {
      this.marks.fill(0);
      this.generation = 0;
    }
    const generation = ++this.generation;
    const waiting: number[] = [];
    let matched = false;
    const stack = pcs.slice().reverse();
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (this.marks[pc] === generation) continue;
      this.marks[pc] = generation;
      const instruction = this.program[pc] as Instruction;
      switch (instruction.op) {
        case CHAR:
          waiting.push(pc);
          break;
        case SPLIT:
          stack.push(instruction.alt, instruction.next);
          break;
        case JUMP:
          stack.push(instruction.next);
          break;
        case START:
          if (atStart) stack.push(instruction.next);
          break;
        case END:
          if (atEnd) stack.push(instruction.next);
          else waiting.push(pc);
          break;
        case MATCH:
          matched = true;
          break;
      }
    }
    waiting.sort((a, b) => a - b);
    const key = `${matched ? 'm' : ''}${waiting.join(',')}`;
    const known = atStart || atEnd ? undefined : this.states.get(key);
    if (known) return known;
    // Every field set here, in one order: one object shape, so the loop in test() stays monomorphic.
    const state: DfaState = { waiting: Int32Array.from(waiting), matched, next: new Array<DfaState | undefined>(this.classStarts.length), endMatched: undefined };
    // The start state and end checks depend on where they are; only the states in between are shared.
    if (!atStart && !atEnd) this.states.set(key, state);
    return state;
  }
}

/** Compiles `source` once; throws for a construct outside the linear-time subset. `maxStates` is for tests. */
export function compileLinearPattern(source: string, maxStates = MAX_DFA_STATES): CompiledPattern {
  return new LinearPattern(source, maxStates);
}
