import { Code, TributaryError } from '@tributary/errors';

/** A `name=address` override of a service's ops address that cannot be used; asking again with the same text fails the same way. */
export class InvalidServiceAddressError extends TributaryError {
  override name = 'InvalidServiceAddressError';

  constructor(
    readonly override: string,
    readonly why: string,
  ) {
    super(Code.InvalidArgument, `cannot use "${override}" as a service's ops address: ${why} (expected name=host:port or name=http://host:port)`, {
      retryable: false,
    });
  }
}
