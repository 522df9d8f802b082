import { AppError } from '../../core/index.ts';

/**
 * MLflow's search language, the subset its clients send: filter strings (`metrics.log_loss < 0.98
 * and params.algo = 'mlp'`), `order_by` clauses, and page tokens (base64 of `{"offset": n}`, as
 * MLflow's own server writes them). Parsed here once; each search says which keys it allows.
 */

export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute';
export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  entity: FilterEntity;
  key: string;
  op: FilterOp;
  value: string | number | string[];
}

export interface OrderClause {
  entity: FilterEntity;
  key: string;
  ascending: boolean;
}

/** What one search accepts: its attributes (numeric or text) and which other entities it knows. */
export interface SearchGrammar {
  /** Attribute names (and their synonyms, mapped to the name) with their kind. */
  attributes: Readonly<Record<string, { name: string; kind: 'number' | 'text' }>>;
  entities: readonly FilterEntity[];
}

const ENTITY_PREFIXES: Readonly<Record<string, FilterEntity>> = {
  metric: 'metric', metrics: 'metric',
  param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
};

const NUMBER_OPS: readonly FilterOp[] = ['=', '!=', '<', '<=', '>', '>='];
const TEXT_OPS: readonly FilterOp[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('TRACKING_SEARCH_INVALID', message, { details });
}

type Token =
  | { kind: 'ident'; entity: string | null; key: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'op'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'punct'; value: '(' | ')' | ',' };

function quoted(text: string, at: number, quote: string): { value: string; end: number } {
  const end = text.indexOf(quote, at + 1);
  if (end < 0) throw invalid(`Invalid filter string '${text}': unterminated ${quote} at position ${at}`);
  return { value: text.slice(at + 1, end), end: end + 1 };
}

const KEYWORDS = new Set(['AND', 'LIKE', 'ILIKE', 'IN', 'NOT', 'ASC', 'DESC', 'OR']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "'" || c === '"') {
      const q = quoted(text, i, c);
      tokens.push({ kind: 'string', value: q.value });
      i = q.end;
    } else if (c === '`') {
      const q = quoted(text, i, '`');
      tokens.push({ kind: 'ident', entity: null, key: q.value });
      i = q.end;
    } else if (/[<>!=]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '=='].includes(two) ? two : c;
      if (op === '!') throw invalid(`Invalid filter string '${text}': '!' must be '!='`);
      tokens.push({ kind: 'op', value: op === '==' ? '=' : op });
      i += op.length;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', value: c });
      i += 1;
    } else if (/[-+\d.]/.test(c)) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!m) throw invalid(`Invalid filter string '${text}': unexpected '${c}' at position ${i}`);
      tokens.push({ kind: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      i += word.length;
      if (text[i] === '.') {
        i += 1;
        const next = text[i];
        if (next === '`' || next === '"') {
          const q = quoted(text, i, next);
          tokens.push({ kind: 'ident', entity: word, key: q.value });
          i = q.end;
        } else {
          const key = /^[^\s=<>!(),'"`]+/.exec(text.slice(i))?.[0];
          if (!key) throw invalid(`Invalid filter string '${text}': a key must follow '${word}.'`);
          tokens.push({ kind: 'ident', entity: word, key });
          i += key.length;
        }
      } else if (KEYWORDS.has(word.toUpperCase())) {
        tokens.push({ kind: 'word', value: word.toUpperCase() });
      } else {
        tokens.push({ kind: 'ident', entity: null, key: word });
      }
    } else {
      throw invalid(`Invalid filter string '${text}': unexpected '${c}' at position ${i}`);
    }
  }
  return tokens;
}

function resolveKey(token: Extract<Token, { kind: 'ident' }>, grammar: SearchGrammar, text: string): { entity: FilterEntity; key: string; kind: 'number' | 'text' } {
  const entity = token.entity === null ? 'attribute' : ENTITY_PREFIXES[token.entity.toLowerCase()];
  if (!entity) throw invalid(`Invalid entity type '${token.entity}' in '${text}'. Valid values are ${[...new Set(grammar.entities.flatMap((e) => Object.keys(ENTITY_PREFIXES).filter((p) => ENTITY_PREFIXES[p] === e)))].join(', ')}`);
  if (!grammar.entities.includes(entity)) throw invalid(`Invalid entity type '${token.entity}' in '${text}': this search does not filter on ${entity}s`);
  if (entity === 'attribute') {
    const attribute = grammar.attributes[token.key] ?? grammar.attributes[token.key.toLowerCase()];
    if (!attribute) throw invalid(`Invalid attribute key '${token.key}' specified. Valid keys are '${[...new Set(Object.keys(grammar.attributes))].join("', '")}'`, { key: token.key });
    return { entity, key: attribute.name, kind: attribute.kind };
  }
  return { entity, key: token.key, kind: entity === 'metric' ? 'number' : 'text' };
}

/**
 * Parses an MLflow filter string: clauses joined by AND (MLflow has no OR), each
 * `<entity>.<key> <comparator> <value>`. Metrics and numeric attributes take numbers and
 * `= != < <= > >=`; params, tags and text attributes take quoted strings and `= != LIKE ILIKE`,
 * or `IN ('a', 'b')` / `NOT IN`. Keys with other characters go in backticks or double quotes.
 * @throws AppError TRACKING_SEARCH_INVALID naming what is wrong
 */
export function parseFilter(text: string | undefined, grammar: SearchGrammar): FilterClause[] {
  if (!text || !text.trim()) return [];
  const tokens = tokenize(text);
  const clauses: FilterClause[] = [];
  let i = 0;
  const next = () => tokens[i++];
  for (;;) {
    const ident = next();
    if (!ident || ident.kind !== 'ident') throw invalid(`Invalid filter string '${text}': expected a key such as metrics.log_loss, params.algo or attributes.status`);
    const { entity, key, kind } = resolveKey(ident, grammar, text);
    let token = next();
    let op: FilterOp;
    if (token?.kind === 'op') op = token.value as FilterOp;
    else if (token?.kind === 'word' && (token.value === 'LIKE' || token.value === 'ILIKE' || token.value === 'IN')) op = token.value;
    else if (token?.kind === 'word' && token.value === 'NOT' && tokens[i]?.kind === 'word' && (tokens[i] as { value: string }).value === 'IN') {
      i += 1;
      op = 'NOT IN';
    } else throw invalid(`Invalid filter string '${text}': expected a comparator after ${ident.entity ? `${ident.entity}.` : ''}${ident.key}`);
    const allowed = kind === 'number' ? NUMBER_OPS : TEXT_OPS;
    if (!allowed.includes(op)) throw invalid(`Invalid comparator '${op}' for ${entity} '${key}': not one of '${allowed.join("', '")}'`, { key, comparator: op });
    let value: FilterClause['value'];
    if (op === 'IN' || op === 'NOT IN') {
      if (next()?.kind !== 'punct') throw invalid(`Invalid filter string '${text}': ${op} takes a list in parentheses, e.g. ('a', 'b')`);
      const list: string[] = [];
      for (;;) {
        token = next();
        if (token?.kind !== 'string') throw invalid(`Invalid filter string '${text}': ${op} lists quoted strings`);
        list.push(token.value);
        token = next();
        if (token?.kind === 'punct' && token.value === ')') break;
        if (!(token?.kind === 'punct' && token.value === ',')) throw invalid(`Invalid filter string '${text}': expected ',' or ')' in the ${op} list`);
      }
      value = list;
    } else {
      token = next();
      if (kind === 'number') {
        if (token?.kind !== 'number') throw invalid(`Expected numeric value type for ${entity} '${key}' in '${text}'`, { key });
        value = token.value;
      } else {
        if (token?.kind !== 'string') throw invalid(`Expected a quoted string value for ${entity} '${key}' in '${text}' (e.g. ${ident.entity ?? 'attributes'}.${key} = 'value')`, { key });
        value = token.value;
      }
    }
    clauses.push({ entity, key, op, value });
    const joiner = next();
    if (!joiner) return clauses;
    if (joiner.kind !== 'word' || joiner.value !== 'AND') throw invalid(`Invalid filter string '${text}': clauses are joined by AND${joiner.kind === 'word' && joiner.value === 'OR' ? ' (OR is not supported)' : ''}`);
  }
}

/** `order_by` clauses: `<key> [ASC|DESC]`, e.g. `metrics.log_loss ASC`, `attributes.start_time DESC`, `name`. */
export function parseOrderBy(clauses: readonly string[] | undefined, grammar: SearchGrammar): OrderClause[] {
  return (clauses ?? []).filter((c) => c.trim()).map((clause) => {
    const tokens = tokenize(clause);
    const [ident, direction, extra] = tokens;
    if (ident?.kind !== 'ident' || extra || (direction && !(direction.kind === 'word' && (direction.value === 'ASC' || direction.value === 'DESC')))) {
      throw invalid(`Invalid order_by clause '${clause}': expected '<key> [ASC|DESC]'`, { clause });
    }
    const { entity, key } = resolveKey(ident, grammar, clause);
    return { entity, key, ascending: !direction || (direction as { value: string }).value === 'ASC' };
  });
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const source = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
}

/** A value of an item for a key: what a search reads to filter and sort. Undefined: the item has none. */
export type ValueOf<T> = (item: T, entity: FilterEntity, key: string) => string | number | undefined;

/** Whether `item` meets every clause; an item without the key meets none (as in MLflow). */
export function matches<T>(item: T, clauses: readonly FilterClause[], valueOf: ValueOf<T>): boolean {
  return clauses.every((clause) => {
    const actual = valueOf(item, clause.entity, clause.key);
    if (actual === undefined) return false;
    const expected = clause.value;
    switch (clause.op) {
      case 'IN': return (expected as string[]).includes(String(actual));
      case 'NOT IN': return !(expected as string[]).includes(String(actual));
      case 'LIKE': return likeToRegExp(String(expected), false).test(String(actual));
      case 'ILIKE': return likeToRegExp(String(expected), true).test(String(actual));
      case '=': return typeof expected === 'number' ? Number(actual) === expected : String(actual) === expected;
      case '!=': return typeof expected === 'number' ? Number(actual) !== expected : String(actual) !== expected;
      case '<': return Number(actual) < (expected as number);
      case '<=': return Number(actual) <= (expected as number);
      case '>': return Number(actual) > (expected as number);
      case '>=': return Number(actual) >= (expected as number);
    }
  });
}

/** Sorts by the clauses (items without the key last, either direction), then by `tieBreak`. */
export function sortBy<T>(items: readonly T[], order: readonly OrderClause[], valueOf: ValueOf<T>, tieBreak: (a: T, b: T) => number): T[] {
  return [...items].sort((a, b) => {
    for (const clause of order) {
      const x = valueOf(a, clause.entity, clause.key);
      const y = valueOf(b, clause.entity, clause.key);
      if (x === undefined && y === undefined) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (c !== 0) return clause.ascending ? c : -c;
    }
    return tieBreak(a, b);
  });
}

/** A page token for the item at `offset`: base64 of `{"offset": n}`, as MLflow's server writes it. */
export function pageTokenOf(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** The offset a page token names (0 without one). @throws TRACKING_SEARCH_INVALID for a token this server did not write */
export function offsetOfPageToken(token: string | undefined): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid(`Invalid page token, could not base64-decode: ${token.slice(0, 100)}`, { pageToken: token.slice(0, 100) });
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalid(`Invalid page token: offset must be a non-negative integer, got ${JSON.stringify(offset)}`, { pageToken: token.slice(0, 100) });
  return offset;
}

/** One page of `items` and the token of the next (absent on the last page). */
export function pageOf<T>(items: readonly T[], maxResults: number, pageToken: string | undefined): { items: T[]; nextPageToken?: string } {
  const offset = offsetOfPageToken(pageToken);
  const page = items.slice(offset, offset + maxResults);
  const end = offset + page.length;
  return end < items.length ? { items: page, nextPageToken: pageTokenOf(end) } : { items: page };
}

/**
 * Checks `max_results` against the search's bound, as MLflow words it.
 * @throws TRACKING_SEARCH_INVALID
 */
export function checkMaxResults(value: number | undefined, defaultValue: number, max: number): number {
  if (value === undefined) return defaultValue;
  if (!Number.isSafeInteger(value) || value < 1) throw invalid(`Invalid value for request parameter max_results. It must be a positive integer, but got ${value}`, { maxResults: value });
  if (value > max) throw invalid(`Invalid value for request parameter max_results. It must be at most ${max}, but got value ${value}`, { maxResults: value });
  return value;
}
