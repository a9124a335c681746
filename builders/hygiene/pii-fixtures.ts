// Planted PII used by the redaction tests: one value per supported kind, with the placeholder kind it must become.
import type { PiiKind } from './pii.js';

/** One planted value per supported kind (and sub-kind), with the placeholder it must become. */
export const PLANTED: [PiiKind, string][] = [
  ['email', 'jane.roe+billing@example-mail.co.uk'],
  ['phone', '+44 20 7946 0958'],
  ['phone', '(415) 555-0134'],
  ['phone', '415-555-0199'],
  ['credit_card', '4111 1111 1111 1111'],
  ['credit_card', '5500-0000-0000-0004'],
  ['iban', 'DE89 3704 0044 0532 0130 00'],
  ['iban', 'GB82WEST12345698765432'],
  ['ip_address', '203.0.113.45'],
  ['ip_address', '2001:db8:85a3::8a2e:370:7334'],
  ['api_key', 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
  ['api_key', 'AKIAIOSFODNN7EXAMPLE'],
  ['api_key', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
  ['api_key', 'gho_16C7e42F292c6912E7710c838347Ae178B4a'],
  ['api_key', 'xoxb-2048-4096-AbCdEfGhIjKlMnOp'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['ssn', '078-05-1120'],
  ['private_key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----'],
];
/** Secrets whose label (before) and context (after) stay and whose value goes. */
export const PLANTED_VALUES: [PiiKind, string, string, string][] = [
  ['secret', 'Authorization: Bearer ', 'q8Zr2LmVx0Tp4NcW7yHa', ''],
  ['secret', 'api_key=', '9f86d081884c7d659a2feaa0c55ad015', ''],
  ['secret', 'password: "', 'Tr0ub4dor-and-3-more-words', '"'],
  ['url_credentials', 'postgres://', 'admin:s3cretPw', '@db.example.com/app'],
];

