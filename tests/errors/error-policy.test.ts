import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_POLICY, HTTP_STATUS_BY_CODE, isRetryable, isErrorCode } from '../../src/error-policy.ts';

describe('one table at the edge: HTTP status and retry policy of every code', () => {
  it('refuses at once, without retrying, the codes that mean the spec or the data will never train (the list the worker used to keep)', () => {
    for (const code of ['TRAINING_SPEC_INVALID', 'TRAINING_DATA_EMPTY', 'TRAINING_RUN_NOT_FOUND', 'FEATURE_SET_UNKNOWN', 'FEATURE_SET_INVALID', 'FEATURE_SET_UNAVAILABLE', 'FEATURE_COLUMNS_DEGENERATE', 'MODEL_INPUT_INVALID', 'COMPETITION_UNKNOWN', 'FEATURE_SPORT_MISMATCH']) {
      assert.equal(isRetryable(code), false, code);
    }
  });

  it('retries outages and unexpected faults, and codes that are not ours', () => {
    for (const code of ['DATABASE_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'DB_LOCKED', 'INTERNAL', 'TIMEOUT', 'ECONNRESET']) assert.equal(isRetryable(code), true, code);
  });

  it('every retried code is a fault of the moment; every 4xx but a conflict or a rate limit is final', () => {
    for (const [code, { status, retry }] of Object.entries(ERROR_POLICY)) {
      if (status >= 400 && status < 500 && code !== 'CONFLICT' && code !== 'RATE_LIMITED') assert.equal(retry, false, `${code} (${status}) is a refusal`);
    }
    assert.deepEqual(Object.keys(HTTP_STATUS_BY_CODE).sort(), Object.keys(ERROR_POLICY).sort());
    assert.equal(HTTP_STATUS_BY_CODE.MODEL_VERSION_NOT_FOUND, 404);
    assert.equal(isErrorCode('MODEL_VERSION_NOT_FOUND'), true);
    assert.equal(isErrorCode('toString'), false);
  });
});
