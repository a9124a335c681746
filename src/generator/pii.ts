// Synthetic personal data for planting in generated chats: each value is well-formed (Luhn-valid cards,
// IBANs with a correct mod-97 checksum, parseable IPs) so a redactor is tested on what it would meet in production.
import { Rng } from './rng.js';

export const PII_KINDS = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'ipv4',
  'ipv6',
  'api_key',
  'jwt',
  'street_address',
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiSample {
  kind: PiiKind;
  /** Exactly as written into the message text. */
  value: string;
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = ALNUM + '-_';

const FIRST = ['maria', 'james', 'wei', 'aisha', 'lukas', 'sofia', 'omar', 'emily', 'raj', 'chloe', 'diego', 'hannah'];
const LAST = ['gonzalez', 'smith', 'chen', 'khan', 'müller', 'rossi', 'haddad', 'johnson', 'patel', 'martin', 'silva'];
const MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'acme-corp.com', 'northwind.io', 'web.de'];
const STREETS = ['Oak Street', 'Maple Avenue', 'Elm Drive', 'Sunset Boulevard', 'Baker Street', 'Cedar Lane', 'Hauptstraße'];
const CITIES = ['Springfield, IL 62704', 'Austin, TX 78701', 'Portland, OR 97205', 'London NW1 6XE', 'Denver, CO 80202'];

function luhnCheckDigit(body: string): number {
  let sum = 0;
  // Double every second digit counting from the right of the full number (check digit excluded here).
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = body.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the digits of `s` pass the Luhn check (exported for tests). */
export function luhnValid(s: string): boolean {
  const digits = s.replace(/\D/g, '');
  return digits.length >= 12 && luhnCheckDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

function mod97(numeric: string): number {
  let r = 0;
  for (let i = 0; i < numeric.length; i += 7) r = Number(String(r) + numeric.slice(i, i + 7)) % 97;
  return r;
}

function ibanNumeric(s: string): string {
  let out = '';
  for (const ch of s) out += ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
  return out;
}

/** True when an IBAN (spaces allowed) has a valid mod-97 checksum (exported for tests). */
export function ibanValid(s: string): boolean {
  const iban = s.replace(/\s/g, '').toUpperCase();
  return /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) && mod97(ibanNumeric(iban.slice(4) + iban.slice(0, 4))) === 1;
}

// Country, then BBAN shape: 'd' digit, 'A' upper-case letter.
const IBAN_SHAPES: [string, string][] = [
  ['DE', 'dddddddddddddddddd'],
  ['GB', 'AAAAdddddddddddddd'],
  ['FR', 'ddddddddddddddddddddddd'],
  ['ES', 'dddddddddddddddddddd'],
  ['NL', 'AAAAdddddddddd'],
];

function iban(rng: Rng): string {
  const [cc, shape] = rng.pick(IBAN_SHAPES);
  let bban = '';
  for (const c of shape) bban += c === 'd' ? rng.chars(DIGITS, 1) : rng.chars(UPPER, 1);
  const check = 98 - mod97(ibanNumeric(bban + cc + '00'));
  const raw = cc + String(check).padStart(2, '0') + bban;
  return rng.chance(0.5) ? raw : raw.replace(/(.{4})/g, '$1 ').trim();
}

function card(rng: Rng): string {
  const brand = rng.int(3);
  const prefix = brand === 0 ? '4' : brand === 1 ? String(rng.range(51, 55)) : rng.pick(['34', '37']);
  const len = brand === 2 ? 15 : 16;
  const body = prefix + rng.chars(DIGITS, len - 1 - prefix.length);
  const num = body + luhnCheckDigit(body);
  const style = rng.int(3);
  if (style === 0) return num;
  const sep = style === 1 ? ' ' : '-';
  if (len === 15) return [num.slice(0, 4), num.slice(4, 10), num.slice(10)].join(sep);
  return num.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
}

function phone(rng: Rng): string {
  const area = rng.range(201, 989);
  const mid = rng.range(200, 999);
  const tail = rng.chars(DIGITS, 4);
  switch (rng.int(6)) {
    case 0:
      return `(${area}) ${mid}-${tail}`;
    case 1:
      return `+1 ${area}-${mid}-${tail}`;
    case 2:
      return `${area}.${mid}.${tail}`;
    case 3:
      return `+44 20 ${rng.chars(DIGITS, 4)} ${rng.chars(DIGITS, 4)}`;
    case 4:
      return `+49 30 ${rng.chars(DIGITS, 8)}`;
    default:
      return `+33 1 ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)}`;
  }
}

function ipv6(rng: Rng): string {
  const groups: string[] = ['2001', 'db8'];
  for (let i = 0; i < 6; i++) groups.push(rng.int(65536).toString(16));
  // Compressed form half of the time, as people paste it.
  return rng.chance(0.5) ? groups.join(':') : `${groups[0]}:${groups[1]}::${groups.slice(5).join(':')}`;
}

function jwt(rng: Rng): string {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const payload = Buffer.from(`{"sub":"${rng.range(1000, 99999)}","iat":${rng.range(1.7e9, 1.8e9)}}`).toString(
    'base64url',
  );
  return `${header}.${payload}.${rng.chars(B64URL, 43)}`;
}

function apiKey(rng: Rng): string {
  switch (rng.int(3)) {
    case 0:
      return `sk-${rng.chance(0.5) ? 'proj-' : ''}${rng.chars(ALNUM, 48)}`;
    case 1:
      return `AKIA${rng.chars(UPPER + '234567', 16)}`;
    default:
      return `ghp_${rng.chars(ALNUM, 36)}`;
  }
}

export function piiValue(kind: PiiKind, rng: Rng): string {
  switch (kind) {
    case 'email': {
      const sep = rng.pick(['.', '_', '']);
      return `${rng.pick(FIRST)}${sep}${rng.pick(LAST)}${rng.chance(0.5) ? rng.range(1, 99) : ''}@${rng.pick(MAIL_DOMAINS)}`;
    }
    case 'phone':
      return phone(rng);
    case 'credit_card':
      return card(rng);
    case 'iban':
      return iban(rng);
    case 'ipv4':
      return `${rng.range(11, 223)}.${rng.int(256)}.${rng.int(256)}.${rng.range(1, 254)}`;
    case 'ipv6':
      return ipv6(rng);
    case 'api_key':
      return apiKey(rng);
    case 'jwt':
      return jwt(rng);
    case 'street_address':
      return `${rng.range(12, 9800)} ${rng.pick(STREETS)}, ${rng.pick(CITIES)}`;
  }
}

// How each kind is worked into a user's message; `$` is the value.
const USER_FRAMES: Record<PiiKind, string[]> = {
  email: ['You can reach me at $ if needed.', 'Please use my work address $ in the signature.', 'my email is $'],
  phone: ['My number is $ in case that matters.', 'Put $ as the contact number.', 'call me on $'],
  credit_card: ['I was charged twice on my card $, what do I do?', 'The card ending in that number is $.'],
  iban: ['The refund should go to IBAN $.', 'My account is $ — is that the right format?'],
  ipv4: ['The server at $ stopped answering pings.', 'Our gateway is $ if that helps.'],
  ipv6: ['The host resolves to $ and the connection times out.', 'ping6 $ fails from my laptop.'],
  api_key: ['Here is my config:\n```\nAPI_KEY=$\n```', 'I set the token to $ but it says unauthorized.'],
  jwt: ['The request sends `Authorization: Bearer $` and gets a 401.', 'this is the token I get back: $'],
  street_address: ['I live at $.', 'Ship it to $ please.', 'The venue is at $.'],
};
const ASSISTANT_FRAMES: Record<PiiKind, string[]> = {
  email: ['I have noted $ as your contact address.'],
  phone: ['The number you gave, $, is in the right format.'],
  credit_card: ['Please avoid sharing full card numbers like $ in chat.'],
  iban: ['The IBAN $ looks correctly formatted.'],
  ipv4: ['Try `ssh admin@$` once the firewall rule is in place.'],
  ipv6: ['Check that $ is reachable with `ping6`.'],
  api_key: ['Rotate the key $ now, since it has been shared here.'],
  jwt: ['Decoding $ shows it is signed with HS256.'],
  street_address: ['The nearest pharmacy to $ should be within walking distance.'],
};

export function piiSentence(sample: PiiSample, rng: Rng, role: 'user' | 'assistant'): string {
  const frames = role === 'user' ? USER_FRAMES : ASSISTANT_FRAMES;
  return rng.pick(frames[sample.kind]).replace('$', () => sample.value);
}

export function drawPii(rng: Rng): PiiSample {
  const kind = rng.pick(PII_KINDS);
  return { kind, value: piiValue(kind, rng) };
}

/** `n` deterministic PII samples for `seed`, covering every kind in turn (for redactor tests). */
export function plantedPii(seed: number, n: number): PiiSample[] {
  const rng = new Rng(seed ^ 0x5eed1e55);
  const out: PiiSample[] = [];
  for (let i = 0; i < n; i++) {
    const kind = PII_KINDS[i % PII_KINDS.length];
    out.push({ kind, value: piiValue(kind, rng) });
  }
  return out;
}
