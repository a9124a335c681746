// Phrase cues of the WildFeedback taxonomy (9 SAT / 9 DSAT categories): how users tell a chatbot that an answer
// worked or did not. General conversational phrasing only, no domain vocabulary. Scores are evidence strengths.
import type { Category } from './types.js';

export interface Cue {
  category: Category;
  label: 'sat' | 'dsat';
  re: RegExp;
  score: number;
  /** What a negated match means: 'drop' it, or read it as this other cue ("not helpful" -> negative feedback). */
  negated?: 'drop' | { category: Category; label: 'sat' | 'dsat'; score: number };
  /** The cue judges something: only counts when aimed at the assistant or its answer, not at a third party. */
  targeted?: boolean;
}

const g = (source: string) => new RegExp(source, 'gu');
// \b is ASCII-only in JS regexes; non-Latin scripts get their own patterns without it.
const W = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;
// ASCII-only alternatives (all start with a word character) use \b, which V8 runs much faster than Unicode
// lookarounds; the end check is a lookahead so alternatives may end in "?" or ",".
const w = (alternatives: string) =>
  /^[\x00-\x7f]*$/.test(alternatives) && !alternatives.includes('\\p{') ? new RegExp(`\\b(?:${alternatives})(?!\\w)`, 'g') : g(`${W}(?:${alternatives})${E}`);

export const CUES: Cue[] = [
  // ---- SAT -------------------------------------------------------------------------------------------------
  {
    category: 'gratitude',
    label: 'sat',
    score: 0.6,
    re: w(
      "thanks?|thank you|thank u|thx|tnx|ty|tysm|much appreciated|appreciate (?:it|that|this|your help|the help)|" +
        'i appreciate|cheers|gracias|merci|danke(?: sehr)?|danke schoen|grazie|obrigad[oa]|dank je|tack',
    ),
    negated: 'drop',
  },
  { category: 'gratitude', label: 'sat', score: 0.6, re: g('спасибо|谢谢|多谢|ありがとう|감사합니다|شكرا|धन्यवाद|danke schön') },
  {
    category: 'learning',
    label: 'sat',
    score: 0.55,
    re: w(
      "i (?:didn't|did not|never) (?:know|knew)(?: that)?|til|today i learned|now i (?:understand|get it|see|know)|" +
        "(?:that|it|this) makes (?:a lot of |more |total |perfect )?sense|makes sense(?: now)?|good to know|" +
        "(?:oh|ah),? i see|i learned|learned something|that explains|that's interesting|interesting|fascinating|" +
        'understood|i get it now',
    ),
    negated: { category: 'negative_feedback', label: 'dsat', score: 0.75 },
  },
  {
    category: 'compliance',
    label: 'sat',
    score: 0.65,
    re: w(
      "(?:it|that|this|that one) (?:worked|works)(?: now| perfectly| great| fine)?|works (?:now|perfectly|like a charm)|" +
        "(?:fixed|solved) (?:it|the (?:problem|issue|bug))|problem solved|i(?:'ll| will) (?:try|do|use|watch|check out|go with) " +
        "(?:that|it|this|those|them|that one)|will do|let's (?:do|go with) (?:that|it|this)|go ahead|" +
        "(?:that|it)(?:'s| is|'ll| will| would) (?:be )?(?:fine|ok|okay|good|great|perfect|work|works)(?: for me)?|" +
        '(?:sounds|looks) (?:good|great|fine|perfect|right|nice|interesting|fun|awesome|like a plan)|that works',
    ),
    negated: 'drop',
  },
  {
    category: 'praise',
    label: 'sat',
    score: 0.65,
    re: w(
      'great|perfect|excellent|awesome|amazing|wonderful|fantastic|brilliant|superb|lovely|impressive|helpful|useful|' +
        'good (?:job|work|answers?|ones?|ideas?|choices?|suggestions?|calls?|points?|picks?|recommendations?)|well done|spot on|nailed it|' +
        "you(?:'re| are) (?:the best|amazing|great|awesome|a genius|so helpful|very helpful|a lifesaver)|" +
        '(?:i )?love (?:it|this|that|that one|this one)|exactly what i (?:needed|wanted|was looking for)|' +
        "nice|cool|genial|super|prima|toll|perfecto|parfait|perfekt|excelente|otimo",
    ),
    negated: { category: 'negative_feedback', label: 'dsat', score: 0.6 },
  },
  { category: 'praise', label: 'sat', score: 0.65, re: w('génial|ótimo|fantástico|très bien|muy bien') },
  {
    // "not bad", "not wrong": a negated complaint is a mild compliment.
    category: 'praise',
    label: 'sat',
    score: 0.5,
    re: w("not (?:bad|too bad|wrong|terrible|awful)|(?:isn't|wasn't|ain't) (?:bad|too bad)"),
  },
  {
    category: 'personal_details',
    label: 'sat',
    score: 0.5,
    re: w(
      "i (?:really |absolutely |do |also )?(?:love|like|enjoy|adore)(?:d)?|i(?:'m| am) a (?:big |huge )?fan|" +
        'my (?:all[- ]time )?favou?rite',
    ),
    negated: 'drop',
  },
  {
    category: 'personal_details',
    label: 'sat',
    score: 0.35,
    re: w(
      'my (?:wife|husband|partner|kids?|son|daughter|family|friends?|mom|mother|dad|father|job|work|boss|team|' +
        "class|teacher|students?|girlfriend|boyfriend)|i work (?:as|at|in|for)|i(?:'m| am) (?:a|an) (?:student|teacher|" +
        'developer|engineer|nurse|doctor|parent|mom|dad|writer|designer)',
    ),
  },
  { category: 'humor', label: 'sat', score: 0.55, re: w('lol+|lmao|lmfao|rofl|ha(?:ha)+h?|he(?:he)+|ja(?:ja)+|mdr|xd|that\'s funny|so funny|hilarious') },
  { category: 'humor', label: 'sat', score: 0.55, re: g('😂|🤣|😆|😄|😅') },
  {
    category: 'acknowledgment',
    label: 'sat',
    score: 0.4,
    re: g(String.raw`^(?:ok(?:ay)?|k+|got it|sure|alright|all right|yes|yeah|yep|yup|right|cool|fine|noted|ah|oh|great)(?![\p{L}\p{N}])`),
  },
  {
    category: 'acknowledgment',
    label: 'sat',
    score: 0.55,
    re: w("(?:that|this|it)(?:'s| is) (?:correct|right|true|accurate)|exactly|absolutely|precisely|correct|👍|👌"),
    negated: { category: 'factual_error', label: 'dsat', score: 0.8 },
  },
  {
    category: 'positive_closure',
    label: 'sat',
    score: 0.6,
    re: w(
      "(?:that|this)(?:'s| is| will be|'ll be| was) (?:all|it|everything)(?: i need(?:ed)?| for (?:now|today))?|" +
        "i(?:'m| am) (?:all set|good|set|done for today)|have a (?:nice|good|great|wonderful|lovely) (?:day|one|night|evening|weekend)|" +
        "good ?bye|bye|see you|see ya|take care|you(?:'ve| have) been (?:very |so |really |most |a big |a great )?(?:helpful|a help|great)|" +
        "nothing else|that's about it|all set|have a good one",
    ),
  },
  {
    category: 'getting_there',
    label: 'sat',
    score: 0.5,
    re: w(
      "almost|closer|getting (?:there|closer)|(?:that's|it's|this is|much|a lot|way|a bit|slightly) better|better now|" +
        'nearly there|on the right track|that helps|helps a (?:bit|lot)|partially|halfway there',
    ),
    negated: { category: 'lower_quality', label: 'dsat', score: 0.7 },
  },
  // ---- DSAT ------------------------------------------------------------------------------------------------
  {
    category: 'negative_feedback',
    label: 'dsat',
    score: 0.8,
    targeted: true,
    re: w(
      'useless|terrible|awful|horrible|stupid|dumb|pathetic|garbage|rubbish|nonsense|ridiculous|unacceptable|' +
        'worthless|lame|disappointing|disappointed|frustrat\\w*|annoying|irritating|unhelpful|not helpful|' +
        "(?:isn't|wasn't|not) (?:helpful|useful|good|great|what i)|bad (?:answer|response|bot|job|advice|suggestion|idea)|" +
        'that sucks|this sucks|you suck|thanks for nothing|waste of (?:time|my time)|bullshit',
    ),
    negated: 'drop',
  },
  {
    // Conversation breakdown in open chat: the user cannot follow or questions the bot.
    category: 'negative_feedback',
    label: 'dsat',
    score: 0.75,
    re: w(
      "(?:that|this|it|you) (?:makes?|made) no sense|(?:that|this|it|you)(?: still)? (?:doesn't|does not|don't|didn't) make (?:any )?sense|" +
        "not making (?:any )?sense|makes no sense|what are you (?:talking about|saying|on about)|what do you mean|" +
        "i (?:don't|do not|didn't) (?:understand|get) (?:you|what you|that|your)|excuse me\\?|come again|say what|" +
        "are you (?:a bot|a robot|crazy|drunk|ok|okay|stupid|serious|kidding|joking|even listening)|you(?:'re| are) (?:a bot|a robot|" +
        "weird|crazy|confusing me|confused|not listening|not helping|useless|wrong|mistaken)|what the (?:hell|heck|fuck)|" +
        'wtf|wth|ffs|smh|ugh+|seriously|off[- ]topic|that was rude|so rude',
    ),
  },
  { category: 'negative_feedback', label: 'dsat', score: 0.7, re: g(String.raw`^(?:what|huh|hm+|eh|wat|what\?+|\?+|ok\?+|what the)[?!.]*$`) },
  { category: 'negative_feedback', label: 'dsat', score: 0.65, re: g(String.raw`\?\?+|^huh(?![\p{L}])`) },
  {
    category: 'negative_feedback',
    label: 'dsat',
    score: 0.55,
    re: w(
      "i (?:really )?(?:don't|do not|didn't|did not) (?:like|enjoy|love|want|care for) (?:it|that|this|that one|this one|those|them|" +
        "either|any of (?:them|those|these))|(?:not|never) (?:a|been a|really a) (?:big |huge )?fan|(?:it|that|that one|this one) " +
        "(?:is|sounds|looks) (?:boring|bad|meh|not (?:good|great|for me|my thing))|not (?:for me|my (?:thing|cup of tea|style))|" +
        'meh|nah|hated (?:it|that)|i hate (?:it|that|this)',
    ),
  },
  {
    category: 'factual_error',
    label: 'dsat',
    score: 0.8,
    targeted: true,
    re: w(
      "wrong|incorrect|inaccurate|untrue|(?:that's|that is|this is|it's|it is)? ?not (?:true|correct|accurate|right(?! now| away| this| at| yet| here))|(?:gave|got|give|giving) (?:me )?(?:the|a) wrong|" +
        "(?:isn't|wasn't|aren't) (?:true|correct|right|accurate)|that's (?:false|a lie|made up)|you made (?:a|an) (?:mistake|error)|" +
        "(?:that's|this is|there's) (?:a|an) (?:mistake|error|typo|bug)|mistaken|doesn't exist|does not exist|no such|" +
        "hallucinat\\w*|made (?:that|it) up|miscalculat\\w*|falsch|faux|incorrect[oa]|equivocad[oa]|errad[oa]|sbagliat[oa]",
    ),
    negated: 'drop',
  },
  { category: 'factual_error', label: 'dsat', score: 0.8, re: g('неправильно|неверно|不对|错了|不正确|違います|間違') },
  {
    category: 'factual_error',
    label: 'dsat',
    score: 0.7,
    targeted: true,
    re: w(
      "(?:it|that|this|the code|your code|the (?:script|query|formula|command|link|fix|solution))? ?(?:still )?" +
        "(?:doesn't|does not|didn't|did not|won't|will not) (?:work|compile|run|help|load|open)|not working|still broken|" +
        "(?:gives|gave|throws|threw|get|got) (?:me )?(?:an? )?(?:error|exception)|syntax error|it crashe[sd]",
    ),
  },
  {
    category: 'revision',
    label: 'dsat',
    score: 0.65,
    re: w(
      'try again|rewrite|re-?write it|rephrase|redo|re-do|do it again|one more time|start over|another (?:version|attempt|try)|' +
        "regenerate|change (?:it|that|this) to|make it (?:shorter|longer|simpler|more|less)|fix (?:it|that|this)|" +
        "i changed my mind|changed my mind|that's not what i (?:want|wanted|need|needed|meant)",
    ),
  },
  {
    category: 'revision',
    label: 'dsat',
    score: 0.4,
    re: w(
      'instead|rather than|another one|another option|something (?:else|different)|any ?(?:others?|thing else)|other (?:options|ones|choices)|' +
        'show me (?:more|others|other)|more options|what else|a different (?:one|option)|find (?:me )?(?:another|someplace else|something else)|' +
        'i meant|what i meant|i mean',
    ),
  },
  { category: 'revision', label: 'dsat', score: 0.15, re: w('how about|what about|can you try|could you try|let\'s try|please try') },
  {
    category: 'ignored',
    label: 'dsat',
    score: 0.85,
    re: w(
      "you (?:didn't|did not|haven't|have not|never) (?:answer|respond to|address|read|listen|reply to|get|understand|" +
        "do what)|you ignored|ignor(?:ed|ing) (?:my|the|what)|(?:that's|that is|that was|this is|it's)? ?not what i (?:asked|said|" +
        "requested)|answer (?:my|the) question|my question (?:was|is)|i (?:already|just) (?:said|told you|asked|mentioned|gave)|" +
        "as i (?:said|mentioned|told you)|i asked (?:you )?(?:for|about|if|to|whether)|you forgot|you missed|" +
        "you skipped|read (?:my|the) (?:question|message)|i told you|that's not my question|not my question",
    ),
  },
  {
    category: 'lower_quality',
    label: 'dsat',
    score: 0.75,
    re: w(
      "(?:that's|this is|it's|it got|getting|even|much|way|now it's) worse|worse than (?:before|the (?:last|previous|first|other))|" +
        "(?:previous|last|first|earlier|old|other) (?:one|answer|version|response) was better|you (?:already|just) said (?:that|this)|" +
        "you(?:'re| are) repeating|repeating yourself|same (?:thing|answer|response) (?:again|as before)|you keep (?:saying|repeating|giving|asking)|" +
        'you said that already|you already asked|less (?:helpful|accurate)|downgrade',
    ),
  },
  {
    category: 'insufficient_detail',
    label: 'dsat',
    score: 0.6,
    re: w(
      '(?:give|need|want|provide|add|include|share|like|with)(?: me| us)?(?: a bit| a little| some| much)? more (?:detail|details|depth|examples?|context|specifics)|' +
        'more (?:details?|examples?|specifics)(?: please|\\?)|be more (?:specific|precise|detailed)|' +
        'elaborate|expand on|go deeper|in more depth|too (?:vague|general|generic|short|brief|shallow|superficial)|vague|' +
        "not (?:enough|specific|detailed) enough|not specific|lacks? (?:detail|depth)|explain (?:more|further|in detail|better)|" +
        "that doesn't (?:tell|explain|answer)|incomplete|you (?:only|just) (?:gave|listed)|which one\\?|be specific",
    ),
  },
  {
    category: 'style',
    label: 'dsat',
    score: 0.7,
    re: w(
      'too (?:long|wordy|verbose|formal|informal|casual|technical|complicated|complex|robotic|repetitive)|shorter|more concise|' +
        "be (?:concise|brief)|less (?:formal|wordy|verbose)|(?:in|use|speak) (?:english|plain english|spanish|french|german|" +
        "simple (?:words|language|terms))|bullet points?|as a (?:table|list)|in a (?:table|list)|no (?:emojis?|markdown)|" +
        "don't use|stop using|(?:the|your) (?:tone|formatting)|(?:wrong|different) (?:language|format|tone)|tl;?dr|too many words|simpler",
    ),
  },
  {
    category: 'unrealistic_expectation',
    label: 'dsat',
    score: 0.6,
    re: w(
      "why (?:can't|cannot|won't|don't|can not) you|you (?:should|must|ought to) (?:be able|know)|what do you mean you (?:can't|cannot|don't)|" +
        "you can't even|i(?:'ll| will) (?:just )?(?:do|book|find|figure) it (?:myself|out myself)|(?:do|book|find) it myself|" +
        "i(?:'ll| will) figure (?:it|something) out",
    ),
  },
  {
    category: 'no_engagement',
    label: 'dsat',
    score: 0.6,
    re: w(
      "never ?mind|nvm|forget (?:it|about it)|whatever(?=[.!]*$)|change (?:the )?(?:subject|topic)|(?:let's )?talk about something else|" +
        "i(?:'m| am) bored|(?:this|you)(?:'re| is| are) (?:boring|pointless|going nowhere)|moving on|anyway(?:s)?,|i give up",
    ),
  },
];

export const WEAK_CUES: Cue[] = [
  { category: 'no_engagement', label: 'dsat', score: 0.35, re: w("(?:i )?(?:really )?(?:don't|do not) care|not interested") },
  { category: 'ignored', label: 'dsat', score: 0.45, re: w('i said|i just said') },
  {
    // Dislike of something: a rejected suggestion when the assistant suggested it, otherwise an opinion.
    category: 'negative_feedback',
    label: 'dsat',
    score: 0.45,
    re: w(
      "i (?:really )?(?:didn't|did not|don't|do not|didnt|dont) (?:really )?(?:like|enjoy|love|care for)|" +
        "not (?:a |really a |very |much of a |big |huge )?fan|not (?:very |really )?fond|(?:don't|do not) think i(?:'ll| will| would)",
    ),
  },
  // Open-domain breakdowns: the bot drifts off topic, talks past the user, or loses the thread.
  {
    category: 'negative_feedback',
    label: 'dsat',
    score: 0.75,
    re: w(
      "i (?:didn't|did not|never) (?:ask|say|mention)(?: you| that| for that| about that)?|that's not what i said|" +
        "(?:that|this) (?:has|had) nothing to do with|what does (?:that|this) have to do with|(?:that's|that is) not an answer|" +
        "you(?:'re| are) (?:changing|avoiding) the (?:subject|topic|question)|we were talking about|are you (?:even )?listening|" +
        "did you (?:even )?read|do you even (?:know|understand|listen)|you don't make (?:any )?sense|you make no sense|" +
        "i(?:'m| am) (?:so |really )?confused|i don't get it|what does that (?:even )?mean|stop (?:repeating|saying that|it)|" +
        "you already asked(?: me)?(?: that| this)?|i (?:just|already) answered|i told you already|i just told you",
    ),
  },
  {
    category: 'acknowledgment',
    label: 'sat',
    score: 0.55,
    re: w("i agree|so true|that's (?:so )?true|good point|fair enough|me too|same here|you(?:'re| are) (?:so )?(?:funny|right|sweet|smart|kind)"),
    negated: 'drop',
  },
  { category: 'negative_feedback', label: 'dsat', score: 0.7, targeted: true, re: w('weird|random|irrelevant|rude|creepy|confusing') },
];
CUES.push(...WEAK_CUES);

/** Opening words of a correction: "No, ...", "Nope.", "Nein". */
export const LEADING_NO = g(String.raw`^(?:no+|nope|nah|non|nein|não)(?![\p{L}\p{N}])`);
/** A "no" that is polite declining or closing, not a correction. */
export const POLITE_NO = g(
  String.raw`^(?:no+|nope|nah)[,.!]*\s*(?:,\s*)?(?:thanks?|thank you|thx|problem|worries|need|that's (?:all|it|everything)|that is (?:all|it)|` +
    String.raw`that will be all|that'll be all|nothing|i'm (?:good|fine|all set|set)|i am (?:good|fine)|i think that's|that should be|i don't need anything)`,
);
/** Follow-up words that turn a "no" into a correction of what the assistant did. */
export const CORRECTION = w("i (?:said|meant|need|needed|want|wanted|asked|would like|'d like)|it's|it is|that's|that is|actually|instead|not|wrong|only|should|change");

/** The assistant asks the user to check what it understood. */
export const ASKS_CONFIRMATION = w(
  "confirm|is (?:that|this) (?:correct|right|ok|okay)|(?:correct|right)\\?|did you mean|do you mean|you(?:'d| would) like to|you want to|to confirm",
);
/** The assistant offers something the user may simply decline. */
export const OFFERS = w(
  'would you like|do you want|do you need|shall i|should i|can i (?:help|assist|get|book|do)|may i|anything else|something else|' +
    'is there (?:anything|something)|would you be interested|are you interested|interested in|want me to|like me to|how about|what about',
);
/** The assistant asks about the user's dislikes or opinion, so a negative judgement answers it, not a complaint. */
export const ASKS_NEGATIVE = w(
  "what (?:did|do) you (?:think|like|dislike|enjoy|hate)|why (?:not|did you|do you)|your (?:opinion|thoughts)|" +
    "dislike|don't (?:like|enjoy)|do not (?:like|enjoy)|didn't (?:like|enjoy)|did not (?:like|enjoy)|not (?:like|enjoy)|hate|least favou?rite|not a fan|avoid",
);
/** The assistant suggested or recommended something, so a dislike rejects its suggestion. */
export const SUGGESTS = w(
  "i (?:recommend|suggest)|you (?:should|might|could|would|may) (?:like|love|enjoy|try|watch|check)|how about|what about|" +
    "have you (?:seen|tried|watched|read|heard)|check out|(?:is|was) (?:a |an )?(?:really |very )?(?:great|good|fun|nice|excellent|awesome|classic)",
);

/** The assistant reports it could not do or find what was asked. */
export const ASSISTANT_FAILED = w(
  "sorry|unfortunately|regret(?:fully)?|i apologi[sz]e|apologies|unable|can't|cannot|couldn't|could not|not able|no (?:results?|matches|" +
    "availability)|(?:there are|there is|i have|i found|we have) (?:no|not any)|nothing (?:matches|available|found)|not available|" +
    "i don't (?:know|have)|i do not (?:know|have)|i'm not sure|i am not sure|as an ai|no information",
);
/** Pushback after a refusal or failure: the user expected the impossible or insists. */
export const PUSHBACK = w("why not|why|come on|seriously|but you|you can|just do|you should|please just|really\\?|are you sure|check again|try again");
/** Someone other than the assistant is the subject of a judgement: "my boss is wrong", "the weather is awful". */
export const THIRD_PARTY = w(
  "my \\p{L}+|his \\p{L}+|her \\p{L}+|their \\p{L}+|our \\p{L}+|he|she|they|he's|she's|they're|the weather|traffic|people|" +
    "everyone|everybody|someone|somebody|the (?:government|news|movie|film|book|show|game|team|service|food|teacher|professor|" +
    'company|app|website|internet|world|situation|market)',
);
/** A determiner right before the judged word makes it attributive ("the wrong kid"), not a verdict on the answer. */
export const DETERMINER_BEFORE = /(?:^|\s)(?:the|a|an|my|his|her|their|our|some|any|truly|really) $/u;

/** The judged word sits in a predicate ("the date is wrong", "that was so bad"). */
export const PREDICATE_BEFORE =
  /(?:^|\s)(?:is|are|was|were|'s|'re|be|been|seems?|looks?|sounds?|feels?|got|gets|getting)(?: (?:so|very|completely|totally|just|really|all|quite|pretty|kinda|still|also|now|definitely|clearly|obviously|simply|absolutely|entirely|partly|plain|kind of|a bit))* $/u;
/** A judged word followed by one of these nouns is about the answer ("a terrible answer"). */
export const ANSWER_NOUN_AFTER = /^ (?:answer|response|reply|suggestion|idea|advice|explanation|code|job|result|output|translation|summary)(?![\p{L}])/u;
/** Only "a/the/your/that ... answer" points at the answer; "common wrong answers" talks about answers in general. */
export const ANSWER_DETERMINER_BEFORE = /(?:^|\s)(?:a|an|the|your|that|this)(?: (?:really|very|so|pretty|completely|totally))? $/u;

/** Words that point a judgement at the assistant or its answer. */
export const ASSISTANT_TARGET = w("you|you're|your|that|that's|this|it|it's|answer|response|reply|code|output|suggestion|result|results");
