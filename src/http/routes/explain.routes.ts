import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { getArtifact, getVersion } from '../../../registry/index.ts';

const VersionParams = Type.Object({
  name: Type.String({ minLength: 1 }),
  v: Type.String({ minLength: 1, description: 'version number, alias or "latest"' }),
});

/** A reviewer's view of why a version predicts what it does: global importance and its SHAP background. */
export async function explainRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/models/:name/versions/:v/importance', {
    schema: {
      tags: ['explanations'],
      summary: 'Global importance computed at registration on the test window: mean |SHAP| per feature and class, and permutation importance (increase in log loss).',
      params: VersionParams,
      response: { 200: Type.Object({ model: Type.String(), version: Type.Integer(), importance: Type.Unknown() }), ...errorResponses(404) },
    },
  }, async (request) => {
    const version = await getVersion(app.ctx.db, request.params.name, request.params.v);
    const artifact = await getArtifact(app.ctx.db, version.id, 'importance');
    return { model: version.model, version: version.version, importance: artifact.json };
  });

  app.get('/v1/models/:name/versions/:v/background', {
    schema: {
      tags: ['explanations'],
      summary: 'The background sample SHAP values are computed against (weighted k-means summary of the training rows), so anyone can re-check a value.',
      params: VersionParams,
      response: { 200: Type.Object({ model: Type.String(), version: Type.Integer(), background: Type.Unknown() }), ...errorResponses(404) },
    },
  }, async (request) => {
    const version = await getVersion(app.ctx.db, request.params.name, request.params.v);
    const artifact = await getArtifact(app.ctx.db, version.id, 'background');
    return { model: version.model, version: version.version, background: artifact.json };
  });
}
