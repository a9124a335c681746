// What users say after an assistant answer, per WildFeedback category, including the hard cases detectors
// get wrong: polite complaints, negations, complaints about third parties, pasted text, non-English reactions.
// Templates may use {right} / {Right} (the correct fact), {narrowing}, {followup}, {topic} and domain slots.
import type { DsatCategory, SatCategory } from '../../detectors/types.js';

export const SAT_PHRASES: Record<SatCategory, readonly string[]> = {
  gratitude: [
    'Thanks!',
    'Thank you so much!',
    'thanks, that is really helpful',
    'Thank you, this saved me a lot of time.',
    'thx',
    'Much appreciated.',
    'Cheers, thanks!',
    'ty!!',
    'Thanks a lot, exactly what I needed.',
    'Thank you! 🙏',
    'Appreciate it.',
    'Thanks, that helps a ton.',
  ],
  learning: [
    'Oh, I did not know that!',
    'That makes sense now, thanks for explaining.',
    'TIL!',
    'Ahh, so that is why it works.',
    'Interesting, I never really understood {topic} until now.',
    'Okay, I finally get it.',
    'Wow, I learned something new today.',
    'So the order of the steps is what matters. That clears it up.',
    'Huh, I always had that backwards. Good to know.',
  ],
  compliance: [
    'I tried it and it worked!',
    'Done — it works now.',
    'Just ran it, works perfectly.',
    'Followed your steps and it is fixed.',
    'Made it tonight and everyone loved it.',
    'I did what you said and it worked like a charm.',
    'Used your version, my manager approved it.',
    'Sent it exactly like that and got a reply within an hour.',
  ],
  praise: [
    'This is great!',
    'Perfect answer.',
    'You are a lifesaver.',
    'Wow, that is really well done.',
    'Excellent, super clear.',
    'This is exactly what I was looking for, brilliant.',
    'Amazing, you nailed it.',
    'Love it!',
    'Best explanation I have seen.',
  ],
  personal_details: [
    'That is helpful. I am actually a nurse working night shifts, so timing matters a lot for me.',
    'Good to know. For context, I am 62 and just retired, so I have plenty of time.',
    'Nice. I am a student and money is tight, so this helps.',
    'Makes sense. My daughter is 9 and she will love this.',
    'Cool. I work from home with two dogs, so I am flexible during the day.',
    'Useful. I moved here from Brazil last year, so a lot of this is new to me.',
  ],
  humor: [
    'haha my cat would approve 😂',
    'lol I will pretend I knew that all along',
    '😂 fair enough',
    'Ha! My wife will finally stop laughing at my attempts.',
    'lmao ok that is actually genius',
    'Hah, if only my code reviews were that polite.',
    'My past self is crying right now 😅',
  ],
  acknowledgment: ['ok', 'got it', 'makes sense', 'alright', 'understood', 'cool', 'okay', 'ok got it', 'right', 'sure', 'k', 'I see'],
  positive_closure: [
    'That is all I needed, have a great day!',
    'Perfect, I am all set. Bye!',
    'Great, that is everything. Thanks and goodbye!',
    'Awesome, I am done for today. Thanks!',
    'That covers it. Have a good one!',
    'All sorted, thank you. Bye 👋',
  ],
  getting_there: [
    'That is closer! Can you also make it {narrowing}?',
    'Better, but the last part still needs work.',
    'Almost there, just change the ending.',
    'Good start. Now make it {narrowing}.',
    'Nice, that is mostly it. One more tweak: {narrowing}.',
    'We are getting somewhere. Can you keep that but {narrowing}?',
  ],
};

export const DSAT_PHRASES: Record<DsatCategory, readonly string[]> = {
  negative_feedback: [
    'This is useless.',
    'That is not helpful at all.',
    'Terrible answer.',
    'you are not helping',
    'This is really bad.',
    'Ugh, that is garbage.',
    'What? That makes no sense.',
    'I am disappointed, this does not help me.',
    'Seriously? That is the best you can do?',
  ],
  revision: [
    'Can you rewrite it {narrowing}?',
    'Try again, {narrowing}.',
    'Make it shorter.',
    'Redo this but {narrowing}.',
    'Can you change it so it is {narrowing}?',
    'Give me another version, {narrowing}.',
    'rewrite please, {narrowing}',
  ],
  factual_error: [
    'That is wrong, {right}.',
    'No, that is wrong. {Right}.',
    'That is incorrect: {right}.',
    'Are you sure? I am pretty sure {right}.',
    'Actually, {right}.',
    'Wrong. {Right}.',
    'That is not right, {right}. Please fix it.',
    'This is a mistake: {right}.',
  ],
  unrealistic_expectation: [
    'Why can\'t you just do it?',
    'Other assistants can do this, why can\'t you?',
    'So you are useless for this.',
    'Come on, just do it for me.',
  ],
  no_engagement: ['nvm. ', 'forget it. ', 'whatever. ', 'ok nevermind. ', '', 'different question: '],
  ignored: [
    'You did not answer my question.',
    'That is not what I asked.',
    'Did you even read my message?',
    'You ignored the part about {narrowing}.',
    'I asked something else. Please read my question again.',
  ],
  lower_quality: [
    'This is worse than the first version.',
    'The previous answer was better.',
    'Now it is even worse.',
    'Why did it get worse? Go back to the earlier one.',
    'Hmm, your first try was better honestly.',
    'That is a downgrade from what you had before.',
  ],
  insufficient_detail: [
    'Can you go into more detail?',
    'That is too vague.',
    'Can you give me specific examples?',
    'More detail on step 2 please.',
    'That is it? I need more than one sentence.',
    'Can you expand on that?',
    'Too general. What exactly should I do?',
  ],
  style: [
    'Too long, please use bullet points.',
    'Way too formal, just talk normally.',
    'Please answer in plain English without the jargon.',
    'Can you format it as a list?',
    'Less fluff please.',
    'Stop with the emojis.',
    'Why is this in such a weird format?',
  ],
};

export type HardCase = 'polite_complaint' | 'negation' | 'third_party' | 'quoted' | 'non_english' | 'rephrase';

export interface HardPhrases {
  label: 'sat' | 'dsat' | 'neutral';
  category: SatCategory | DsatCategory | null;
  hard: HardCase;
  texts: readonly string[];
}

/** Phrasings whose surface words point the wrong way. */
export const HARD_PHRASES: readonly HardPhrases[] = [
  { label: 'sat', category: 'praise', hard: 'negation', texts: ['Not bad at all!', 'Not bad at all, actually really useful.', 'No complaints, this is exactly it.', 'Nothing wrong with that, it is spot on.'] },
  { label: 'sat', category: 'gratitude', hard: 'negation', texts: ['I can\'t thank you enough!', 'Can\'t complain, thanks a lot!', 'Honestly no notes. Thank you!'] },
  { label: 'sat', category: 'compliance', hard: 'negation', texts: ['No errors this time, it runs perfectly.', 'Nothing broke, it worked on the first try!', 'Never thought it would be that easy, it works.'] },
  { label: 'dsat', category: 'factual_error', hard: 'polite_complaint', texts: ['Thanks, but that is still wrong: {right}.', 'I appreciate it, but {right}.', 'Thank you, but I am pretty sure {right}.', 'Thanks! Though that is not right, {right}.'] },
  { label: 'dsat', category: 'ignored', hard: 'polite_complaint', texts: ['Thanks, but you did not answer my actual question.', 'That is nice, but it is not what I asked for.'] },
  { label: 'dsat', category: 'insufficient_detail', hard: 'polite_complaint', texts: ['Thanks! But this is a bit thin, could you go deeper on the second part?', 'Thank you, although I was hoping for a lot more detail.'] },
  { label: 'dsat', category: 'style', hard: 'polite_complaint', texts: ['Thank you, but could you make it way less formal? It reads like a legal document.', 'Great, thanks, but it is far too long for what I need.'] },
  { label: 'dsat', category: 'negative_feedback', hard: 'polite_complaint', texts: ['Thanks for trying, but this really is not helpful.', 'I appreciate the effort, but honestly this is pretty bad.'] },
  { label: 'neutral', category: null, hard: 'third_party', texts: [
    'My boss is wrong about this and keeps insisting on it. {Followup}',
    'Ugh, the official website is useless, it keeps crashing. Anyway, {followup}',
    'My coworker said the opposite and honestly he is terrible at this stuff. {Followup}',
    'The last app I tried was awful at this. {Followup}',
    'I hate how my landlord never answers. Separate thing: {followup}',
    'My teacher explained it so badly in class, it was a mess. {Followup}',
  ] },
  { label: 'neutral', category: null, hard: 'quoted', texts: [
    'Next one. What does this log line mean?\n```\nERROR 2026-11-20T10:02:11Z auth failed: wrong password for user "admin"\n```',
    'My friend texted me: "this is terrible, you got it all wrong" — how should I reply nicely?',
    'Can you check this sentence from my report: "The first estimate was wrong and the error cost us a week."',
    'What does this mean?\n```\nWARN deprecated: option "strict" has the wrong type, this is an error in v3\n```',
    'A reviewer wrote "this approach is bad and the results look wrong". How do I respond professionally?',
  ] },
  { label: 'sat', category: 'compliance', hard: 'quoted', texts: [
    'That fixed it, thanks! The old log said:\n```\nFATAL: wrong configuration, terrible things will happen\n```\nand now it is gone.',
    'Worked! For the record, the error before was `Error: invalid input, this is wrong`, now it is clean.',
  ] },
];

type Localized = Partial<Record<SatCategory | DsatCategory, readonly string[]>>;

/** Reactions of users writing in their own language (the rest of their messages stay English). */
export const NON_ENGLISH: Record<'es' | 'fr' | 'de', Localized> = {
  es: {
    gratitude: ['¡Gracias!', 'Muchas gracias, me sirvió mucho.', 'Gracias, justo lo que necesitaba.'],
    praise: ['¡Perfecto, excelente respuesta!', 'No está nada mal, muy útil.'],
    acknowledgment: ['vale', 'ok, entendido', 'de acuerdo'],
    positive_closure: ['Eso es todo, ¡gracias y hasta luego!'],
    learning: ['Ah, no sabía eso.', 'Ahora lo entiendo.'],
    negative_feedback: ['Esto no sirve para nada.', 'No me ayuda en absoluto.'],
    factual_error: ['Eso está mal.', 'No, eso es incorrecto.'],
    revision: ['¿Puedes hacerlo más corto?', 'Otra vez, pero más sencillo.'],
    insufficient_detail: ['¿Puedes dar más detalles?', 'Muy vago, necesito más información.'],
    style: ['Demasiado largo, usa viñetas.'],
    ignored: ['No respondiste a mi pregunta.'],
  },
  fr: {
    gratitude: ['Merci beaucoup !', 'Merci, c\'est parfait.'],
    praise: ['Génial, très clair !', 'Pas mal du tout !'],
    acknowledgment: ['d\'accord', 'ok, compris', 'ça marche'],
    positive_closure: ['C\'est tout, merci et bonne journée !'],
    learning: ['Ah, je ne savais pas ça.'],
    negative_feedback: ['Ça ne sert à rien.', 'Pas du tout utile.'],
    factual_error: ['C\'est faux.', 'Non, c\'est incorrect.'],
    revision: ['Tu peux le raccourcir ?', 'Refais-le plus simplement.'],
    insufficient_detail: ['Tu peux donner plus de détails ?'],
    style: ['Trop long, fais une liste.'],
    ignored: ['Tu n\'as pas répondu à ma question.'],
  },
  de: {
    gratitude: ['Danke!', 'Vielen Dank, das hilft mir sehr.'],
    praise: ['Super, sehr gut erklärt!', 'Nicht schlecht!'],
    acknowledgment: ['ok, verstanden', 'alles klar'],
    positive_closure: ['Das war\'s, danke und tschüss!'],
    learning: ['Ah, das wusste ich nicht.'],
    negative_feedback: ['Das ist nutzlos.', 'Das hilft mir überhaupt nicht.'],
    factual_error: ['Das ist falsch.', 'Nein, das stimmt nicht.'],
    revision: ['Kannst du das kürzer machen?', 'Nochmal, aber einfacher.'],
    insufficient_detail: ['Kannst du mehr Details geben?'],
    style: ['Zu lang, bitte als Liste.'],
    ignored: ['Du hast meine Frage nicht beantwortet.'],
  },
};

/** Ways a user restates the request, narrowed, after an answer missed (the reformulation signal). */
export const REPHRASE_FRAMES: readonly string[] = [
  '{request} I mean {narrowing}.',
  'No, I meant: {request} ({narrowing})',
  '{request} Specifically {narrowing}.',
  'Let me rephrase. {request} {Narrowing}, please.',
];
