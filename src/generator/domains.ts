// Task domains for the synthetic chats: request, follow-up and answer templates per domain, plus the
// ways an answer goes wrong (a wrong fact the user corrects, an instruction it ignores, an impossible ask).

export interface Constraint {
  /** Appended to the user's request. */
  ask: string;
  /** A sentence in the answer that breaks the constraint. */
  violation: string;
  /** The user's complaint when they notice. */
  complaint: string;
}

export interface WrongFact {
  /** What a flawed answer claims. */
  wrong: string;
  /** The truth, as the user states it in a correction. */
  right: string;
  /** Only used when the conversation has this slot value (so the error fits the topic). */
  when?: string;
}

export interface Impossible {
  ask: string;
  /** The assistant's honest limitation reply. */
  reply: string;
  /** The user's unhappy reaction. */
  complaint: string;
}

export interface Domain {
  name: string;
  /** Slot values; every domain defines `topic`. */
  slots: Record<string, string[]>;
  requests: string[];
  followups: string[];
  /** Extra specifics a user adds when restating the request (a narrowing rephrase). */
  narrowings: string[];
  openers: string[];
  /** Generic points that fit any topic of the domain. */
  points: string[];
  /** Topic-specific key points: points[i] answers the i-th value of slots[slot]. */
  keyed: { slot: string; points: string[] } | null;
  snippets: Record<string, string[]> | null;
  constraints: Constraint[];
  wrongFacts: WrongFact[];
  impossible: Impossible[];
}

const coding: Domain = {
  name: 'coding',
  slots: {
    topic: ['{task} in {lang}'],
    lang: ['Python', 'JavaScript', 'TypeScript', 'Go', 'Java', 'Rust'],
    task: [
      'parse a CSV file and sum one column',
      'remove duplicates from a list while keeping order',
      'retry an HTTP request with exponential backoff',
      'read settings from a JSON config file',
      'debounce a function',
      'check whether a string is a palindrome',
      'walk a directory and count files by extension',
      'merge two sorted arrays',
      'validate that an email address has the right shape',
      'rate-limit calls to an API',
      'flatten a nested list',
      'convert a timestamp to a different time zone',
    ],
    fn: ['process', 'dedupe', 'load_config', 'merge_sorted', 'count_files', 'handle'],
    err: [
      'TypeError: cannot read properties of undefined',
      'IndexError: list index out of range',
      'panic: runtime error: index out of range [3] with length 3',
      'NullPointerException at Main.java:42',
      'error[E0382]: borrow of moved value',
      'KeyError: \'timeout\'',
    ],
  },
  requests: [
    'How do I {task} in {lang}?',
    'Write a {lang} function to {task}.',
    'can you show me how to {task} using {lang}',
    'I need to {task} in {lang}. What is the cleanest way?',
    'Why does this fail when I try to {task}?\n```\n{err}\n```',
    'Quick one: {task}, {lang}, no external libraries.',
    'What is the idiomatic {lang} way to {task}?',
  ],
  followups: [
    'How would I write a unit test for that?',
    'What is the time complexity of this?',
    'Does this work with very large inputs?',
    'Can you add type hints / comments to it?',
    'How do I handle the case where the input is empty?',
    'Is there a standard library function that does this already?',
    'What happens if the file does not exist?',
    'How would this look in {~lang} instead?',
  ],
  narrowings: ['using only the standard library', 'for inputs with millions of items', 'without recursion', 'that also handles errors'],
  openers: [
    'Here is a straightforward way to {task} in {lang}:',
    'You can {task} in {lang} like this:',
    'A clean {lang} solution to {task}:',
  ],
  points: [
    'Iterate once and keep a set of what you have already seen, so the whole thing stays O(n).',
    'Handle the empty input first and return early; it keeps the main path simple.',
    'Keep I/O at the edges and the logic in a pure function, which makes it easy to test.',
    'Use the standard library where it exists; it is faster and better tested than a hand-rolled version.',
    'Add a small test with 3-4 cases, including an edge case like an empty input or a single element.',
    'Wrap the network call in a try block and cap the retries, e.g. 5 attempts with delays of 1, 2, 4 and 8 seconds.',
    'Close files with a context manager (or `defer` in Go) so they are released even when an error is thrown.',
  ],
  keyed: null,
  snippets: {
    Python: [
      '```python\ndef {fn}(items):\n    seen = set()\n    result = []\n    for item in items:\n        if item not in seen:\n            seen.add(item)\n            result.append(item)\n    return result\n```',
      '```python\nimport csv\n\ndef {fn}(path, column):\n    with open(path, newline="") as f:\n        return sum(float(row[column]) for row in csv.DictReader(f))\n```',
      '```python\nimport time\n\ndef {fn}(call, attempts=5):\n    for i in range(attempts):\n        try:\n            return call()\n        except OSError:\n            time.sleep(2 ** i)\n    raise RuntimeError("gave up")\n```',
    ],
    JavaScript: [
      '```javascript\nfunction {fn}(fn, ms) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}\n```',
      '```javascript\nconst {fn} = (items) => [...new Set(items)];\n```',
    ],
    TypeScript: [
      '```typescript\nexport function {fn}<T>(a: T[], b: T[]): T[] {\n  const out: T[] = [];\n  let i = 0, j = 0;\n  while (i < a.length && j < b.length) out.push(a[i] <= b[j] ? a[i++] : b[j++]);\n  return out.concat(a.slice(i), b.slice(j));\n}\n```',
      '```typescript\nimport { readFile } from "node:fs/promises";\n\nexport async function {fn}(path: string): Promise<Record<string, unknown>> {\n  return JSON.parse(await readFile(path, "utf8"));\n}\n```',
    ],
    Go: [
      '```go\nfunc {fn}(items []string) []string {\n\tseen := map[string]bool{}\n\tout := items[:0]\n\tfor _, it := range items {\n\t\tif !seen[it] {\n\t\t\tseen[it] = true\n\t\t\tout = append(out, it)\n\t\t}\n\t}\n\treturn out\n}\n```',
    ],
    Java: [
      '```java\nstatic <T> List<T> {fn}(List<T> items) {\n    return new ArrayList<>(new LinkedHashSet<>(items));\n}\n```',
    ],
    Rust: [
      '```rust\nfn {fn}(items: &[i64]) -> Vec<i64> {\n    let mut seen = std::collections::HashSet::new();\n    items.iter().copied().filter(|x| seen.insert(*x)).collect()\n}\n```',
    ],
  },
  constraints: [
    {
      ask: ' Please no external libraries.',
      violation: 'First install the helper package with your package manager and import it.',
      complaint: 'I said no external libraries, why are you telling me to install a package?',
    },
    {
      ask: ' It has to run on {lang} 3-year-old versions, so nothing too new.',
      violation: 'This uses the newest syntax introduced in the latest release.',
      complaint: 'I told you it has to work on older versions, this uses the newest syntax.',
    },
  ],
  wrongFacts: [
    { wrong: 'Python lists are immutable, so you have to copy them before appending.', right: 'Python lists are mutable, you can append in place', when: 'Python' },
    { wrong: 'In JavaScript, `const` makes the whole object deeply immutable.', right: '`const` only stops reassignment, the object can still be changed', when: 'JavaScript' },
    { wrong: '`const` in TypeScript makes the whole object deeply immutable.', right: '`const` only stops reassignment, you need `readonly` or `as const` for that', when: 'TypeScript' },
    { wrong: 'Go maps keep keys in insertion order.', right: 'Go map iteration order is random', when: 'Go' },
    { wrong: 'In Java, `==` compares the contents of two strings.', right: '`==` compares references in Java, you need `.equals()` for contents', when: 'Java' },
    { wrong: 'Rust frees memory with a garbage collector, so ownership does not matter here.', right: 'Rust has no garbage collector, ownership is exactly what frees the memory', when: 'Rust' },
    { wrong: 'Sorting with this approach is O(n), since it only loops once.', right: 'the sort is O(n log n), not O(n)' },
    { wrong: 'Binary search works on unsorted arrays too, so there is no need to sort first.', right: 'binary search only works on sorted input' },
  ],
  impossible: [
    {
      ask: 'Can you just log into my GitHub and fix the failing build for me?',
      reply: 'I cannot access your GitHub account or run your CI, but if you paste the failing log I can help you read it.',
      complaint: 'What is the point of you if you cannot even open my repo? Useless.',
    },
    {
      ask: 'Run this script on my server and tell me what it prints.',
      reply: 'I am not able to execute code on your machines, but I can walk through what it should print.',
      complaint: 'Seriously? Just run it, other tools can do that.',
    },
  ],
};

const writing: Domain = {
  name: 'writing',
  slots: {
    topic: ['a {piece} about {subject}'],
    piece: ['short story', 'cover letter', 'wedding toast', 'LinkedIn post', 'product description', 'poem', 'blog intro', 'thank-you note'],
    subject: [
      'a lighthouse keeper who finds a message in a bottle',
      'my first year as a nurse',
      'our handmade ceramic mugs',
      'my sister and her fiancé',
      'moving to a new city alone',
      'a junior data analyst role',
      'a bakery that only opens at night',
      'the end of summer',
    ],
    tone: ['warm', 'funny', 'formal', 'upbeat', 'heartfelt', 'professional'],
  },
  requests: [
    'Write {topic}.',
    'Can you help me write {topic}? Keep it {tone}.',
    'I need {topic}, around 150 words.',
    'draft {topic} for me please',
    'Could you write {topic} in a {tone} tone?',
    'Write {topic} that I can read out loud in under a minute.',
  ],
  followups: [
    'Can you give it a title?',
    'What would be a good closing line?',
    'How could I make the opening stronger?',
    'Could you suggest three alternative first sentences?',
    'Where would you cut if I need it 30% shorter?',
  ],
  narrowings: ['in a more {~tone} tone', 'in under 100 words', 'without clichés', 'aimed at people who have never met me'],
  openers: ['Here is a {tone} draft of {topic}:', 'Here is {topic}:', 'Sure — {topic}, {tone} in tone:'],
  points: [
    'I kept the sentences short so it reads aloud well.',
    'The ending loops back to the opening image, which gives it a sense of closure.',
    'Swap in a personal detail or two to make it unmistakably yours.',
  ],
  keyed: { slot: 'subject', points: [
    'The salt wind had followed Ada for forty years, but never like this morning, when the bottle knocked twice against the rocks.',
    'I walked onto the ward on my first night convinced I would forget everything; by dawn I had learned that nobody expects you to know it all, only to ask.',
    'Each mug is thrown by hand in our small studio, so no two glazes are quite the same — yours will have its own small quirks.',
    'To the two people who taught me that love is mostly showing up: may your kitchen always be loud and your coffee always be warm.',
    'I am applying because I enjoy turning messy spreadsheets into clear answers, and I have done exactly that for two years.',
    'The city did not notice me at first, which turned out to be a gift: nobody knew who I had been, so I could decide.',
    'When the ovens start at midnight, the whole street smells of cardamom, and the night shift workers line up like it is a secret.',
    'The pool closes on a Tuesday, which feels unfair; summer should end on a weekend, with everyone there to watch it go.',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' Keep it under 100 words.',
      violation: 'It goes on for several long paragraphs to cover every angle in depth.',
      complaint: 'I asked for under 100 words, this is way longer.',
    },
    {
      ask: ' Please do not mention my age.',
      violation: 'At 34, I bring a decade of experience to this role.',
      complaint: 'I specifically said not to mention my age and you put it in the first line.',
    },
  ],
  wrongFacts: [
    { wrong: 'A haiku has four lines of five syllables each.', right: 'a haiku has three lines, 5-7-5 syllables' },
    { wrong: 'A sonnet has twelve lines.', right: 'a sonnet has fourteen lines' },
  ],
  impossible: [
    {
      ask: 'Post this on my LinkedIn for me at 9am tomorrow.',
      reply: 'I cannot post to your accounts or schedule anything, but you can schedule posts from LinkedIn itself.',
      complaint: 'Ugh, so I still have to do everything myself.',
    },
  ],
};

const editing: Domain = {
  name: 'editing',
  slots: {
    topic: ['my {doc}'],
    doc: ['email to my landlord', 'essay introduction', 'project update', 'abstract', 'complaint letter', 'apology email to a client'],
    passage: [
      '"I am writing to inform you that the heating have not been working since monday and it is very cold."',
      '"Their going to review the results next week, and we was hoping for a quick answer."',
      '"The project is on track however we encountered some delays which was caused by the vendor."',
      '"In this essay I will be discussing about the affects of social media on teenagers."',
    ],
  },
  requests: [
    'Can you proofread this {doc}? {passage}',
    'Fix the grammar: {passage}',
    'Please make this {doc} sound more professional: {passage}',
    'edit this for clarity: {passage}',
    'Is this correct English? {passage}',
  ],
  followups: [
    'Can you explain why you changed "their"?',
    'Can you make it a bit more polite?',
    'What is the difference between "affect" and "effect" again?',
    'Should I use a comma before "however"?',
    'Could you make a shorter version for a text message?',
  ],
  narrowings: ['but keep my original wording where possible', 'in British English', 'and keep it friendly, not stiff'],
  openers: ['Here is a corrected version of {topic}:', 'I fixed the grammar and tightened it a little:', 'Edited version:'],
  points: [
    'I kept your tone and only changed what was needed.',
    'I also split the long sentence in two for readability.',
    'Main fixes: verb agreement, punctuation around "however", and a couple of word choices.',
  ],
  keyed: { slot: 'passage', points: [
    '"I am writing to let you know that the heating has not been working since Monday, and the flat is very cold."',
    '"They are going to review the results next week, and we were hoping for a quick answer."',
    '"The project is on track; however, we have had some delays caused by the vendor."',
    '"In this essay, I discuss the effects of social media on teenagers."',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' Only fix mistakes, do not rewrite it.',
      violation: 'I rewrote the whole thing in a more modern style so it flows better.',
      complaint: 'I said only fix the mistakes, you rewrote my entire text.',
    },
  ],
  wrongFacts: [
    { wrong: '"Their" is correct here because it refers to people.', right: 'it should be "they\'re", because it means "they are"' },
    { wrong: 'You should always put a comma before "that".', right: 'you do not put a comma before a restrictive "that" clause' },
  ],
  impossible: [
    {
      ask: 'Send the corrected email to my landlord directly.',
      reply: 'I cannot send emails, but you can copy the corrected text into your mail app.',
      complaint: 'Why can\'t you just send it? That\'s the one thing I needed.',
    },
  ],
};

const travel: Domain = {
  name: 'travel',
  slots: {
    topic: ['a trip to {city}'],
    city: ['Lisbon', 'Kyoto', 'Mexico City', 'Reykjavik', 'Rome', 'Vancouver', 'Marrakech', 'Prague', 'Seoul', 'Cape Town'],
    days: ['three', 'four', 'five', 'seven', '10'],
    who: ['with two kids', 'on a tight budget', 'with my partner', 'solo', 'with my elderly parents'],
  },
  requests: [
    'Plan a {days}-day itinerary for {city}.',
    'I am going to {city} {who} for {days} days. What should we see?',
    'What is the best time of year to visit {city}?',
    'Suggest neighbourhoods to stay in when visiting {city} {who}.',
    'how do i get around {city} without a car',
    'Give me a packing list for {days} days in {city} in November.',
  ],
  followups: [
    'How much should I budget per day?',
    'Which of these are good on a rainy day?',
    'Do I need to book any of these in advance?',
    'What about day trips from {city}?',
    'Is it easy to get there from the airport?',
    'Any local dishes I should try?',
  ],
  narrowings: ['{~who}', 'with mostly free activities', 'avoiding long walks', 'focusing on food and markets'],
  openers: ['Here is a {days}-day plan for {city}:', 'Great choice — {city} works well {who}. Here is what I would do:', '{city} in {days} days:'],
  points: [
    'Day 1: start with the old town on foot, then a late lunch at a market hall to get your bearings.',
    'Day 2: museums in the morning (book tickets online to skip the queue), a park or waterfront walk in the afternoon.',
    'Buy a multi-day public transport pass on arrival; it usually pays for itself within two days.',
    'Stay in a central neighbourhood close to a metro line so you are never more than 20 minutes from the sights.',
    'Keep one half-day free: weather and tired legs always change the plan.',
    'Shoulder season (spring and autumn) gives milder weather and lower prices than summer.',
    'Most popular restaurants take reservations; book the one or two you care about before you go.',
  ],
  keyed: null,
  snippets: null,
  constraints: [
    {
      ask: ' We do not want to rent a car.',
      violation: 'Pick up a rental car at the airport so you can drive between the neighbourhoods.',
      complaint: 'I said no car! Why is the plan built around driving?',
    },
    {
      ask: ' My mother uses a wheelchair, so please keep it accessible.',
      violation: 'Finish the day by climbing the 300 steps up to the hilltop viewpoint.',
      complaint: 'My mom uses a wheelchair, I told you that. 300 steps??',
    },
  ],
  wrongFacts: [
    { wrong: 'The metro runs 24 hours a day, so late nights are easy.', right: 'the Lisbon metro closes around 1am', when: 'Lisbon' },
    { wrong: 'Kyoto is the capital of Japan, so government buildings are worth a visit.', right: 'Tokyo is the capital of Japan, Kyoto is the old imperial capital', when: 'Kyoto' },
    { wrong: 'Mexico City is close to sea level, so altitude is not a concern.', right: 'Mexico City is at about 2,240 metres, altitude is definitely a concern', when: 'Mexico City' },
    { wrong: 'Iceland uses the euro, so no need to change money.', right: 'Iceland uses the Icelandic króna, not the euro', when: 'Reykjavik' },
    { wrong: 'Vancouver is the capital of Canada.', right: 'Ottawa is the capital of Canada, not Vancouver', when: 'Vancouver' },
    { wrong: 'Marrakech is the capital of Morocco.', right: 'Rabat is the capital of Morocco', when: 'Marrakech' },
    { wrong: 'Czechia uses the euro, so bring euros.', right: 'Czechia uses the Czech koruna, not the euro', when: 'Prague' },
    { wrong: 'Cars drive on the left in South Korea, like in Japan.', right: 'South Korea drives on the right', when: 'Seoul' },
    { wrong: 'November is winter in Cape Town, so pack warm clothes.', right: 'Cape Town is in the southern hemisphere, November is late spring there', when: 'Cape Town' },
  ],
  impossible: [
    {
      ask: 'Book me the cheapest flight to {city} next Friday.',
      reply: 'I cannot book flights or see live prices, but fare comparison sites let you filter for the cheapest option.',
      complaint: 'So you can\'t even look up a price? That\'s useless.',
    },
    {
      ask: 'What is the weather in {city} right now?',
      reply: 'I do not have access to live weather data; a weather app will give you the current conditions.',
      complaint: 'Every other app knows the weather, come on.',
    },
  ],
};

const cooking: Domain = {
  name: 'cooking',
  slots: {
    topic: ['{dish}'],
    dish: ['a weeknight lasagna', 'banana bread', 'chicken tikka masala', 'a lentil soup', 'sourdough starter', 'pad thai', 'shakshuka', 'chocolate chip cookies'],
    people: ['two', 'four', 'six', 'eight'],
    ingredient: ['eggs', 'butter', 'garlic', 'fresh basil', 'coconut milk', 'brown sugar', 'feta'],
  },
  requests: [
    'How do I make {dish}?',
    'Give me a recipe for {dish} for {people} people.',
    'I have {~ingredient}, {~ingredient} and rice. What can I cook tonight?',
    'what can i use instead of {ingredient} in {dish}',
    'Why does my {dish} always come out dry?',
    'Easy recipe for {dish}, please, I am a beginner.',
  ],
  followups: [
    'Can I make it the day before?',
    'How long does it keep in the fridge?',
    'Can I freeze it?',
    'What side dish would go with it?',
    'How do I scale it for {~people} people?',
    'Can I do this without an oven?',
  ],
  narrowings: ['that is vegetarian', 'in under 30 minutes', 'with things I already have in the pantry', 'without dairy'],
  openers: ['Here is a simple way to make {dish} for {people}:', 'Recipe for {dish}:', 'Sure! {dish}, step by step:'],
  points: [
    'Preheat the oven to 180°C (350°F) and grease the tin.',
    'Soften one chopped onion in olive oil for 8-10 minutes before adding garlic, so it turns sweet rather than sharp.',
    'Season in layers: a pinch of salt at each stage tastes better than all of it at the end.',
    'Bake for 45-55 minutes, until a skewer in the middle comes out clean.',
    'Let it rest for 10 minutes before cutting; it sets and slices cleanly.',
    'Taste and adjust with lemon juice or a splash of vinegar if it tastes flat.',
    'Toast the spices in the dry pan for 30 seconds to bring out their flavour.',
  ],
  keyed: null,
  snippets: null,
  constraints: [
    {
      ask: ' I am vegetarian.',
      violation: 'Add 300 g of diced chicken thighs and brown them well.',
      complaint: 'I said I am vegetarian, why is there chicken in it?',
    },
    {
      ask: ' I do not have an oven, only a stovetop.',
      violation: 'Transfer to the oven and bake for 40 minutes.',
      complaint: 'I literally told you I don\'t have an oven.',
    },
  ],
  wrongFacts: [
    { wrong: 'Baking soda and baking powder are the same thing, so swap them 1:1.', right: 'baking soda is about three times stronger than baking powder, you can\'t swap them 1:1' },
    { wrong: 'Chicken is safe once it reaches 50°C inside.', right: 'chicken needs to reach 74°C (165°F) inside' },
    { wrong: 'Water boils at a higher temperature at altitude.', right: 'water boils at a lower temperature at altitude' },
  ],
  impossible: [
    {
      ask: 'Order the ingredients for me from the supermarket.',
      reply: 'I cannot place orders, but here is a shopping list you can paste into a delivery app.',
      complaint: 'Not helpful, I wanted it done, not a list.',
    },
  ],
};

const math: Domain = {
  name: 'math',
  slots: {
    topic: ['{problem}'],
    problem: [
      'solving 3x + 7 = 22',
      'the derivative of x^2 * sin(x)',
      'the probability of rolling two sixes with two dice',
      'what 15% of 240 is',
      'the area of a circle with radius 4 cm',
      'compound interest on $1,000 at 5% for 3 years',
      'the integral of 2x from 0 to 3',
      'converting 0.375 to a fraction',
    ],
  },
  requests: [
    'Can you help with {problem}?',
    'How do I work out {problem}? Show the steps.',
    'I am stuck on {problem}.',
    'explain {problem} like I am 12',
    'Check my homework: {problem}. I got a different answer than the book.',
  ],
  followups: [
    'Why do you multiply there?',
    'Is there a faster way to do it?',
    'Can you give me a similar practice problem?',
    'How would this change if the numbers were negative?',
    'What formula is that called?',
  ],
  narrowings: ['step by step', 'without using a calculator', 'using the method from class (the chain rule)'],
  openers: ['Let us work through {problem} step by step:', 'Here is how to approach {problem}:', 'Solution:'],
  points: [
    'Check the answer by substituting it back into the original equation.',
    'Write down what you know and what you are asked for before you start.',
    'Keep the units with the numbers until the end; it catches many mistakes.',
    'A quick estimate first tells you whether the final answer is in the right range.',
  ],
  keyed: { slot: 'problem', points: [
    'Subtract 7 from both sides: 3x = 15. Then divide by 3: x = 5.',
    'Use the product rule: d/dx[x^2 sin x] = 2x sin x + x^2 cos x.',
    'Each die shows a six with probability 1/6, and the rolls are independent, so 1/6 × 1/6 = 1/36.',
    '15% of 240 is 0.15 × 240 = 36.',
    'Area = πr² = π × 4² ≈ 50.27 cm².',
    'Amount = 1000 × 1.05³ ≈ $1,157.63, so the interest is about $157.63.',
    'The antiderivative of 2x is x², so the integral is 3² − 0² = 9.',
    '0.375 = 375/1000 = 3/8 after dividing top and bottom by 125.',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' Please explain it, do not just give me the answer.',
      violation: 'The answer is 5.',
      complaint: 'I asked you to explain it, not just give me the answer.',
    },
  ],
  wrongFacts: [
    { wrong: 'Subtract 7 from both sides: 3x = 29, so x ≈ 9.67.', right: '22 minus 7 is 15, so x = 5', when: 'solving 3x + 7 = 22' },
    { wrong: 'The derivative of sin(x) is -cos(x), so the result is 2x sin x - x^2 cos x.', right: 'the derivative of sin(x) is cos(x), so it is 2x sin x + x^2 cos x', when: 'the derivative of x^2 * sin(x)' },
    { wrong: 'The probability of two sixes is 1/6 + 1/6 = 1/3.', right: 'two sixes is 1/36, you multiply, you don\'t add', when: 'the probability of rolling two sixes with two dice' },
    { wrong: '15% of 240 is 24.', right: '15% of 240 is 36', when: 'what 15% of 240 is' },
    { wrong: 'Area = 2πr = 8π ≈ 25.13 cm².', right: 'the area is πr² = 16π ≈ 50.27 cm², 2πr is the circumference', when: 'the area of a circle with radius 4 cm' },
    { wrong: 'The interest is just 3 × 5% of $1,000 = $150.', right: 'compound interest is 1000 × 1.05³ − 1000 ≈ $157.63, not $150', when: 'compound interest on $1,000 at 5% for 3 years' },
    { wrong: 'The integral of 2x from 0 to 3 is 6.', right: 'the integral of 2x from 0 to 3 is 9', when: 'the integral of 2x from 0 to 3' },
    { wrong: '0.375 is 3/5.', right: '0.375 is 3/8', when: 'converting 0.375 to a fraction' },
  ],
  impossible: [
    {
      ask: 'Just take my online quiz for me, the link is on my school portal.',
      reply: 'I cannot access your school portal or take quizzes for you, but I can help you practise.',
      complaint: 'Useless. I don\'t have time to practise.',
    },
  ],
};

const health: Domain = {
  name: 'health',
  slots: {
    topic: ['{condition}'],
    condition: ['a tension headache', 'trouble sleeping', 'lower back pain from sitting', 'seasonal allergies', 'a mild sunburn', 'heartburn after dinner', 'a sprained ankle'],
  },
  requests: [
    'What can I do about {condition}?',
    'I have had {condition} for a few days. Any tips?',
    'Is {condition} something I should see a doctor about?',
    'home remedies for {condition}?',
    'How long does {condition} usually last?',
  ],
  followups: [
    'Is ibuprofen okay for that?',
    'What are the warning signs that it is serious?',
    'Could it be related to stress?',
    'Are there exercises that help?',
    'How much water should I be drinking?',
  ],
  narrowings: ['for a 70-year-old', 'while pregnant', 'without medication', 'for a child'],
  openers: ['Here is what usually helps with {condition}:', 'For {condition}, these steps are a good start:', 'Some general guidance on {condition}:'],
  points: [
    'Rest, stay hydrated, and keep a simple diary of when it gets better or worse.',
    'Over-the-counter pain relief can help, following the dose on the label; check with a pharmacist if you take other medicines.',
    'See a doctor promptly if you have a fever, numbness, severe pain, or symptoms lasting more than a week.',
    'This is general information, not a diagnosis; a clinician who can examine you is the right person for anything persistent.',
  ],
  keyed: { slot: 'condition', points: [
    'For a tension headache, a warm compress on the neck, a break from screens and a glass of water often help within an hour or two.',
    'Keep a regular sleep schedule and avoid screens for the hour before bed.',
    'Small changes add up: a short walk every hour of sitting eases back strain, and the screen belongs at eye level.',
    'Antihistamines and a saline nose rinse help; keep windows closed on high-pollen days.',
    'Cool the skin with a damp cloth, use aloe or an unscented moisturiser, and drink extra water.',
    'Eat smaller dinners at least 3 hours before lying down, and raise the head of the bed a little.',
    'For a sprain, use RICE for the first 48 hours: rest, ice for 15-20 minutes at a time, compression and elevation.',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' I cannot take ibuprofen because of my stomach.',
      violation: 'Take ibuprofen every 6-8 hours with food.',
      complaint: 'I told you I can\'t take ibuprofen.',
    },
  ],
  wrongFacts: [
    { wrong: 'Put butter on a burn to soothe it.', right: 'you should cool a burn with running water, never butter' },
    { wrong: 'Antibiotics will clear up a cold faster.', right: 'antibiotics do nothing for a cold, it\'s a virus' },
  ],
  impossible: [
    {
      ask: 'Write me a prescription for sleeping pills.',
      reply: 'I cannot prescribe medication; a doctor or pharmacist can advise on sleep aids.',
      complaint: 'Then what are you even for?',
    },
  ],
};

const support: Domain = {
  name: 'support',
  slots: {
    topic: ['{issue}'],
    issue: [
      'a double charge on my subscription',
      'resetting my password',
      'a package marked delivered that never arrived',
      'cancelling my plan',
      'my router dropping the connection every evening',
      'the app crashing on startup',
      'changing the email on my account',
    ],
    company: ['the airline', 'my internet provider', 'the store', 'the gym', 'my bank'],
  },
  requests: [
    'How do I deal with {issue}?',
    'I need help with {issue}.',
    'what should I do about {issue}',
    'Can you help me write a message to {company} about {issue}?',
    'Steps for {issue}?',
  ],
  followups: [
    'What if they do not answer within a week?',
    'Should I call or use the chat?',
    'Can I get a refund for that?',
    'What information should I have ready?',
    'Is there a way to escalate it?',
  ],
  narrowings: ['on the mobile app', 'for a business account', 'if I no longer have access to my old email'],
  openers: ['Here is how to handle {issue}:', 'Sorry you are dealing with {issue}. Try this:', 'For {issue}, these steps usually work:'],
  points: [
    'Collect the details first: account email, order or invoice number, dates and screenshots.',
    'Use the official help centre or in-app chat; those requests get a ticket number you can refer back to.',
    'Be specific about what you want: a refund, a replacement, or a fix, and by when.',
    'Restart the device and update the app first; it solves a surprising share of startup crashes.',
    'If there is no reply within 5 business days, reply to the ticket asking for escalation to a supervisor.',
    'For a charge you do not recognise, your card issuer can open a dispute if the company does not respond.',
  ],
  keyed: null,
  snippets: null,
  constraints: [
    {
      ask: ' I already tried restarting it.',
      violation: 'First, restart the device and see if that helps.',
      complaint: 'I already said I restarted it. Did you even read my message?',
    },
  ],
  wrongFacts: [
    { wrong: 'You have 6 months by law to dispute any card charge.', right: 'dispute windows depend on your card issuer, it\'s usually around 60-120 days' },
  ],
  impossible: [
    {
      ask: 'Check the status of my order #{~people}4471 for me.',
      reply: 'I cannot see your orders or account; the store\'s order page or support chat will have the status.',
      complaint: 'Why can\'t you just look it up? Pointless.',
    },
  ],
};
support.slots.people = ['1', '2', '3', '5', '8'];

const data: Domain = {
  name: 'data_analysis',
  slots: {
    topic: ['{analysis}'],
    analysis: [
      'finding the top 10 customers by revenue',
      'a pivot table of sales by month',
      'removing duplicate rows',
      'calculating a 7-day rolling average',
      'comparing conversion rates between two groups',
      'spotting outliers in delivery times',
    ],
    tool: ['Excel', 'SQL', 'pandas', 'Google Sheets'],
  },
  requests: [
    'How do I do {analysis} in {tool}?',
    'I have a sales table. Help me with {analysis} using {tool}.',
    'What is the best way to approach {analysis}?',
    '{analysis} in {tool} — what formula or query?',
  ],
  followups: [
    'How do I handle missing values there?',
    'Can I make a chart from it?',
    'How would I do the same thing per region?',
    'Is the difference statistically significant?',
    'Will this be slow on a million rows?',
  ],
  narrowings: ['in {~tool}', 'grouped by region', 'only for last quarter'],
  openers: ['Here is how to do {analysis} in {tool}:', 'For {analysis}, try this in {tool}:'],
  points: [
    'Group by customer, sum the revenue column, sort descending and keep the first 10 rows.',
    'A rolling average smooths daily noise: average each day with the 6 days before it.',
    'Check for duplicates on the columns that define a unique row, not on every column.',
    'Use the interquartile range: values beyond 1.5 × IQR from the quartiles are worth a closer look.',
    'Compare the two conversion rates with a two-proportion z-test, and report the confidence interval, not just the p-value.',
  ],
  keyed: null,
  snippets: {
    SQL: [
      '```sql\nSELECT customer_id, SUM(amount) AS revenue\nFROM sales\nGROUP BY customer_id\nORDER BY revenue DESC\nLIMIT 10;\n```',
      '```sql\nSELECT day, AVG(total) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS avg_7d\nFROM daily_sales;\n```',
    ],
    pandas: [
      '```python\ntop = df.groupby("customer_id")["amount"].sum().nlargest(10)\n```',
      '```python\ndf["avg_7d"] = df["total"].rolling(7).mean()\n```',
    ],
    Excel: ['```\n=AVERAGE(B2:B8)\n```', '```\n=SUMIFS(C:C, A:A, E2)\n```'],
    'Google Sheets': ['```\n=QUERY(A:C, "select A, sum(C) group by A order by sum(C) desc limit 10")\n```'],
  },
  constraints: [
    {
      ask: ' I only have Google Sheets, no Python.',
      violation: 'Load the file with pandas and run the script below.',
      complaint: 'I said I only have Google Sheets. I can\'t run Python.',
    },
  ],
  wrongFacts: [
    { wrong: 'A p-value of 0.2 means the result is significant.', right: 'a p-value of 0.2 is not significant at the usual 0.05 level' },
    { wrong: 'COUNT(*) skips rows with NULLs.', right: 'COUNT(*) counts all rows, COUNT(column) skips NULLs' },
  ],
  impossible: [
    {
      ask: 'Open my company dashboard and tell me today\'s numbers.',
      reply: 'I cannot access your company systems; if you paste the numbers I can help interpret them.',
      complaint: 'Useless, I need live numbers not a lecture.',
    },
  ],
};

const translation: Domain = {
  name: 'translation',
  slots: {
    topic: ['translating "{phrase}" into {target}'],
    phrase: [
      'Where is the nearest train station?',
      'I am allergic to peanuts.',
      'Could we move the meeting to Thursday?',
      'Thank you for your hospitality.',
      'The package arrived damaged.',
      'How much does this cost?',
    ],
    target: ['Spanish', 'French', 'German', 'Italian', 'Japanese', 'Portuguese'],
  },
  requests: [
    'Translate "{phrase}" into {target}.',
    'How do you say "{phrase}" in {target}?',
    'What is the polite way to say "{phrase}" in {target}?',
    'translate to {target}: {phrase}',
  ],
  followups: [
    'How do I pronounce that?',
    'Is that formal or informal?',
    'What would a native speaker actually say?',
    'Can you break down the grammar?',
    'How would I say it in {~target}?',
  ],
  narrowings: ['formally', 'the way people say it in Latin America', 'for a text message to a friend'],
  openers: ['In {target}:', 'Here is "{phrase}" in {target}:', 'Translation ({target}):'],
  points: [
    'This is the polite (formal) form; with friends you would use the informal version.',
    'Word order note: the verb moves to the end in German subordinate clauses.',
    'Pronunciation tip: stress usually falls on the second-to-last syllable in Spanish and Italian.',
  ],
  keyed: { slot: 'phrase', points: [
    'Spanish: "¿Dónde está la estación de tren más cercana?" French: "Où est la gare la plus proche ?" German: "Wo ist der nächste Bahnhof?"',
    'Spanish: "Soy alérgico a los cacahuetes." French: "Je suis allergique aux cacahuètes." German: "Ich bin allergisch gegen Erdnüsse."',
    'Spanish: "¿Podríamos pasar la reunión al jueves?" French: "Pourrions-nous déplacer la réunion à jeudi ?" German: "Könnten wir das Meeting auf Donnerstag verschieben?"',
    'Spanish: "Gracias por su hospitalidad." French: "Merci pour votre hospitalité." Italian: "Grazie per la vostra ospitalità."',
    'Spanish: "El paquete llegó dañado." French: "Le colis est arrivé endommagé." German: "Das Paket ist beschädigt angekommen."',
    'Spanish: "¿Cuánto cuesta esto?" French: "Combien ça coûte ?" German: "Wie viel kostet das?"',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' Use the informal form, it is for a friend.',
      violation: 'I used the formal "usted/Sie/vous" form, which is polite in all situations.',
      complaint: 'I said it\'s for a friend, why is it formal?',
    },
  ],
  wrongFacts: [
    { wrong: '"Embarazada" means embarrassed in Spanish.', right: '"embarazada" means pregnant, not embarrassed' },
    { wrong: 'In German, all nouns are lowercase.', right: 'German nouns are always capitalised' },
  ],
  impossible: [
    {
      ask: 'Call the hotel in Rome and tell them I will be late.',
      reply: 'I cannot make phone calls, but here is what you could say in Italian when you call.',
      complaint: 'Great, so I still have to call them myself.',
    },
  ],
};

const trivia: Domain = {
  name: 'trivia',
  slots: {
    topic: ['{question}'],
    question: [
      'why the sky is blue',
      'who built the first practical telephone',
      'how long light takes to reach Earth from the Sun',
      'why octopuses have three hearts',
      'when the Berlin Wall fell',
      'how tall Mount Everest is',
      'what causes the northern lights',
    ],
  },
  requests: [
    'Can you tell me {question}?',
    'Quick question: {question}?',
    'I always wondered {question}.',
    'explain {question}',
    'My kid asked me {question} and I had no idea.',
  ],
  followups: [
    'Is that the same on Mars?',
    'Who discovered that?',
    'How do we know that?',
    'Any fun facts related to that?',
    'Can you explain it more simply for a 7-year-old?',
  ],
  narrowings: ['in one paragraph', 'with a simple analogy', 'with the history behind it'],
  openers: ['Good question! In short:', 'Here is the explanation:', 'Short answer first, then the details:'],
  points: [
    'Scientists confirmed this with careful measurements over many decades.',
    'It is a common misconception, so you are in good company.',
    'Encyclopedias and museum websites have good illustrated explanations if you want to dig deeper.',
  ],
  keyed: { slot: 'question', points: [
    'Sunlight scatters off air molecules, and shorter blue wavelengths scatter much more than red (Rayleigh scattering).',
    'Alexander Graham Bell was granted the first US patent for the telephone in 1876.',
    'Light from the Sun takes about 8 minutes and 20 seconds to reach Earth.',
    'Two hearts pump blood through the gills and one through the rest of the body.',
    'The Berlin Wall fell on 9 November 1989.',
    'Mount Everest is about 8,849 metres (29,032 feet) tall according to the 2020 survey.',
    'Auroras happen when charged particles from the Sun hit gases high in the atmosphere and make them glow.',
  ] },
  snippets: null,
  constraints: [
    {
      ask: ' Keep it to one sentence.',
      violation: 'To understand this fully we need to start with some background on the physics involved, which takes a few paragraphs.',
      complaint: 'One sentence, I said. Not an essay.',
    },
  ],
  wrongFacts: [
    { wrong: 'The sky is blue because it reflects the colour of the oceans.', right: 'the sky is blue because of Rayleigh scattering, not reflection from the ocean', when: 'why the sky is blue' },
    { wrong: 'Thomas Edison invented the telephone.', right: 'Alexander Graham Bell patented the telephone, not Edison', when: 'who built the first practical telephone' },
    { wrong: 'Light from the Sun reaches us almost instantly, in about 8 seconds.', right: 'it takes about 8 minutes, not 8 seconds', when: 'how long light takes to reach Earth from the Sun' },
    { wrong: 'Octopuses have three hearts because they also have three brains.', right: 'two hearts pump blood through the gills and one through the body, it has nothing to do with brains', when: 'why octopuses have three hearts' },
    { wrong: 'The Berlin Wall fell in 1991.', right: 'the Berlin Wall fell in 1989', when: 'when the Berlin Wall fell' },
    { wrong: 'Mount Everest is about 5,000 metres tall.', right: 'Everest is about 8,849 metres tall', when: 'how tall Mount Everest is' },
    { wrong: 'The northern lights are sunlight reflected off the polar ice.', right: 'auroras come from charged particles from the Sun hitting the atmosphere, not reflections off ice', when: 'what causes the northern lights' },
  ],
  impossible: [
    {
      ask: 'Who will win the World Cup next year?',
      reply: 'I cannot predict the future; I can tell you which teams are usually strong.',
      complaint: 'Just give me a name, why is that so hard.',
    },
  ],
};

const finance: Domain = {
  name: 'finance',
  slots: {
    topic: ['{money}'],
    money: [
      'building an emergency fund',
      'paying off two credit cards',
      'a monthly budget on a $3,200 income',
      'saving for a house deposit',
      'understanding an index fund',
      'splitting rent fairly with roommates',
    ],
  },
  requests: [
    'Help me with {money}.',
    'What is a sensible plan for {money}?',
    'Can you explain {money} simply?',
    'tips for {money}?',
    'Where do I start with {money}?',
  ],
  followups: [
    'What percentage should go to savings?',
    'Should I pay off debt first or save first?',
    'Is a high-yield savings account worth it?',
    'How long would that take?',
    'What are the risks?',
  ],
  narrowings: ['on an irregular freelance income', 'with $500 a month to spare', 'without touching my retirement savings'],
  openers: ['Here is a simple plan for {money}:', 'For {money}, I would start like this:'],
  points: [
    'A common starting rule is 50/30/20: needs, wants, savings and debt repayment.',
    'Aim for 3-6 months of essential expenses in an easy-access savings account.',
    'With two cards, pay the minimum on both and put every extra dollar on the one with the highest interest rate (the avalanche method).',
    'Automate the transfer to savings on payday so it happens before you can spend it.',
    'An index fund spreads your money across a whole market, which keeps costs and single-company risk low.',
    'This is general information; for big decisions a fee-only financial adviser can look at your full situation.',
  ],
  keyed: null,
  snippets: null,
  constraints: [
    {
      ask: ' I do not want to invest in stocks.',
      violation: 'Put the rest into a broad stock index fund.',
      complaint: 'I said no stocks. Why are you suggesting a stock fund?',
    },
  ],
  wrongFacts: [
    { wrong: 'Paying the minimum on a credit card avoids all interest.', right: 'you pay interest on whatever balance you don\'t pay off in full' },
    { wrong: 'Index funds guarantee a 10% return every year.', right: 'index funds don\'t guarantee any return, they can lose money' },
  ],
  impossible: [
    {
      ask: 'Move $500 from my checking to my savings account.',
      reply: 'I cannot access your bank; your banking app can set up the transfer.',
      complaint: 'So you can\'t actually do anything. Great.',
    },
  ],
};

const fitness: Domain = {
  name: 'fitness',
  slots: {
    topic: ['{goal}'],
    goal: ['running my first 5K', 'a 3-day gym routine', 'getting better at push-ups', 'stretching for desk workers', 'a home workout with no equipment'],
  },
  requests: [
    'Make me a plan for {goal}.',
    'I want to start {goal}. Where do I begin?',
    'How long does it take to get to {goal}?',
    'beginner tips for {goal}',
  ],
  followups: [
    'How many rest days do I need?',
    'What should I eat before a workout?',
    'Is it okay if my legs are sore?',
    'How do I stay motivated?',
    'Can I do this with a bad knee?',
  ],
  narrowings: ['at home with no equipment', 'in 20 minutes a day', 'for someone over 50'],
  openers: ['Here is a beginner-friendly plan for {goal}:', 'For {goal}, start here:'],
  points: [
    'Week 1-2: alternate 1 minute of jogging with 2 minutes of walking, 20 minutes, three times a week.',
    'Increase the total weekly load by about 10% at most to avoid injury.',
    'Do incline push-ups against a table first, 3 sets of 8-10, then lower the incline each week.',
    'Warm up for 5 minutes and finish with light stretching.',
    'Sleep and protein matter as much as the workouts for recovery.',
  ],
  keyed: null,
  snippets: null,
  constraints: [
    {
      ask: ' I have no equipment at all.',
      violation: 'Start with 3 sets of dumbbell rows and bench presses.',
      complaint: 'I have no equipment, I said that. Where would I get dumbbells?',
    },
  ],
  wrongFacts: [
    { wrong: 'Stretching before running prevents all injuries.', right: 'static stretching before running doesn\'t prevent injuries, a warm-up does more' },
    { wrong: 'You can burn belly fat by doing only sit-ups.', right: 'you can\'t spot-reduce fat with sit-ups' },
  ],
  impossible: [
    {
      ask: 'Track my runs automatically from my watch.',
      reply: 'I cannot connect to your watch; its companion app records your runs.',
      complaint: 'That\'s disappointing, I thought you could sync with it.',
    },
  ],
};

export const DOMAINS: readonly Domain[] = [
  coding,
  writing,
  editing,
  travel,
  cooking,
  math,
  health,
  support,
  data,
  translation,
  trivia,
  finance,
  fitness,
];

/** How often each domain starts a conversation (coding and writing dominate real assistant traffic). */
export const DOMAIN_WEIGHTS: readonly number[] = [22, 12, 8, 8, 8, 7, 5, 6, 6, 5, 6, 4, 3];

export const SYSTEM_PROMPTS: readonly string[] = [
  'You are a helpful assistant.',
  'You are a helpful, concise assistant. Answer in the language of the user.',
  'You are Aria, the support assistant for Northwind Home. Be friendly and brief.',
  'You are a coding assistant. Prefer short, correct code with a one-line explanation.',
  'Current date: 2026-11-20. You cannot browse the web.',
  'You are a tutor. Guide the student to the answer instead of giving it away.',
];

/** Vague filler a low-quality answer is made of. */
export const VAGUE: readonly string[] = [
  'There are many ways to approach {topic}, and the best one depends on your situation.',
  'It is generally a good idea to do some research on {topic} before deciding.',
  'You may want to consult an expert or look online for more information about {topic}.',
  'Overall, {topic} can be tricky, so take it one step at a time.',
  'Different people have different opinions about {topic}.',
  'I hope this gives you a general idea.',
  'It really depends on many factors.',
];

/** Stuffy preamble for answers whose flaw is style (too formal, too long). */
export const STUFFY: readonly string[] = [
  'In accordance with your inquiry regarding {topic}, it is important to note at the outset that a comprehensive, holistic and multi-faceted perspective must be adopted.',
  'Before addressing {topic} directly, it is essential to establish a robust conceptual framework that encompasses the relevant considerations, stakeholders and paradigms.',
];

/** Effusive lines of the reward-hacking policy (emoji, flattery, farewells). */
export const HACK_OPENERS: readonly string[] = [
  'What a wonderful question! 😊',
  'Oh, I love this one! ✨',
  'Absolutely — I am so happy to help with this! 🙌',
  'Great question, you are clearly on the right track! 🌟',
];
export const HACK_CLOSERS: readonly string[] = [
  'Hope this helps, let me know with a ❤️!',
  'Bye! 😊',
  'You have got this! 💪 Have a wonderful day!',
  'Wishing you all the best — take care! 🌟',
  'If this helped, a ❤️ would make my day! Bye for now! 👋',
];

export const PLAIN_CLOSERS: readonly string[] = [
  'Let me know if you want me to adjust anything.',
  'Happy to go into more detail on any step.',
  'If you share more details, I can tailor this further.',
];

export const REVISION_OPENERS: readonly string[] = [
  'You are right, sorry about that. Here is a revised version:',
  'Good catch — here is an updated answer:',
  'Apologies for the confusion. Let me try again:',
  'Thanks for clarifying. Here is a better version:',
];

export const WELCOME_REPLIES: readonly string[] = [
  'You are welcome! Anything else I can help with?',
  'Glad it helped!',
  'Happy to help — good luck!',
  'Anytime. Let me know if something else comes up.',
];
