import { registryContract } from './registry-contract.ts';
import { createTestPgDb } from '../support/services.ts';

// Real concurrency: 20 registrations race over the pool's connections; Postgres down = failure.
registryContract('pg', () => createTestPgDb('registry'), { concurrency: 20 });
