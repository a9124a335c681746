// PII and secret redaction with typed placeholders, applied to every text before it leaves in a release.
// Numbers are only redacted when their checksum holds (Luhn for cards, mod-97 for IBANs) to spare ordinary figures.
import { isIP } from 'node:net';

export const PII_KINDS = [
  'private_key',
  'jwt',
  'api_key',
  'secret',
  'url_credentials',
  'email',
  'iban',
  'credit_card',
  'ssn',
  'ip_address',
  'phone',
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export function placeholder(kind: PiiKind): string {
  return `[${kind.toUpperCase()}]`;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? (ch.charCodeAt(0) - 55).toString() : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

interface Rule {
  kind: PiiKind;
  re: RegExp;
  /** Optional check on the match; returning false leaves the text alone. */
  valid?: (m: string) => boolean;
}

// Order matters: structured secrets first (a JWT or key can contain digit runs), phone numbers last.
const RULES: Rule[] = [
  { kind: 'private_key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'api_key',
    re: new RegExp(
      [
        String.raw`\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}`, // OpenAI / Anthropic style
        String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key id
        String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}\b`, // GitHub tokens
        String.raw`\bgithub_pat_[A-Za-z0-9_]{40,}\b`,
        String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`, // Slack
        String.raw`\bAIza[0-9A-Za-z_-]{35}\b`, // Google API key
        String.raw`\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b`, // Stripe
        String.raw`\bhf_[A-Za-z0-9]{30,}\b`, // Hugging Face
      ].join('|'),
      'g',
    ),
  },
  // Bearer tokens and generic key=value secrets: keep the label, redact the value.
  { kind: 'secret', re: /(?<=\b[Bb]earer\s+)[A-Za-z0-9._~+/=-]{16,}/g },
  {
    kind: 'secret',
    re: /(?<=\b(?:[A-Za-z0-9_]*(?:api[_-]?key|secret|token|passw(?:or)?d|pwd|access[_-]?key|auth)[A-Za-z0-9_]*)["']?\s*[:=]\s*["']?)(?:[A-Fa-f0-9]{16,}|[A-Za-z0-9+/_-]{16,}={0,2})/gi,
  },
  { kind: 'url_credentials', re: /(?<=\b[a-z][a-z0-9+.-]*:\/\/)[^\s:@/]+:[^\s@/]+(?=@)/gi },
  { kind: 'email', re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  { kind: 'iban', re: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/g, valid: ibanValid },
  {
    kind: 'credit_card',
    re: /\b\d(?:[ -]?\d){12,18}\b/g,
    valid: (m) => {
      const d = m.replace(/\D/g, '');
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
  },
  { kind: 'ssn', re: /\b(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}\b/g },
  // IPv6 candidates are validated by node:net; the character class also admits IPv4-mapped tails.
  { kind: 'ip_address', re: /(?<![\w:.])(?:[A-Fa-f0-9]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Fa-f0-9]{0,4})(?![\w:]|\.\d)/g, valid: (m) => isIP(m) === 6 && /[0-9a-fA-F]/.test(m) },
  { kind: 'ip_address', re: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g, valid: (m) => isIP(m) === 4 },
  {
    kind: 'phone',
    re: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?![\w])|(?<![\w+])\+\d{7,15}\b/g,
    valid: (m) => {
      const digits = m.replace(/\D/g, '').length;
      // A plain "2024-01-15" or "3.14 15" is not a phone number: require phone-like length and some phone cue.
      return digits >= 10 && digits <= 15 && (/^\+|\(/.test(m) || /^\d{3}[ .-]\d{3}[ .-]\d{4}$/.test(m) || digits >= 11);
    },
  },
];

export type RedactionCounts = Partial<Record<PiiKind, number>>;

/** Redact every supported PII kind in `text`, adding what was found to `counts`. */
export function redactPii(text: string, counts: RedactionCounts = {}): string {
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.re, (m) => {
      if (rule.valid && !rule.valid(m)) return m;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      return placeholder(rule.kind);
    });
  }
  return out;
}
