// Train/test split by conversation: sha256(conversationId) mod 100 < testPercent goes to test, so no
// conversation lands on both sides and the split never changes between runs.
import { createHash } from 'node:crypto';

export function splitOf(conversationId: string, testPercent: number): 'train' | 'test' {
  const h = createHash('sha256').update(conversationId).digest();
  return h.readUInt32BE(0) % 100 < testPercent ? 'test' : 'train';
}
