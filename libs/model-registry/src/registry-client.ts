import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, TributaryError } from '@tributary/errors';
import type { ModelRegistryService, ModelVersion, ModelVersionUploadSchema } from '@tributary/contracts';
import type { Client } from '@tributary/grpc';

/** The metadata of a version to register, as the registry's upload message takes it. */
export type VersionUpload = MessageInitShape<typeof ModelVersionUploadSchema>;

/** A compare-and-set alias move. */
export interface AliasMoveRequest {
  readonly modelName: string;
  readonly alias: 'champion' | 'challenger' | 'shadow';
  readonly version: number;
  /** The version the alias must point at now; 0 for "not set". */
  readonly expectedVersion: number;
  readonly actor: string;
  readonly reason: string;
}

/**
 * What services need of the model registry over gRPC — the smallest surface,
 * so code using it is testable with an in-memory double (the trainer's in
 * `@tributary/training/testing`) and talks gRPC in service.
 * Failures are TributaryErrors with the registry's codes: FAILED_PRECONDITION
 * when `champion` needs an approval, ABORTED when an alias moved meanwhile,
 * ALREADY_EXISTS for an artifact registered before.
 */
export interface RegistryClient {
  /** The version an alias points at, or undefined when the model or the alias does not exist. */
  getByAlias(modelName: string, alias: string): Promise<ModelVersion | undefined>;
  /** Every version carrying all of `tags`, newest first; empty when the model does not exist. */
  findByTags(modelName: string, tags: Readonly<Record<string, string>>): Promise<ModelVersion[]>;
  /** A version's artifact bytes. */
  downloadArtifact(modelName: string, version: number): Promise<Uint8Array>;
  /** Registers a version with its artifact, all or nothing. */
  register(upload: VersionUpload, artifact: Uint8Array): Promise<ModelVersion>;
  /** Moves an alias by compare-and-set. */
  setAlias(move: AliasMoveRequest): Promise<void>;
}

/** Options of {@link createGrpcRegistryClient}. */
export interface GrpcRegistryClientOptions {
  /** Artifact bytes per upload message. Default 64 KiB. */
  readonly chunkBytes?: number;
  /** Deadline of each call, in ms. Default 60 000 (uploads of large models take a while). */
  readonly timeoutMs?: number;
}

/** A {@link RegistryClient} over the registry's gRPC `ModelRegistryService`. */
export function createGrpcRegistryClient(
  client: Client<typeof ModelRegistryService>,
  options: GrpcRegistryClientOptions = {},
): RegistryClient {
  const { chunkBytes = 64 * 1024, timeoutMs = 60_000 } = options;
  const call = { timeoutMs };

  return {
    async getByAlias(modelName, alias) {
      try {
        const response = await client.getModelVersion({ modelName, selector: { case: 'alias', value: alias } }, call);
        return response.modelVersion;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async findByTags(modelName, tags) {
      const found: ModelVersion[] = [];
      let pageToken = '';
      try {
        do {
          const page = await client.listModelVersions({ modelName, tags, pageSize: 100, pageToken }, call);
          found.push(...page.modelVersions);
          pageToken = page.nextPageToken;
        } while (pageToken !== '');
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
      return found;
    },

    async downloadArtifact(modelName, version) {
      const chunks: Uint8Array[] = [];
      for await (const message of client.downloadArtifact({ modelName, selector: { case: 'version', value: version } }, call)) {
        if (message.content.case === 'chunk') chunks.push(message.content.value);
      }
      return Buffer.concat(chunks);
    },

    async register(upload, artifact) {
      async function* messages() {
        yield { content: { case: 'metadata' as const, value: upload } };
        for (let offset = 0; offset < artifact.length; offset += chunkBytes) {
          yield { content: { case: 'chunk' as const, value: artifact.subarray(offset, offset + chunkBytes) } };
        }
      }
      const response = await client.registerModelVersion(messages(), call);
      if (!response.modelVersion) throw new TributaryError(Code.Internal, 'the registry answered a registration without the version');
      return response.modelVersion;
    },

    async setAlias(move) {
      await client.setAlias(
        { modelName: move.modelName, alias: move.alias, version: move.version, expectedVersion: move.expectedVersion, actor: move.actor, reason: move.reason },
        call,
      );
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof TributaryError && error.code === Code.NotFound;
}
