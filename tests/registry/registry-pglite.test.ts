import { registryContract } from './registry-contract.ts';
import { createTestPgliteDb } from '../support/services.ts';

// PGlite is one connection: the race still must produce 1..n, through serialised transactions.
registryContract('pglite', createTestPgliteDb, { concurrency: 20 });
