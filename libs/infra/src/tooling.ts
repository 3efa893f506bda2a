/**
 * @tributary/infra/tooling — standard tools that project tooling and tests
 * drive, installed once into the cache: a Python venv of pinned PyPI
 * packages (e.g. tritonclient) and Go commands built from the Go module proxy
 * (e.g. grpcurl), and a local Redis Cluster of the same redis-server the
 * local infrastructure runs. Nothing here is used by a running service.
 */
export { ensureGoTool, type GoToolOptions } from './go-tool.js';
export { ensurePythonVenv, type PythonVenvOptions } from './python-venv.js';
export {
  redisDeployments,
  startRedisCluster,
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  type RedisDeployment,
} from './redis-cluster.js';
