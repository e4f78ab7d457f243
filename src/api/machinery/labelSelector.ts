/**
 * Label selectors (`?labelSelector=`), parsed and matched as apimachinery `pkg/labels` does:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist),
 * and the numeric `a>1`, `a<1`, comma-joined (AND). Keys and values are validated as label
 * keys and values; the parse errors carry kube's wording (`found ',', expected: identifier`,
 * `unable to parse requirement: …`) so a user sees what kube-apiserver would have said.
 *
 * Hand-written: no maintained JavaScript library parses this grammar (it is Kubernetes').
 */
import { aggregateFieldErrors, fieldError, type FieldError } from '../../errors/index.js';
import { badRequest } from './status.js';
import { isQualifiedName, isValidLabelValue } from '../validation/content.js';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** sorted and de-duplicated, as apimachinery keeps them (a set) */
  values: string[];
}

/** Requirements sorted by key (AND of all); an empty list selects everything. */
export type LabelSelector = readonly LabelRequirement[];

/** A selector longer than this is refused before it is lexed (it could only come from a body, not a URL). */
export const MAX_SELECTOR_LENGTH = 64 * 1024;

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

type Tok =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const TOKENS: Record<string, Tok> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean =>
  c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

interface Item {
  tok: Tok;
  lit: string;
}

/** Splits the selector into tokens; special symbols take the longest token they form (`!=`, `==`). */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    const start = pos;
    if (isSpecial(s[pos]!)) {
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        const candidate = s.slice(start, pos + 1);
        const tok = TOKENS[candidate];
        if (tok) last = { tok, lit: candidate };
        else if (last) break;
        pos++;
      }
      if (!last) items.push({ tok: 'error', lit: `error expected: keyword found '${s.slice(start, pos)}'` });
      else {
        items.push(last);
        pos = start + last.lit.length;
      }
      continue;
    }
    while (pos < s.length && !isSpecial(s[pos]!) && !isWhitespace(s[pos]!)) pos++;
    const lit = s.slice(start, pos);
    items.push({ tok: Object.hasOwn(TOKENS, lit) ? TOKENS[lit]! : 'identifier', lit });
  }
}

class ParseError extends Error {}

/** The recursive-descent parser over the token list, with kube's two contexts for `in`/`notin`. */
class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In a values context the keywords `in` and `notin` are plain identifiers (`x in (in)`). */
  private peek(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === 'in' || it.tok === 'notIn') ? { tok: 'identifier', lit: it.lit } : it;
  }

  private next(values: boolean): Item {
    const it = this.peek(values);
    if (this.pos < this.items.length - 1) this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'end') return reqs;
      if (tok !== 'identifier' && tok !== 'doesNotExist')
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.next(true);
      if (after.tok === 'end') return reqs;
      if (after.tok !== 'comma') throw new ParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.tok !== 'identifier' && following.tok !== 'doesNotExist')
        throw new ParseError(`found '${following.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let item = this.next(true);
    if (item.tok === 'doesNotExist') {
      negated = true;
      item = this.next(true);
    }
    if (item.tok !== 'identifier') throw new ParseError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrors = isQualifiedName(key);
    if (keyErrors.length)
      throw new ParseError(aggregateFieldErrors([fieldError.invalid('key', key, keyErrors.join('; '))]));
    // `!key` is complete by itself: whatever follows it must be a comma or the end (`!a=b` fails there)
    if (negated) return build(key, '!', []);
    const ahead = this.peek(true).tok;
    if (ahead === 'end' || ahead === 'comma') return build(key, 'exists', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return build(key, op, values);
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'notIn':
        return 'notin';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'notEquals':
        return '!=';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      default:
        throw new ParseError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  /** `(a,b,,c)`: empty members are the empty string, as in kube. */
  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== 'openPar') throw new ParseError(`found '${open.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === 'closedPar') {
      this.next(true);
      return [''];
    }
    if (first.tok !== 'identifier' && first.tok !== 'comma')
      throw new ParseError(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const it = this.next(true);
      if (it.tok === 'identifier') {
        values.add(it.lit);
        const nx = this.peek(true);
        if (nx.tok === 'comma') continue;
        if (nx.tok === 'closedPar') break;
        throw new ParseError(`found '${nx.lit}', expected: ',' or ')'`);
      } else if (it.tok === 'comma') {
        if (values.size === 0) values.add('');
        const nx = this.peek(true);
        if (nx.tok === 'closedPar') {
          values.add('');
          break;
        }
        if (nx.tok === 'comma') values.add('');
      } else throw new ParseError(`found '${it.lit}', expected: ',', or identifier`);
    }
    const close = this.next(true);
    if (close.tok !== 'closedPar') throw new ParseError(`found '${first.lit}', expected: ')'`);
    return [...values];
  }

  private exactValue(): string[] {
    const ahead = this.peek(true);
    if (ahead.tok === 'end' || ahead.tok === 'comma') return [''];
    const it = this.next(true);
    if (it.tok === 'identifier') return [it.lit];
    throw new ParseError(`found '${it.lit}', expected: identifier`);
  }
}

/** apimachinery NewRequirement's checks, every problem collected. */
function build(key: string, operator: LabelOperator, raw: string[]): LabelRequirement {
  const values = [...new Set(raw)].sort();
  const errs: FieldError[] = [];
  for (const m of isQualifiedName(key)) errs.push(fieldError.invalid('key', key, m));
  switch (operator) {
    case 'in':
    case 'notin':
      if (!values.length)
        errs.push(fieldError.invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1)
        errs.push(fieldError.invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length)
        errs.push(fieldError.invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1)
        errs.push(fieldError.invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined)
          errs.push(fieldError.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(fieldError.invalid(`values[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length) throw new ParseError(aggregateFieldErrors(errs));
  return { key, operator, values };
}

/** Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, in the int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/**
 * Parses a `labelSelector`; throws a 400 BadRequest StatusError with kube's message. The
 * requirements come back sorted by key (kube sorts them for a deterministic string form).
 */
export function parseLabelSelector(text: string): LabelSelector {
  if (text.length > MAX_SELECTOR_LENGTH)
    throw badRequest(`label selector is ${text.length} characters long; at most ${MAX_SELECTOR_LENGTH} are accepted`);
  try {
    const reqs = new Parser(lex(text)).parse();
    return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

/** Whether one requirement holds for a label set (apimachinery Requirement.Matches). */
export function requirementMatches(
  r: LabelRequirement,
  labels: Readonly<Record<string, string>> | undefined | null,
): boolean {
  const has = labels !== undefined && labels !== null && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const mine = parseInt64(value!);
      const theirs = parseInt64(r.values[0]!);
      if (mine === undefined || theirs === undefined) return false;
      return r.operator === 'gt' ? mine > theirs : mine < theirs;
    }
  }
}

/** Whether every requirement holds (the empty selector matches everything). */
export function labelsMatch(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined | null,
): boolean {
  for (const r of selector) if (!requirementMatches(r, labels)) return false;
  return true;
}

/** The selector's canonical text (kube's String()): `a in (x,y),!b,c=d`. */
export function labelSelectorString(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
        default:
          return `${r.key}${r.operator}${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}
