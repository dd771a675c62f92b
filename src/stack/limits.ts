/**
 * Size limits of what the function writes. `kubectl apply` (client-side)
 * keeps the whole object in an annotation limited to 262,144 bytes, and etcd
 * refuses objects over 1.5 MiB: each object is kept well under the first.
 */

/** Bytes of names (as JSON) one split object may carry; the rest of the object fits in what is left. */
export const NAME_BYTES_PER_OBJECT = 128 * 1024;

/** An output object past this many bytes (as JSON) gets a warning. */
export const WARN_OBJECT_BYTES = 200 * 1024;

/** An item the user owns that the list would push past this many bytes (as JSON) is refused. */
export const MAX_OBJECT_BYTES = 256 * 1024;

/** Sidecar egress hosts past this many bytes are replaced by an import of the routing namespace. */
export const SIDECAR_HOST_BYTES = 64 * 1024;
