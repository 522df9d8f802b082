/**
 * Prices held columnar: one set of typed arrays per parsed file instead of an object per price.
 * Why: the big-5 folder has 1.85 M prices, and an import holds all of them from the parse to the
 * write; as objects they were most of the import's live heap and about 2.7 s of its garbage
 * collection (and at 16x the big-5's size the collector's passes over that heap grew faster than
 * the games). A game keeps a `PackedOdds` view (its range of its file's columns); readers that
 * want objects iterate it (an `OddsValue` per price, made on the fly), the odds write reads the
 * columns directly.
 */

export type Market = '1x2' | 'moneyline' | 'spread' | 'total';
export type Selection = 'home' | 'draw' | 'away' | 'over' | 'under';
export type OddsKind = 'opening' | 'preclosing' | 'closing' | 'snapshot';

/** One price: decimal odds > 1. `line` is the home handicap (spread) or the points (total), else 0. */
export interface OddsValue {
  bookmaker: string;
  market: Market;
  selection: Selection;
  line: number;
  kind: OddsKind;
  price: number;
}

/** Codes of the columns: a price's market, selection and kind are stored as an index into these. */
export const MARKETS: readonly Market[] = ['1x2', 'moneyline', 'spread', 'total'];
export const SELECTIONS: readonly Selection[] = ['home', 'draw', 'away', 'over', 'under'];
export const KINDS: readonly OddsKind[] = ['opening', 'preclosing', 'closing', 'snapshot'];

/** The prices of one file, appended in row order. */
export class PriceColumns {
  length = 0;
  /** Bookmaker codes (the parser's constant strings, so no string per price). */
  book: string[] = [];
  market = new Uint8Array(1024);
  selection = new Uint8Array(1024);
  kind = new Uint8Array(1024);
  line = new Float64Array(1024);
  price = new Float64Array(1024);

  /** Appends one price; `market`, `selection` and `kind` index MARKETS, SELECTIONS and KINDS. */
  push(book: string, market: number, selection: number, kind: number, line: number, price: number): void {
    const i = this.length;
    if (i === this.price.length) this.grow();
    this.book.push(book);
    this.market[i] = market;
    this.selection[i] = selection;
    this.kind[i] = kind;
    this.line[i] = line;
    this.price[i] = price;
    this.length = i + 1;
  }

  private grow(): void {
    const size = this.price.length * 2;
    const widen = <T extends Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(a);
      return next;
    };
    this.market = widen(this.market, (n) => new Uint8Array(n));
    this.selection = widen(this.selection, (n) => new Uint8Array(n));
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.line = widen(this.line, (n) => new Float64Array(n));
    this.price = widen(this.price, (n) => new Float64Array(n));
  }
}

/** A game's prices: positions `start` (inclusive) to `end` (exclusive) of its file's columns. */
export class PackedOdds implements Iterable<OddsValue> {
  constructor(readonly columns: PriceColumns, readonly start: number, readonly end: number) {}

  get length(): number {
    return this.end - this.start;
  }

  *[Symbol.iterator](): Iterator<OddsValue> {
    const c = this.columns;
    for (let i = this.start; i < this.end; i++) {
      yield { bookmaker: c.book[i]!, market: MARKETS[c.market[i]!]!, selection: SELECTIONS[c.selection[i]!]!, line: c.line[i]!, kind: KINDS[c.kind[i]!]!, price: c.price[i]! };
    }
  }
}

/** A game's prices as a parser hands them on: objects (the US sources) or packed (football-data). */
export type OddsList = readonly OddsValue[] | PackedOdds;
