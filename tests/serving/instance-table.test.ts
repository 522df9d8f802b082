import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fastJson from 'fast-json-stringify';
import { parseInstanceTable, writeTablePrediction, type ServedVersion } from '../../src/serving/index.ts';
import { versionPredictResponse } from '../../src/http/routes/predict.schemas.ts';
import { seededRandom } from '../support/fixtures.ts';

const parse = (text: string) => parseInstanceTable(Buffer.from(text, 'utf8'));

/** Number texts of every form JSON allows, as a client might write them. */
function numberTexts(seed: number, count: number): string[] {
  const r = seededRandom(seed);
  const fixed = ['0', '-0', '0.0', '1', '-1', '10', '1.5', '1.50', '0.000001', '0.0000001', '0.0000012', '-0.000001', '123456789012345', '1234567890123456', '0.1234567890123456789', '1e3', '1E-7', '-2.5e+2', '3.4028234663852886e38', '1e400', '-1e-400', '5e-324', '0.30000000000000004', '9007199254740993'];
  const out = [...fixed];
  while (out.length < count) {
    const kind = Math.floor(r() * 5);
    const v = (r() * 2 - 1) * 10 ** Math.floor(r() * 12 - 6);
    if (kind === 0) out.push(String(v));
    else if (kind === 1) out.push(v.toFixed(Math.floor(r() * 8)));
    else if (kind === 2) out.push(v.toExponential(Math.floor(r() * 10)));
    else if (kind === 3) out.push(String(Math.fround(v)));
    else out.push(String(Math.round(v * 1e4) / 1e4));
  }
  return out;
}

describe('parseInstanceTable: a batch of instances read from bytes as JSON.parse reads it', () => {
  it('every value is the double JSON.parse gives, with whitespace anywhere JSON allows it', () => {
    const names = ['home_elo', 'away_elo', 'mkt_p_home', 'x'];
    const texts = numberTexts(3, 2000);
    const rows: string[][] = [];
    for (let i = 0; i + names.length <= texts.length; i += names.length) rows.push(texts.slice(i, i + names.length));
    const spaced = (r: number) => [' ', '\n', '\t', '\r\n  '][r % 4]!;
    for (const pretty of [false, true]) {
      const ws = (r: number) => (pretty ? spaced(r) : '');
      const text = `${ws(0)}{${ws(1)}"instances"${ws(2)}:${ws(3)}[${rows.map((row, r) => `${ws(r)}{${row.map((v, f) => `${ws(r + f)}"${names[f]}"${ws(r)}:${ws(f)}${v}${ws(r + 1)}`).join(',')}}${ws(r)}`).join(',')}]${ws(1)}}${ws(2)}`;
      const table = parse(text);
      assert.ok(table, `pretty=${pretty}`);
      const expected = (JSON.parse(text) as { instances: Record<string, number>[] }).instances;
      assert.deepEqual(table.columns, names);
      assert.equal(table.rows, expected.length);
      expected.forEach((item, r) => names.forEach((n, f) => assert.ok(Object.is(table.values[r * names.length + f], item[n]), `row ${r} ${n}: ${rows[r]![f]} read as ${table.values[r * names.length + f]}, JSON.parse ${item[n]}`)));
    }
  });

  it('a row is echoed verbatim only when its text is exactly what the answer would write for it', () => {
    const names = ['a', 'b'];
    const texts = numberTexts(5, 600);
    const rows = Array.from({ length: texts.length / 2 }, (_, r) => [texts[2 * r]!, texts[2 * r + 1]!]);
    const text = `{"instances":[${rows.map((row, r) => (r % 7 === 0 ? `{ "a":${row[0]},"b":${row[1]}}` : `{"a":${row[0]},"b":${row[1]}}`)).join(',')}]}`;
    const table = parse(text)!;
    let verbatim = 0;
    for (let r = 0; r < table.rows; r++) {
      const written = `{${names.map((n, f) => `${JSON.stringify(n)}:${String(table.values[r * 2 + f])}`).join(',')}}`;
      const own = table.bytes.toString('utf8', Math.abs(table.rowStart[r]!), table.rowEnd[r]!);
      if (table.rowStart[r]! >= 0) {
        verbatim++;
        assert.equal(own, written, `row ${r}`);
      }
      // A spaced row is never echoed (the answer has no spaces).
      if (r % 7 === 0) assert.ok(table.rowStart[r]! < 0, `row ${r}`);
    }
    assert.ok(verbatim > 0);
    // Rows as a client usually writes them (String() of its numbers, no spaces) are all echoed.
    const r = seededRandom(9);
    const usual = Array.from({ length: 200 }, () => `{"a":${String(Math.round((r() * 2 - 1) * 1e4) / 1e4)},"b":${String(Math.round((r() - 0.5) * 10 ** Math.floor(r() * 11)) / 1e6)}}`);
    const plain = parse(`{"instances":[${usual.join(',')}]}`)!;
    usual.forEach((row, i) => assert.ok(plain.rowStart[i]! >= 0, row));
  });

  it('the same keys as the previous body reuse its column names; any other keys are read anew', () => {
    const first = parse('{"instances":[{"home_elo":1,"away_elo":2}]}')!;
    const again = parse('{"instances":[{"home_elo":3,"away_elo":4},{"home_elo":5,"away_elo":6}]}')!;
    assert.equal(again.columns, first.columns, 'the same keys: the previous frozen names');
    assert.ok(Object.isFrozen(again.columns));
    // Same count and total length, other bytes; same count, other lengths; one key more.
    for (const [text, names] of [
      ['{"instances":[{"home_elX":1,"away_elo":2}]}', ['home_elX', 'away_elo']],
      ['{"instances":[{"home_el":1,"away_eloo":2}]}', ['home_el', 'away_eloo']],
      ['{"instances":[{"home_elo":1,"away_elo":2,"x":3}]}', ['home_elo', 'away_elo', 'x']],
      ['{"instances":[{"home_elo":1,"away_elo":2}]}', ['home_elo', 'away_elo']],
    ] as const) {
      assert.deepEqual(parse(text)?.columns, names, text);
    }
    // A repeated or prototype key is refused whatever was read before it.
    parse('{"instances":[{"a":1,"b":2}]}');
    assert.equal(parse('{"instances":[{"a":1,"a":2}]}'), undefined);
    parse('{"instances":[{"__proto__":1}]}');
    assert.equal(parse('{"instances":[{"__proto__":1}]}'), undefined);
  });

  it('each table owns its values and rows: a later read (a big batch, then a small one) changes none of them', () => {
    const small = parse('{"instances":[{"a":1.5,"b":-2}]}')!;
    const rows = Array.from({ length: 5000 }, (_, r) => `{"a":${r},"b":${r + 0.25}}`);
    const big = parse(`{"instances":[${rows.join(',')}]}`)!;
    const after = parse('{ "instances":[{"a":7,"b":8}]}')!;
    assert.deepEqual([...small.values], [1.5, -2]);
    assert.deepEqual([...small.rowStart, ...small.rowEnd], [14, 30]);
    assert.equal(big.rows, 5000);
    assert.deepEqual([big.values[0], big.values[9999], big.rowStart[4999]! >= 0], [0, 4999.25, true]);
    assert.deepEqual([...after.values, after.rowStart[0]], [7, 8, 15]);
    assert.equal(small.values.length, 2);
    assert.equal(big.values.length, 10000);
  });

  it('leaves every other body to the generic parser (undefined)', () => {
    const bodies = [
      '{"instances":[]}',
      '{"instances":[{}]}',
      '{"games":[{"gameId":1}]}',
      '{"instances":[{"a":1}],"games":[]}',
      '{"instances":[{"a":1}],"instances":[{"a":2}]}',
      '{"instances":[{"a":"1"}]}',
      '{"instances":[{"a":null}]}',
      '{"instances":[{"a":true}]}',
      '{"instances":[{"a":[1]}]}',
      '{"instances":[{"a":1,"b":2},{"b":2,"a":1}]}',
      '{"instances":[{"a":1,"b":2},{"a":1}]}',
      '{"instances":[{"a":1},{"a":1,"b":2}]}',
      '{"instances":[{"a":1,"a":2}]}',
      '{"instances":[{"__proto__":1}]}',
      '{"instances":[{"constructor":1}]}',
      '{"instances":[{"a\\u0000":1}]}',
      '{"instances":[{"\\u0061":1}]}',
      '{"instances":[{"é":1}]}',
      '{"instances":[1,2]}',
      '{"instances":[{"a":1}]',
      '{"instances":[{"a":1}]}x',
      '{"instances":[{"a":1},]}',
      '{"instances":[{"a":01}]}',
      '{"instances":[{"a":1.}]}',
      '{"instances":[{"a":.5}]}',
      '{"instances":[{"a":+1}]}',
      '{"instances":[{"a":1e}]}',
      '{"instances":[{"a":-}]}',
      '{"instances":[{"a":NaN}]}',
      '{"instances":[{"a":1}] }  ,',
      '[{"a":1}]',
      '',
      '{"instances":{"a":1}}',
    ];
    for (const body of bodies) assert.equal(parse(body), undefined, body);
  });
});

describe('writeTablePrediction: the answer as the compiled serializer writes it', () => {
  const cases: Array<{ model: string; classes: string[]; featureNames: string[] }> = [
    { model: 'bench', classes: ['home', 'draw', 'away'], featureNames: ['home_elo', 'away_elo', 'mkt_p_home'] },
    { model: 'naïve "quoted" \\ model', classes: ['win', 'loss'], featureNames: ['f', 'g', 'h', 'i'] },
  ];
  for (const c of cases) {
    it(`byte for byte, verbatim rows and formatted ones (${c.model})`, () => {
      const served = { model: c.model, version: 7, runtime: 'onnx', classes: c.classes, featureNames: c.featureNames } as unknown as ServedVersion;
      const texts = numberTexts(11, 400).filter((t) => Number.isFinite(Number(t)));
      const nf = c.featureNames.length;
      const rows = Math.floor(texts.length / nf);
      const text = `{"instances":[${Array.from({ length: rows }, (_, r) => `{${c.featureNames.map((n, f) => `${r % 3 ? '' : ' '}"${n}":${texts[r * nf + f]}`).join(',')}}`).join(',')}]}`;
      const table = parseInstanceTable(Buffer.from(text))!;
      assert.ok(table);
      const r = seededRandom(2);
      const probabilities = Float64Array.from({ length: rows * c.classes.length }, () => Math.fround(r()));
      const written = writeTablePrediction(served, { model: c.model, version: 7, runtime: 'onnx', classes: [...c.classes], table, probabilities }).toString('utf8');
      const objects = (JSON.parse(text) as { instances: Record<string, number>[] }).instances;
      const serialize = fastJson(versionPredictResponse(c.classes, c.featureNames) as object);
      const expected = serialize({
        model: c.model,
        version: 7,
        runtime: 'onnx',
        classes: c.classes,
        predictions: objects.map((features, i) => ({ model: c.model, version: 7, probabilities: Object.fromEntries(c.classes.map((k, j) => [k, probabilities[i * c.classes.length + j]])), features })),
      });
      assert.equal(written, expected);
    });
  }
});
