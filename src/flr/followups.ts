// The project's own FLR follow-up sets: per helpfulness dimension, user replies that would follow a good
// (positive) or a poor (negative) answer. Written for this project; swap them via a JSON file with the same shape.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const FLR_DIMENSIONS = [
  'understanding',
  'relevance',
  'correctness',
  'engagingness',
  'informativeness',
  'following',
] as const;
export type FlrDimension = (typeof FLR_DIMENSIONS)[number];

export interface FollowUpSet {
  positive: string[];
  negative: string[];
}
export type FollowUpSets = Partial<Record<FlrDimension, FollowUpSet>> & Record<string, FollowUpSet>;

export const DEFAULT_FOLLOW_UPS: Record<FlrDimension, FollowUpSet> = {
  understanding: {
    positive: [
      'Got it, that is clear now.',
      'Okay, I understand how it works.',
      'That explanation finally clicked for me.',
      'Right, now I see what you mean.',
      'Clear enough, thank you.',
      'Ah, so that is how it fits together.',
      'I follow you completely.',
      'That was easy to understand.',
      'Now it makes sense to me.',
      'Perfect, you explained it well.',
    ],
    negative: [
      'I am more confused than before.',
      'You misunderstood my question.',
      'That does not answer what I meant.',
      'Huh? I cannot follow this at all.',
      'You got the wrong idea about what I need.',
      'This is unclear, can you try again?',
      'I asked something different.',
      'What are you even talking about?',
      'That explanation makes no sense.',
      'You did not get my point.',
    ],
  },
  relevance: {
    positive: [
      'Yes, that is exactly what I was looking for.',
      'Spot on for my situation.',
      'This is directly useful for my problem.',
      'Good, that addresses my question.',
      'That is the part I cared about.',
      'Right on topic, thanks.',
      'This applies perfectly to my case.',
      'You focused on just the right thing.',
      'That is relevant, keep going.',
      'Exactly the answer to what I asked.',
    ],
    negative: [
      'That is off topic.',
      'Why are you telling me this?',
      'This has nothing to do with my question.',
      'Not relevant to what I asked.',
      'You went off on a tangent.',
      'I did not ask about that.',
      'Please stay on the subject.',
      'This does not apply to my situation.',
      'That misses the point entirely.',
      'Irrelevant. Answer the actual question.',
    ],
  },
  correctness: {
    positive: [
      'That is correct, I double-checked it.',
      'Yes, those numbers are right.',
      'Accurate, thank you.',
      'I verified it and you are right.',
      'That matches what my textbook says.',
      'Correct answer, well done.',
      'The code runs fine now.',
      'Your facts check out.',
      'That is right, it worked.',
      'Exactly right, no mistakes.',
    ],
    negative: [
      'That is wrong.',
      'This is factually incorrect.',
      'Your calculation has a mistake.',
      'That code does not work.',
      'I checked and that is not true.',
      'You made an error there.',
      'That date is wrong.',
      'No, that is not how it works.',
      'Those numbers do not add up.',
      'This information is inaccurate.',
    ],
  },
  engagingness: {
    positive: [
      'Ha, I love that, tell me more!',
      'This is fascinating.',
      'What a fun way to put it!',
      'Wow, I never thought about it like that.',
      'That is really interesting, go on.',
      'I enjoyed reading that.',
      'You made this topic exciting.',
      'Cool! What else is there?',
      'That was a delightful answer.',
      'I could read about this all day.',
    ],
    negative: [
      'This is boring.',
      'That was dull to read.',
      'You sound like a robot.',
      'Meh, whatever.',
      'This is so dry.',
      'I lost interest halfway through.',
      'Could you be any less engaging?',
      'Yawn.',
      'That was tedious.',
      'Nothing interesting here.',
    ],
  },
  informativeness: {
    positive: [
      'That was very informative.',
      'I learned a lot from this.',
      'Thanks for all the useful detail.',
      'Now I know much more about it.',
      'Great depth, that covers everything.',
      'Those examples really help.',
      'This is thorough and helpful.',
      'Good to know, I did not know that.',
      'Helpful details, thank you.',
      'That gave me everything I needed.',
    ],
    negative: [
      'That tells me nothing new.',
      'Too vague to be useful.',
      'Can you give actual details?',
      'This is too shallow.',
      'I need more information than that.',
      'That is way too brief.',
      'You left out the important parts.',
      'Not helpful, there is no substance.',
      'I already knew all of that.',
      'That answer is empty.',
    ],
  },
  following: {
    positive: [
      'Perfect, that is the format I asked for.',
      'You followed my instructions exactly.',
      'Good, you kept it short as requested.',
      'Thanks for sticking to my constraints.',
      'Yes, just the way I wanted it.',
      'You did exactly what I asked.',
      'Great, it respects every requirement.',
      'Nice, the length is just right.',
      'That follows my rules.',
      'Exactly as specified, thanks.',
    ],
    negative: [
      'You ignored my instructions.',
      'I asked for a list, not a paragraph.',
      'That is not the format I wanted.',
      'I said to keep it short.',
      'You did not do what I asked.',
      'Please follow my requirements this time.',
      'Why did you not use the language I asked for?',
      'You broke the constraint I gave you.',
      'That is too long, I asked for one sentence.',
      'Read my instructions again.',
    ],
  },
};

const followUpSetSchema = z.object({
  positive: z.array(z.string().min(1)).min(1),
  negative: z.array(z.string().min(1)).min(1),
});
const followUpSetsSchema = z.record(z.string().min(1), followUpSetSchema);

/** Read follow-up sets from a JSON file `{dimension: {positive: [...], negative: [...]}}`. */
export function loadFollowUpSets(path: string): FollowUpSets {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read follow-up sets: ${(err as Error).message}`);
  }
  const parsed = followUpSetsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (Object.keys(parsed.data).length === 0) throw new Error(`${path}: no dimensions`);
  return parsed.data;
}
