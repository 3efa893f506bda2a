/**
 * The handlers of `tributary.v1.ModelRegistryService`: request messages in,
 * response messages out, errors thrown as the registry's TributaryErrors so
 * the gRPC layer maps them to NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
 * INVALID_ARGUMENT or ABORTED in one place. Testable without a socket.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type {
  ApproveModelVersionRequest,
  ApproveModelVersionResponseSchema,
  DeleteAliasRequest,
  DeleteAliasResponseSchema,
  DownloadArtifactRequest,
  DownloadArtifactResponseSchema,
  GetAuditHistoryRequest,
  GetAuditHistoryResponseSchema,
  GetModelVersionRequest,
  GetModelVersionResponseSchema,
  ListModelVersionsRequest,
  ListModelVersionsResponseSchema,
  RegisterModelVersionRequest,
  RegisterModelVersionResponseSchema,
  SetAliasRequest,
  SetAliasResponseSchema,
} from '@tributary/contracts';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InvalidRegistryArgumentError, type ModelRegistry, type ModelVersion } from '@tributary/model-registry';
import { fromUpload, toLifecycleEventMessage, toModelVersionMessage, toReferenceProfile } from './proto-mapping.js';

/** The service's handlers; structurally a `ServiceImpl<typeof ModelRegistryService>` of `@tributary/grpc`. */
export interface RegistryServiceHandlers {
  registerModelVersion(requests: AsyncIterable<RegisterModelVersionRequest>): Promise<MessageInitShape<typeof RegisterModelVersionResponseSchema>>;
  getModelVersion(request: GetModelVersionRequest): Promise<MessageInitShape<typeof GetModelVersionResponseSchema>>;
  listModelVersions(request: ListModelVersionsRequest): Promise<MessageInitShape<typeof ListModelVersionsResponseSchema>>;
  setAlias(request: SetAliasRequest): Promise<MessageInitShape<typeof SetAliasResponseSchema>>;
  deleteAlias(request: DeleteAliasRequest): Promise<MessageInitShape<typeof DeleteAliasResponseSchema>>;
  approveModelVersion(request: ApproveModelVersionRequest): Promise<MessageInitShape<typeof ApproveModelVersionResponseSchema>>;
  getAuditHistory(request: GetAuditHistoryRequest): Promise<MessageInitShape<typeof GetAuditHistoryResponseSchema>>;
  downloadArtifact(request: DownloadArtifactRequest): AsyncIterable<MessageInitShape<typeof DownloadArtifactResponseSchema>>;
}

/** Options of {@link createRegistryService}. */
export interface RegistryServiceOptions {
  readonly registry: ModelRegistry;
  /** Page size of ListModelVersions when the request says 0. Default 50. */
  readonly defaultVersionPageSize?: number;
  /** Page size of GetAuditHistory when the request says 0. Default 100. */
  readonly defaultAuditPageSize?: number;
  /** Largest page served, whatever the request asks. Default 1000. */
  readonly maxPageSize?: number;
  /** Clock for `updated_time` of alias answers. Default `Date.now`. */
  readonly now?: () => number;
}

const AUDIT_ID = /^\d+-\d+$/;

/** Creates the ModelRegistryService handlers over a registry. */
export function createRegistryService(options: RegistryServiceOptions): RegistryServiceHandlers {
  const { registry, defaultVersionPageSize = 50, defaultAuditPageSize = 100, maxPageSize = 1000, now = Date.now } = options;

  const pageSize = (requested: number, fallback: number) => {
    if (requested < 0) throw new InvalidRegistryArgumentError('page_size', `${requested} is negative`);
    return Math.min(requested === 0 ? fallback : requested, maxPageSize);
  };

  async function select(modelName: string, selector: GetModelVersionRequest['selector']): Promise<ModelVersion> {
    switch (selector.case) {
      case 'version':
        return registry.getVersion(modelName, selector.value);
      case 'alias':
        return registry.getVersionByAlias(modelName, selector.value);
      default:
        throw new InvalidRegistryArgumentError('selector', 'a version or an alias is required');
    }
  }

  return {
    async registerModelVersion(requests) {
      const messages = requests[Symbol.asyncIterator]();
      const first = await messages.next();
      if (first.done || first.value.content.case !== 'metadata') {
        throw new InvalidRegistryArgumentError('metadata', 'the first message must carry the metadata');
      }
      const upload = first.value.content.value;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let next = await messages.next(); !next.done; next = await messages.next()) {
          if (next.value.content.case !== 'chunk') throw new InvalidRegistryArgumentError('chunk', 'every message after the first must carry artifact bytes');
          yield next.value.content.value;
        }
      }
      const version = await registry.registerVersion(fromUpload(upload), chunks());
      return { modelVersion: toModelVersionMessage(version, upload.referenceProfile) };
    },

    async getModelVersion(request) {
      const version = await select(request.modelName, request.selector);
      const profile = toReferenceProfile(await registry.getReferenceProfile(version.modelName, version.version));
      return { modelVersion: toModelVersionMessage(version, profile) };
    },

    async listModelVersions(request) {
      const page = await registry.listVersions(request.modelName, {
        limit: pageSize(request.pageSize, defaultVersionPageSize),
        ...(request.pageToken === '' ? {} : { beforeVersion: parseVersionToken(request.pageToken) }),
        tags: request.tags,
        ...(request.approvedOnly ? { status: 'approved' as const } : {}),
      });
      return {
        modelVersions: page.versions.map((version) => toModelVersionMessage(version)),
        nextPageToken: page.nextBeforeVersion === undefined ? '' : String(page.nextBeforeVersion),
      };
    },

    async setAlias(request) {
      const move = await registry.setAlias({
        modelName: request.modelName,
        alias: request.alias,
        version: request.version,
        ...expectedVersion(request.expectedVersion),
        actor: request.actor,
        reason: request.reason,
      });
      return {
        alias: { modelName: move.modelName, alias: move.alias, version: request.version, updatedBy: request.actor, updatedTime: timestampFromMs(now()) },
        previousVersion: move.previousVersion ?? 0,
      };
    },

    async deleteAlias(request) {
      const move = await registry.deleteAlias({
        modelName: request.modelName,
        alias: request.alias,
        ...expectedVersion(request.expectedVersion),
        actor: request.actor,
        reason: request.reason,
      });
      return { previousVersion: move.previousVersion ?? 0 };
    },

    async approveModelVersion(request) {
      const version = await registry.approveVersion({
        modelName: request.modelName,
        version: request.version,
        actor: request.approvedBy,
        reason: request.reason,
      });
      return { modelVersion: toModelVersionMessage(version) };
    },

    async getAuditHistory(request) {
      if (request.pageToken !== '' && !AUDIT_ID.test(request.pageToken)) {
        throw new InvalidRegistryArgumentError('page_token', `"${request.pageToken}" is not a token this server gave out`);
      }
      const limit = pageSize(request.pageSize, defaultAuditPageSize);
      const changes = await registry.getAuditHistory(request.modelName, { limit, ...(request.pageToken === '' ? {} : { afterId: request.pageToken }) });
      const last = changes.at(-1);
      return {
        events: changes.map((change) => toLifecycleEventMessage({ change })),
        nextPageToken: changes.length === limit && last ? last.id : '',
      };
    },

    async *downloadArtifact(request) {
      const selected = await select(request.modelName, request.selector);
      const { version, content } = await registry.openArtifact(selected.modelName, selected.version);
      try {
        yield {
          content: {
            case: 'info',
            value: {
              modelName: version.modelName,
              version: version.version,
              artifactSha256: version.artifact.sha256,
              artifactSizeBytes: BigInt(version.artifact.sizeBytes),
              artifactFormat: version.artifactFormat,
            },
          },
        };
        for await (const chunk of content as AsyncIterable<Buffer>) yield { content: { case: 'chunk', value: chunk } };
      } finally {
        content.destroy();
      }
    },
  };
}

/** The compare-and-set expectation of a request: unset = unconditional, 0 = "not set". */
function expectedVersion(expected: number | undefined): { expectedVersion?: number | null } {
  return expected === undefined ? {} : { expectedVersion: expected === 0 ? null : expected };
}

function parseVersionToken(token: string): number {
  const version = Number(token);
  if (!/^\d+$/.test(token) || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidRegistryArgumentError('page_token', `"${token}" is not a token this server gave out`);
  }
  return version;
}
