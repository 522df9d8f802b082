import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgliteDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

/** A 400 for a value of a union (a stored game or a matchup) names the problems of the shape the request meant, only. */
describe('400s for a bad game report the branch the request meant', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  beforeAll(async () => {
    t = await createTestPgliteDb();
    ({ app, ctx } = await createTestApp(t.db));
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
  });

  async function problems(url: string, body: object): Promise<Array<{ path: string; message: string }>> {
    const res = await app.inject({ method: 'POST', url, payload: body });
    assert.equal(res.statusCode, 400, res.body);
    const error = res.json().error as { code: string; message: string; details: Array<{ path: string; message: string }> };
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(error.message, error.details.map((d) => `${d.path} ${d.message}`).join('; '), 'the message is the details, nothing else');
    return error.details;
  }

  const predict = '/v1/models/epl/predict';
  const matchup = { competition: 'E0', home: 'Arsenal', away: 'Chelsea', kickoff: '2024-08-24T14:00:00Z' };

  it('a stored game with a bad id: only the id', async () => {
    assert.deepEqual(await problems(predict, { games: [{ gameId: 'x' }] }), [{ path: 'body/games/0/gameId', message: 'must be integer' }]);
  });

  it('a stored game with a matchup key: only that key', async () => {
    assert.deepEqual(await problems(predict, { games: [{ gameId: 3, home: 'Arsenal' }] }), [{ path: 'body/games/0/home', message: 'is not allowed here' }]);
  });

  it('a matchup without kickoff, or with bad odds, or a misspelt key: only the matchup problems', async () => {
    const { kickoff: _kickoff, ...noKickoff } = matchup;
    assert.deepEqual(await problems(predict, { games: [noKickoff] }), [{ path: 'body/games/0/kickoff', message: 'is required' }]);
    assert.deepEqual(await problems(predict, { games: [{ ...matchup, odds: [{ bookmaker: 'pinnacle', home: 0.5, draw: 3.4, away: 3.6 }] }] }), [
      { path: 'body/games/0/odds/0/home', message: 'must be > 1' },
    ]);
    assert.deepEqual(await problems(predict, { games: [{ ...noKickoff, kickof: '2024-08-24T14:00:00Z' }] }), [
      { path: 'body/games/0/kickoff', message: 'is required' },
      { path: 'body/games/0/kickof', message: 'is not allowed here' },
    ]);
  });

  it('a game that is neither (feature values in "games"): one error naming both shapes and "instances"', async () => {
    const [only, ...rest] = await problems(predict, { games: [{ elo_diff: 85 }] });
    assert.deepEqual(rest, []);
    assert.equal(only!.path, 'body/games/0');
    assert.match(only!.message, /stored game \{ "gameId" \} or a matchup .* "instances"/);
  });

  it('the online feature route discriminates the same way', async () => {
    assert.deepEqual(await problems('/v1/feature-sets/soccer-1x2-base/online', { gameId: 0 }), [{ path: 'body/gameId', message: 'must be >= 1' }]);
    const { away: _away, ...noAway } = matchup;
    assert.deepEqual(await problems('/v1/feature-sets/soccer-1x2-base/online', noAway), [{ path: 'body/away', message: 'is required' }]);
  });
});
