// Hashing helpers: salted user-key hashes (raw user ids never reach the store) and stable content ids.
import { createHash, createHmac } from 'node:crypto';

/** Keyed hash of a user identifier; the same salt always gives the same hash, so per-user caps still work. */
export function hashUserKey(salt: string, userKey: string): string {
  return createHmac('sha256', salt).update(userKey).digest('hex').slice(0, 32);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Short stable id derived from content, for layouts that carry no ids of their own. */
export function contentId(prefix: string, data: string): string {
  return `${prefix}-${createHash('sha1').update(data).digest('hex').slice(0, 16)}`;
}
