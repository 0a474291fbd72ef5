/** API keys (admin): create app or admin keys (the key is shown once), list, revoke. */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AuditRepository } from '../../store/index.ts';

export const keyRoutes: FastifyPluginAsync<{ keys: ApiKeyRepository; audit: AuditRepository }> = async (app, { keys, audit }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.post<{ Body: { role: 'admin' | 'app'; label: string } }>(
    '/v1/keys',
    {
      schema: {
        body: {
          type: 'object',
          required: ['role', 'label'],
          additionalProperties: false,
          properties: { role: { enum: ['admin', 'app'] }, label: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (req, reply) => {
      const created = await keys.create(req.body);
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'key.create', target: created.id, outcome: 'ok', details: { role: req.body.role } });
      return reply.status(201).send({ id: created.id, key: created.key, role: req.body.role, label: req.body.label });
    },
  );

  app.get('/v1/keys', async () => ({ keys: await keys.list() }));

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    { schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } } },
    async (req) => {
      if (req.params.id === req.principal?.keyId) throw new EaselError('REQUEST_INVALID', 'a key cannot revoke itself');
      if (!(await keys.revoke(req.params.id))) throw new EaselError('REQUEST_INVALID', `no key ${req.params.id}`);
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'key.revoke', target: req.params.id, outcome: 'ok' });
      return { revoked: req.params.id };
    },
  );
};
