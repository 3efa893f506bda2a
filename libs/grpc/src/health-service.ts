import type { Health } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { HealthRegistry } from './health-registry.js';
import type { ServiceImpl } from './service-impl.js';

/** grpc.health.v1.Health answered from a {@link HealthRegistry}. */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.check(request.service);
      if (status === undefined) throw new TributaryError(Code.NotFound, `unknown service "${request.service}"`);
      return { status };
    },
    async *watch(request, context) {
      for await (const status of registry.watch(request.service, context.signal)) yield { status };
    },
  };
}
