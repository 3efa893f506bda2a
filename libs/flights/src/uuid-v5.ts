import { hash } from 'node:crypto';

/** Scratch buffer for namespace + name, reused so hashing millions of ids allocates little. */
const scratch = Buffer.alloc(1024);

/**
 * A name-based UUID, RFC 9562 version 5: SHA-1 of the namespace's 16 bytes
 * followed by the UTF-8 name, with the version and variant bits set.
 *
 * @param namespace a UUID in its usual hex-and-dashes form.
 */
export function uuidV5(namespace: string, name: string): string {
  const namespaceBytes = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  let input: Buffer;
  // A UTF-16 unit takes at most 3 UTF-8 bytes: only then is the scratch buffer surely big enough.
  if (name.length * 3 <= scratch.length - 16) {
    namespaceBytes.copy(scratch);
    input = scratch.subarray(0, 16 + scratch.write(name, 16));
  } else {
    input = Buffer.concat([namespaceBytes, Buffer.from(name)]);
  }
  const hex = hash('sha1', input, 'hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
