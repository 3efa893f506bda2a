import type { DescMessage, DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { HandlerContext } from './handler-context.js';

/** Answer of a unary or client-streaming handler: a message or its init shape. */
type Reply<O extends DescMessage> = MessageInitShape<O> | Promise<MessageInitShape<O>>;

/** Handler of a unary method. */
export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: HandlerContext,
) => Reply<O>;

/** Handler of a server-streaming method: yields the responses. */
export type ServerStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: HandlerContext,
) => AsyncIterable<MessageInitShape<O>>;

/** Handler of a client-streaming method: consumes the requests, answers once. */
export type ClientStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: HandlerContext,
) => Reply<O>;

/** Handler of a bidirectional-streaming method. */
export type BidiStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: HandlerContext,
) => AsyncIterable<MessageInitShape<O>>;

/** The handler type of one method, chosen by its kind. */
export type MethodImpl<M extends Pick<DescMethod, 'input' | 'output' | 'methodKind'>> = M extends {
  methodKind: infer K;
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? K extends 'unary'
    ? UnaryImpl<I, O>
    : K extends 'server_streaming'
      ? ServerStreamingImpl<I, O>
      : K extends 'client_streaming'
        ? ClientStreamingImpl<I, O>
        : BidiStreamingImpl<I, O>
  : never;

/**
 * The implementation of a service: one handler per method, keyed by the
 * method's local name (`predict`, `registerModelVersion`…), typed from the
 * generated descriptor.
 */
export type ServiceImpl<S extends DescService> = {
  [P in keyof S['method']]: MethodImpl<S['method'][P]>;
};
