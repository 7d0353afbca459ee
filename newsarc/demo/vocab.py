"""Word and sentence banks for the demo news sites.

Templates use two kinds of markup, expanded by :func:`newsarc.demo.prose.expand`:

* ``[a|b|c]`` picks one alternative at random (no nesting);
* ``{slot}`` is filled from the story's cast: ``person``/``last``/``role`` (main character),
  ``person2``/``last2``/``role2``, ``org``, ``org2``, ``city``, ``country``, ``thing``,
  ``thing2`` and the numbers ``num``, ``num2``, ``big``, ``pct``, ``amount``, ``price``, ``year``,
  ``day`` and ``month``.
"""

from __future__ import annotations

# fmt: off

FIRST_NAMES = [
    "Amara", "Bertrand", "Camila", "Dmitri", "Elena", "Farid", "Greta", "Hiroshi", "Ines",
    "Jonah", "Katarina", "Lucas", "Mireille", "Nikhil", "Olga", "Pablo", "Quentin", "Rosa",
    "Soren", "Tamsin", "Umar", "Valeria", "Wendell", "Ximena", "Yusuf", "Zofia", "Adaeze",
    "Bjorn", "Cormac", "Delphine", "Emeka", "Fiona", "Gustavo", "Hannelore", "Idris", "Janek",
    "Keziah", "Leopold", "Marisol", "Nadia", "Oskar", "Priya", "Rafael", "Sigrid", "Tobias",
    "Ulrike", "Viktor", "Wilhelmina", "Yara", "Zoltan", "Anouk", "Caspian", "Dagny", "Evander",
    "Florian", "Giulia", "Henrik", "Ilse", "Joaquin", "Lorcan",
]

LAST_NAMES = [
    "Okafor", "Lindqvist", "Marchetti", "Vasquez", "Kowalczyk", "Haddad", "Nakamura",
    "Oyelaran", "Brannigan", "Castellanos", "Dubrovnik", "Esterhazy", "Fairweather",
    "Gallagher", "Hollingsworth", "Ivanova", "Jankowski", "Kaminski", "Lachance", "Mendoza",
    "Novotny", "Ostrowski", "Pemberton", "Quintero", "Rasmussen", "Sandoval", "Thorvaldsen",
    "Umberto", "Valentini", "Whitcombe", "Yamamoto", "Zielinski", "Abernathy", "Bellweather",
    "Carrington", "Delacroix", "Eriksen", "Fitzgerald", "Goldfarb", "Hargreaves", "Iturbide",
    "Jablonski", "Kingsley", "Lombardi", "Montgomery", "Nørgaard", "Oduya", "Petrakis",
    "Quigley", "Rosenthal", "Szabo", "Tanaka", "Underhill", "Villanueva", "Wojcik",
    "Achterberg", "Balogun", "Cisneros", "Drummond", "Efremov",
]

CITIES = [
    "Port Halden", "Westbrook", "Marlow Bay", "Eastfield", "Lindenburg", "Carver City",
    "New Aldgate", "Riverside", "Santa Lucia", "Kessler Falls", "Oakmont", "Brightwater",
    "Fort Emery", "Greyhaven", "Northgate", "Ashford", "Valmont", "Harrowgate", "Silverton",
    "Duncannon", "Bellmare", "Crestwood", "Pinecliff", "Tidewater", "Larkspur", "Stonebridge",
    "Rookwood", "Elmsworth", "Glen Arbor", "Moorfield",
]

COUNTRIES = [
    "Norland", "Castavia", "the Republic of Velm", "Ostrava", "Kaldonia", "Meridia", "Brastov",
    "Solvania", "the Aurelian Federation", "Tarsis", "Westmark", "Lusovia", "Pelagonia",
    "Eskaria", "Dravonia", "Quorin", "Vestland", "Marovia",
]

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Sentences that fit any story.
GENERIC_SENTENCES = [
    "The announcement came after [weeks|months] of [speculation|quiet negotiations|"
    "mounting pressure] in {city}.",
    "{last} did not respond to [a request|repeated requests] for comment on {day}.",
    "[Critics|Opponents|Some observers] [argue|say|warn] that the plan [leaves too many questions "
    "unanswered|moves too quickly|does little for ordinary residents].",
    "According to figures released by {org2}, the number rose by {pct} percent [last year|"
    "in the first quarter|over the past decade].",
    "[Officials|Spokespeople] for {org} [declined to say|would not confirm] how much the "
    "[effort|programme|review] would cost.",
    "[In a statement|In an interview|At a briefing] on {day}, {last} described the situation "
    "as [\"difficult but manageable\"|\"a turning point\"|\"far from settled\"].",
    "The [decision|move|development] is expected to affect [roughly|about|more than] {big} "
    "people in and around {city}.",
    "[Residents|Local business owners|Community leaders] in {city} [gave the news a cautious "
    "welcome|reacted with frustration|said they had been left in the dark].",
    "{person2}, {role2}, said the [timing|scale|speed] of the change had [taken many by "
    "surprise|been widely anticipated|raised eyebrows].",
    "It is the [first|second|third] time since {year} that {org} has [faced such scrutiny|"
    "taken such a step|made a comparable announcement].",
    "[Analysts|Experts|Economists] at {org2} said the [effects|consequences|benefits] could "
    "take [years|several months|at least a decade] to become clear.",
    "The [proposal|agreement|report] runs to {num} pages and [sets out|outlines|details] "
    "[a timetable|a series of targets|dozens of recommendations] for the coming years.",
    "[A further round of talks|A follow-up meeting|A public consultation] [is scheduled|has been "
    "planned] "
    "for {month}, {last} [added|said|confirmed].",
    "[Nobody|No one] was immediately available at {org} to [clarify|explain|comment on] the "
    "[figures|decision|timeline].",
    "[Supporters|Backers|Allies] of the plan point to {country}, where a [similar|comparable] "
    "approach [was adopted|took effect] in {year}.",
    "The [news|announcement|decision] [sent shares of|weighed on|lifted] [several|a number of] "
    "companies with ties to {city}.",
    "[Earlier this year|Last {month}|In {year}], {org} [warned|cautioned|signalled] that "
    "[changes|cuts|delays] were likely.",
    "{last} [has long argued|has repeatedly said|insisted again] that {thing} should be "
    "treated as a [priority|public concern|matter of urgency].",
    "[A spokesperson|A spokeswoman|A spokesman] for {org2} said the organisation would "
    "[study the details|review its options|respond in due course].",
    "[The episode|The dispute|The row] has [exposed|highlighted|deepened] divisions over "
    "{thing} that [have simmered for years|date back to {year}|show few signs of easing].",
    "Independent [estimates|surveys|assessments] put the [total|figure] closer to {big}, "
    "[well above|slightly below|roughly double] the official count.",
    "[At a packed town hall|At an evening meeting|Outside the council chamber] in {city}, "
    "[dozens|hundreds] of people [gathered|queued] to [voice concerns|ask questions].",
    "The [measure|plan|package] still requires [approval|sign-off|a final vote] from "
    "{org2} before it can take effect.",
    "{person2} said the [community|region|industry] had been [waiting|pressing|lobbying] "
    "for [clarity|action|support] since at least {year}.",
    "[By one count|By some estimates|On current trends], the [cost|bill|total] could reach "
    "{amount} by the end of the decade.",
    "\"We will [keep listening|keep working|not give up],\" {last} told reporters, adding "
    "that [more details|an update|a full plan] would follow [within weeks|in {month}].",
    "[Not everyone in {city} is convinced|Few people in {city} expect quick results], however.",
    "[Some|Several] [lawmakers|board members|councillors] have called for an [independent "
    "review|external audit|open hearing] of the [process|decision|figures].",
    "[The debate over|The question of|The argument about] {thing} is likely to [feature "
    "prominently|loom large] "
    "[in the coming campaign|at next month's summit|in budget talks].",
    "[Data|Records|Documents] seen by this newspaper show that {org} [had been warned|"
    "was aware of the risks|received complaints] as early as {year}.",
    "[Attendance|Turnout|Participation] [fell|rose|climbed] to {num2} percent, the "
    "[lowest|highest] level [on record|in {num} years|since {year}].",
    "[Those|People] [close to|familiar with] the talks said {last} [had pushed hard|held "
    "firm|made late concessions] on [several|two|a handful of] points.",
    "[For now|In the meantime|Until then], {org} said it would [continue|maintain|keep] its "
    "current [approach|arrangements|schedule].",
    "[Local media|Regional broadcasters|Newspapers in {country}] [reported|suggested] that "
    "the [deal|plan|decision] had been [weeks|months] in the making.",
    "The [figures|numbers|findings] [were compiled|were published|emerged] just days before "
    "{org2} [was due to|is expected to] [meet|report|vote].",
    "{last} [first|originally] [proposed|floated|championed] the idea [in {year}|during a "
    "speech in {city}|at a conference in {country}].",
    "[Costs|Prices|Fees] linked to {thing} have [climbed|risen|jumped] by {pct} percent "
    "[since {year}|over the past two years|in the last twelve months].",
    "[Observers|Commentators] [noted|pointed out] that the [wording|tone|language] of the "
    "statement was [unusually blunt|carefully hedged|more conciliatory than before].",
    "A [survey|poll|study] of {big} [residents|adults|households] found that {num2} percent "
    "[supported|opposed|had not heard of] the [plan|change|proposal].",
    "[The full report|A summary of the findings|The text of the agreement] is expected to be "
    "[published|made public|released] [later this month|in {month}|before the end of the year].",
]

CATEGORIES: dict[str, dict[str, list[str]]] = {
    "world": {
        "roles": [
            "foreign minister", "ambassador to {country}", "special envoy", "prime minister",
            "deputy foreign minister", "United Nations representative",
        ],
        "orgs": [
            "the Foreign Ministry", "the Coastal States Council", "the Northern Trade Bloc",
            "the International Relief Alliance", "the Maritime Security Forum",
            "the Border Commission", "the Regional Development Bank",
            "the Peace Monitoring Mission",
        ],
        "things": [
            "border security", "refugee resettlement", "trade corridors", "fishing rights",
            "grain exports", "maritime patrols", "visa rules", "sanctions relief",
        ],
        "headlines": [
            "{country} and {org} agree to reopen talks on {thing}",
            "{role_cap} {person} lands in {city} for talks on {thing}",
            "{org_cap} warns of deepening crisis over {thing}",
            "Thousands rally in {city} as {thing} dispute escalates",
            "{person} brokers surprise deal on {thing} with {country}",
            "Envoys gather in {city} as pressure grows over {thing}",
            "{country} recalls ambassador after row over {thing}",
            "Leaders in {city} sign pact on {thing} after {num} hours of talks",
            "{org_cap} pledges {amount} to ease {thing} strain",
        ],
        "leads": [
            "{person}, {role}, [arrived in|flew to|travelled to] {city} on {day} for [talks|"
            "meetings|negotiations] with officials from {country} on {thing}.",
            "[Governments|Delegations] from {country} and its neighbours [agreed|committed] on "
            "{day} to [revive|restart|expand] cooperation on {thing}, {person}, {role}, said.",
        ],
        "sentences": [
            "The talks in {city} are the [first|most significant] of their kind since {year}, "
            "when negotiations over {thing} [collapsed|stalled|broke down].",
            "Diplomats said the [draft|framework|outline] agreement would [ease|tighten|"
            "streamline] rules on {thing} along the [northern|eastern|southern] border.",
            "{country} has [long|repeatedly] accused its neighbours of [ignoring|undermining|"
            "exploiting] earlier commitments on {thing2}.",
            "[Aid groups|Humanitarian organisations] warned that [delays|disruption] to "
            "{thing2} could leave {big} people [without support|in limbo|at risk].",
            "[The foreign ministry in {country}|Officials in {country}] [described the meeting "
            "as constructive|called the talks a useful first step|played down hopes of a "
            "breakthrough].",
            "{org_cap} has [deployed|dispatched] {num} [observers|monitors|liaison officers] to "
            "the [region|frontier|coast] since {month}.",
            "[Trade|Commerce] between the two countries [fell|slumped|dropped] by {pct} percent "
            "after the [dispute|standoff] began.",
            "{person2}, {role2}, said {country} [would not accept|was ready to discuss|"
            "had reservations about] any deal that [excluded|sidelined|ignored] {thing2}.",
            "Satellite [images|photographs] [published|shared] by {org2} appeared to show "
            "[new construction|increased activity|a build-up of vessels] near the disputed area.",
            "The [accord|deal|communique] [calls for|proposes|envisages] a joint working group "
            "to meet [every {num} weeks|twice a year|each quarter] in {city}.",
            "[Regional|Neighbouring] governments have [watched closely|expressed concern|"
            "offered to mediate] as tensions over {thing} [mounted|rose|flared].",
            "[Shipping companies|Freight operators|Exporters] said the [uncertainty|closures|"
            "inspections] had [added days to|disrupted|complicated] routes through {city}.",
        ],
        "quotes": [
            "Dialogue is the only way forward, and we are prepared to stay at the table",
            "We cannot allow {thing} to become a permanent source of tension",
            "Our neighbours know exactly where we stand on this question",
            "Nobody in {city} wants to see a return to the situation of {year}",
        ],
    },
    "politics": {
        "roles": [
            "finance minister", "opposition leader", "mayor of {city}", "party chairman",
            "speaker of the assembly", "chief whip", "interior minister",
        ],
        "orgs": [
            "the National Assembly", "the Progressive Alliance", "the Civic Reform Party",
            "the Electoral Commission", "the Treasury", "the Supreme Court",
            "the City Council of {city}", "the Senate Budget Committee",
        ],
        "things": [
            "pension reform", "the housing bill", "voting rules", "the transport budget",
            "tax relief", "public sector pay", "campaign finance", "local policing",
        ],
        "headlines": [
            "{person} unveils plan to overhaul {thing}",
            "Lawmakers clash over {thing} as deadline looms",
            "{org_cap} rejects {thing} proposal in {num}-vote margin",
            "{role_cap} {person} faces revolt over {thing}",
            "Voters in {city} to decide on {thing} in {month}",
            "{person} survives confidence vote after {thing} row",
            "{org_cap} delays vote on {thing} amid coalition tensions",
            "Poll shows {pct} percent back {person} on {thing}",
            "{person} resigns as {role} after dispute over {thing}",
        ],
        "leads": [
            "{person}, {role}, [unveiled|set out|presented] plans on {day} to [overhaul|"
            "reshape|rewrite] {thing}, [setting up|triggering|opening] a [clash|showdown|"
            "fight] with {org}.",
            "[Lawmakers|Members] of {org} [voted|decided] on {day} to [delay|approve|reject] "
            "changes to {thing}, [handing|dealing] {person}, {role}, a [setback|victory].",
        ],
        "sentences": [
            "The [bill|measure|proposal] would [raise|lower|freeze] [spending|contributions|"
            "allowances] linked to {thing} by {pct} percent over {num} years.",
            "{person2}, {role2}, called the plan [\"reckless\"|\"overdue\"|\"a cynical "
            "manoeuvre\"] and promised to [fight it|amend it|force a recount].",
            "[Coalition partners|Backbenchers|Party officials] have [privately|openly] "
            "[complained|questioned|raised doubts] about the [cost|timing|fairness] of the "
            "changes.",
            "[Polling|A survey] by {org2} suggests [voters|residents] are [split|divided "
            "almost evenly|largely supportive] on {thing}.",
            "The [vote|debate|hearing] [is expected|has been scheduled] for {day}, "
            "[though|and] [aides|officials] said it could [slip|be brought forward].",
            "{last} [won|secured|narrowly took] the [seat|post|leadership] in {year} on a "
            "promise to [fix|reform|protect] {thing2}.",
            "[Opposition|Rival] parties [seized on|pounced on|criticised] the [figures|leak|"
            "remarks], accusing {last} of [misleading|ignoring|abandoning] voters.",
            "Under the [draft|current|revised] text, [councils|regions|agencies] would have "
            "{num} months to [comply|adapt|submit plans].",
            "The [row|dispute|standoff] [threatens|could delay|has overshadowed] work on "
            "{thing2}, which [was due|is scheduled] to be [debated|finalised] in {month}.",
            "[Turnout|Support] in {city} has [fallen|slipped|recovered] since the last "
            "[election|referendum|census], according to {org2}.",
            "[Campaigners|Unions|Civic groups] [plan|have promised|are preparing] to "
            "[march|protest|hold vigils] outside {org} [on {day}|next week|this weekend].",
            "[Legal experts|Constitutional scholars] said the [plan|measure] could [face "
            "challenges|be struck down|end up] before [the courts|{org2}].",
        ],
        "quotes": [
            "This is about fairness, and people in {city} deserve a straight answer",
            "We were elected to make hard decisions, not to postpone them",
            "The numbers simply do not add up, and everybody in the chamber knows it",
            "I have spoken to hundreds of families who are worried about {thing}",
        ],
    },
    "business": {
        "roles": [
            "chief executive", "chief financial officer", "founder", "board chair",
            "head of operations", "senior economist", "managing director",
        ],
        "orgs": [
            "Northbridge Capital", "Halden Freight", "Corvid Foods", "Meridian Steelworks",
            "Bluewater Energy", "Aster Retail Group", "Kessler Motors", "Pellham Bank",
            "Granite Logistics", "Sunreach Airlines",
        ],
        "things": [
            "electric vans", "frozen foods", "container shipping", "home loans", "steel output",
            "regional flights", "solar panels", "grocery delivery",
        ],
        "headlines": [
            "{org_cap} to cut {num} jobs as {thing} demand slows",
            "{org_cap} posts record profit on surge in {thing}",
            "{org_cap} agrees {amount} takeover of rival in {city}",
            "{person} steps down as {role} of {org}",
            "{org_cap} shares slide {pct} percent after {thing} warning",
            "{org_cap} bets {amount} on {thing} expansion",
            "Workers at {org} in {city} vote to strike over pay",
            "{org_cap} opens {thing} plant in {city}, creating {big} jobs",
            "Regulators probe {org} over {thing} pricing",
        ],
        "leads": [
            "{org_cap} [said|announced|confirmed] on {day} that it would [invest|spend|commit] "
            "{amount} in {thing}, [its largest|its boldest|a rare] bet in [years|a decade].",
            "{person}, {role} of {org}, [told investors|told analysts|said] on {day} that "
            "demand for {thing} had [weakened|softened|surged] [sharply|unexpectedly].",
        ],
        "sentences": [
            "Shares in {org} [fell|rose|closed] {pct} percent in [early|afternoon|late] "
            "trading after the [announcement|results|update].",
            "The company [employs|has a workforce of] about {big} people, [most of them|"
            "many of them|roughly half] in and around {city}.",
            "[Revenue|Sales|Operating profit] [rose|fell|climbed] to {amount} in the "
            "[quarter|half-year|year to {month}], [beating|missing|matching] forecasts.",
            "{person2}, {role2} at {org2}, said the [deal|move|results] showed that "
            "{thing2} [remained|had become] a [fiercely competitive|difficult|lucrative] market.",
            "[Suppliers|Customers|Dealers] have [complained about|warned of|reported] [delays|"
            "rising prices|shortages] in {thing} since {month}.",
            "The [plant|warehouse|headquarters] in {city} [will|would] [close|expand|"
            "reopen] by {month} next year, the company said.",
            "[Unions|Staff representatives] said they had [not been consulted|been given "
            "{num} days' notice|asked for urgent talks] about the [cuts|changes|plan].",
            "[Borrowing costs|Energy bills|Raw material prices] have [squeezed|weighed on|"
            "eroded] [margins|profits|earnings] across the {thing2} [sector|industry].",
            "{org_cap} [expects|forecasts|is targeting] [annual|full-year] sales of "
            "{amount}, [up from|down from|compared with] last year.",
            "The [acquisition|merger|takeover] still needs [approval|clearance] from "
            "[competition authorities|regulators] in {country}.",
            "[Investors|Shareholders|Fund managers] [welcomed|questioned|pushed back on] the "
            "[strategy|payout|pay package], according to people at the meeting.",
            "Founded in {year}, {org} [grew|expanded|built its name] [selling|making|"
            "shipping] {thing} [across|throughout] {country}.",
        ],
        "quotes": [
            "We are building this business for the next twenty years, not the next quarter",
            "Our customers in {city} have told us very clearly what they want",
            "The market for {thing} is changing faster than anyone expected",
            "These are difficult decisions, and we do not take them lightly",
        ],
    },
    "technology": {
        "roles": [
            "chief technology officer", "head of security", "product director", "founder",
            "senior engineer", "research director",
        ],
        "orgs": [
            "Quillfeather Labs", "Nimbus Data", "Tessellate Software", "Orbitline",
            "Cobalt Circuit", "Lanternfish Systems", "Parallax Robotics", "Emberlight Networks",
        ],
        "things": [
            "cloud storage", "facial recognition", "delivery drones", "chip design",
            "password managers", "smart meters", "translation software", "home routers",
        ],
        "headlines": [
            "{org_cap} unveils new {thing} aimed at small businesses",
            "Security flaw in {thing} exposes {big} users, {org} admits",
            "{org_cap} raises {amount} to build {thing}",
            "{city} to pilot {thing} on public buses",
            "{person} leaves {org} to launch {thing} start-up",
            "Outage at {org} knocks {thing} offline for {num} hours",
            "{org_cap} faces fine over {thing} data practices",
            "{org_cap} opens {thing} research lab in {city}",
            "Inside the race to make {thing} cheaper",
        ],
        "leads": [
            "{org_cap} [unveiled|launched|showed off] a new [generation|version|line] of "
            "{thing} on {day}, [promising|claiming|touting] [faster|cheaper|safer] service.",
            "[Millions|Thousands] of [users|customers] of {org} were [affected|locked out|"
            "exposed] after a [flaw|fault|bug] in its {thing}, {person}, {role}, said on {day}.",
        ],
        "sentences": [
            "The [system|product|service] [uses|relies on|combines] {thing2} to [cut|reduce|"
            "halve] [costs|delays|energy use] by up to {pct} percent, the company says.",
            "[Researchers|Engineers|Testers] at {org2} [found|reported|discovered] the "
            "[flaw|weakness|problem] in {month} and [alerted|notified|warned] the company.",
            "{org_cap} [said|insisted|maintained] that no [passwords|payment details|"
            "personal files] had been [stolen|accessed|leaked].",
            "The [start-up|company|firm] was founded in {year} by [former|two] [engineers|"
            "researchers|students] from {city}.",
            "[Privacy advocates|Consumer groups|Regulators in {country}] [have raised|"
            "voiced|expressed] concerns about how {thing} [collects|stores|shares] data.",
            "{person2}, {role2} at {org2}, said the [launch|update|deal] [could|would] "
            "[reshape|unsettle|transform] the market for {thing2}.",
            "[Early|Initial|Independent] tests [suggest|show|indicate] the [device|software|"
            "chip] [runs|performs|works] {num} times faster than its predecessor.",
            "The [outage|disruption|fault] [began|started] shortly after {num} a.m. and "
            "[lasted|continued] for [several|about {num2}] hours.",
            "[Customers|Users|Businesses] will be able to [try|buy|subscribe to] the "
            "[service|product] from {month}, with prices starting at {price} a month.",
            "[Competitors|Rivals] including {org2} are [working on|testing|racing to "
            "release] [similar|competing|cheaper] {thing}.",
            "The [funding round|investment|deal] values {org} at [about|roughly|more than] "
            "{amount}.",
            "[Critics|Some experts] [warn|caution|argue] that {thing} [is being rolled out|"
            "has spread] faster than [rules|safeguards|oversight] can keep up.",
        ],
        "quotes": [
            "Security is not a feature you add later, it has to be there from day one",
            "We think {thing} should be as simple as turning on a light",
            "Our engineers worked through the night to restore service",
            "Every company in {city} will be using this within five years",
        ],
    },
    "science": {
        "roles": [
            "lead author of the study", "professor of biology", "marine ecologist",
            "astronomer", "climate scientist", "geologist",
        ],
        "orgs": [
            "the University of {city}", "the Halden Institute", "the National Observatory",
            "the Polar Research Station", "the Museum of Natural History",
            "the Marine Biology Centre", "the Geological Survey",
        ],
        "things": [
            "coral reefs", "glacier melt", "deep-sea microbes", "a distant comet",
            "migratory birds", "ancient pollen", "river sediment", "soil fungi",
        ],
        "headlines": [
            "Scientists discover new clues about {thing} near {city}",
            "Study links {thing} to changes in {thing2}",
            "{person} team maps {thing} in unprecedented detail",
            "Researchers in {city} find {thing} thriving in unlikely place",
            "{org_cap} launches {num}-year project to track {thing}",
            "Ancient {thing} offers glimpse into climate of {country}",
            "Telescope images reveal surprise about {thing}",
            "Volunteers count {big} samples of {thing} in record survey",
        ],
        "leads": [
            "[Researchers|Scientists] at {org} have [found|uncovered|identified] [new|"
            "surprising|unexpected] evidence about {thing}, according to a study published "
            "on {day}.",
            "{person}, {role} at {org}, [led|oversaw|coordinated] a team that spent {num} "
            "[months|years] [studying|tracking|sampling] {thing} near {city}.",
        ],
        "sentences": [
            "The team [collected|analysed|examined] more than {big} samples [from|across|"
            "along] [the coast|the valley|remote sites] near {city}.",
            "[The findings|The results|Their conclusions] were published in [a peer-reviewed "
            "journal|the journal of {org2}] and [have not yet|have already] been replicated.",
            "{person2}, {role2} at {org2}, who was not involved in the research, called the "
            "[results|work|study] [\"striking\"|\"important but preliminary\"|\"a big step\"].",
            "[Previous|Earlier] studies had [suggested|assumed|estimated] that {thing} "
            "[declined|shifted|recovered] [far more slowly|much faster] than the new data show.",
            "[Funding|Money] for the [project|expedition|survey] came from {org2} and "
            "[private donors|a government grant|{num} partner universities].",
            "Measurements [suggest|indicate|show] a {pct} percent [change|drop|rise] since "
            "{year}, [though|and] the [researchers|authors] caution that [more work is "
            "needed|the sample is small].",
            "[Temperatures|Water levels|Acidity levels] at the [site|station|reef] have "
            "[risen|fluctuated|fallen] [steadily|sharply] over the past {num} years.",
            "The [researchers|team] [plan to|hope to|will] [return|expand the survey|"
            "publish further results] in {month}.",
            "[Using|With] [drones|sensors|DNA sequencing|satellite data], the team was able "
            "to [track|map|count] {thing2} [in real time|at unprecedented resolution].",
            "[Local fishermen|Park rangers|Amateur naturalists] [first noticed|reported|"
            "flagged] the [change|pattern|anomaly] [several|a few] years ago.",
            "The [study|paper] [lists|credits] {num} [co-authors|institutions] from {country} "
            "and [elsewhere|beyond].",
            "[Understanding|Predicting|Protecting] {thing} matters because it [supports|"
            "affects|underpins] [fisheries|farming|water supplies] for {big} people.",
        ],
        "quotes": [
            "Nature keeps surprising us, and that is exactly why we need long-term data",
            "We expected to find very little, and instead we found a thriving system",
            "This changes how we think about {thing} and how quickly it can adapt",
            "Science moves one careful measurement at a time",
        ],
    },
    "health": {
        "roles": [
            "health minister", "chief medical officer", "hospital director", "epidemiologist",
            "head of nursing", "public health director",
        ],
        "orgs": [
            "Harbour Valley Hospital", "the Health Ministry", "the Public Health Agency",
            "St. Brendan's Clinic", "the Nurses' Union", "the Medical Research Council",
            "the Regional Health Board",
        ],
        "things": [
            "flu vaccinations", "waiting lists", "mental health services", "childhood asthma",
            "emergency care", "dental treatment", "hospital staffing", "measles cases",
        ],
        "headlines": [
            "{city} hospitals struggle as {thing} surge continues",
            "{org_cap} pledges {amount} to cut {thing}",
            "Doctors warn {thing} could worsen this winter",
            "{person} promises overhaul of {thing} after damning report",
            "Study finds {pct} percent rise in {thing} among young adults",
            "Nurses in {city} protest over {thing}",
            "{org_cap} opens new unit for {thing} in {city}",
            "Families wait {num} weeks for {thing}, figures show",
        ],
        "leads": [
            "[Hospitals|Clinics|Health centres] in {city} are [under growing strain|struggling "
            "to cope|stretched thin] because of {thing}, {person}, {role}, [warned|said] on {day}.",
            "{org_cap} [announced|promised|set out] {amount} in [new|extra|emergency] "
            "funding on {day} to [tackle|reduce|address] {thing}.",
        ],
        "sentences": [
            "[Waiting times|Admissions|Referrals] [rose|climbed|jumped] by {pct} percent in "
            "the [year to {month}|last quarter|past six months], according to {org2}.",
            "{person2}, {role2}, said [staff|doctors|nurses] were [exhausted|working extra "
            "shifts|stretched to the limit] and [morale|recruitment] was [low|suffering].",
            "[Patients|Parents|Carers] [described|reported] waiting [up to|more than] {num} "
            "hours [in emergency rooms|for appointments|for test results].",
            "The [funding|money|investment] will pay for {num} [new beds|extra nurses|"
            "mobile clinics] and [longer opening hours|a new screening programme].",
            "[Experts|Doctors|Researchers] [recommend|urge|advise] [regular check-ups|"
            "early testing|vaccination] for [older adults|children|people with conditions].",
            "Figures from {org2} show that {big} people were treated for {thing2} last year, "
            "[up|down] from [the year before|{year}].",
            "[Rural areas|Smaller towns|Outlying districts] near {city} have been [hit "
            "hardest|particularly affected|worst served].",
            "The [report|review|inquiry] made {num} recommendations, including [better "
            "training|clearer guidance|more funding] for {thing2}.",
            "[Pharmacists|GPs|Paramedics] say they have seen a [sharp|steady|worrying] "
            "[rise|increase] in [cases|calls|prescriptions] since {month}.",
            "[Health officials|Ministers] said the [plan|strategy] would be [reviewed|"
            "assessed|evaluated] after {num} months.",
            "[Hand washing|Staying at home when ill|Getting vaccinated] remains the [best|"
            "simplest|most effective] way to [limit|slow] the spread, {last} said.",
            "[Campaigners|Patient groups] have [called|pushed] for [a national target|"
            "independent oversight|a dedicated fund] for {thing}.",
        ],
        "quotes": [
            "Every extra hour a patient waits is an hour of worry for a family",
            "Our staff have been extraordinary, but they cannot keep doing this alone",
            "Prevention is always cheaper than cure, and {thing} is no exception",
            "We owe it to patients in {city} to fix this properly",
        ],
    },
    "sports": {
        "roles": [
            "head coach", "team captain", "club president", "striker", "goalkeeper",
            "league commissioner", "sporting director",
        ],
        "orgs": [
            "Port Halden Rovers", "the Westbrook Hawks", "Carver City United",
            "the Lindenburg Lions", "Marlow Bay Athletic", "the National Rugby League",
            "the Oakmont Olympic Committee", "Greyhaven Rowing Club",
        ],
        "things": [
            "the championship", "the cup final", "the relegation battle", "the transfer window",
            "the marathon", "the regatta", "the playoffs", "the derby",
        ],
        "headlines": [
            "{org_cap} stun rivals to reach {thing}",
            "{person} scores twice as {org} win in {city}",
            "{person} named {role} ahead of {thing}",
            "Late drama in {city} as {org} snatch {num}-{num2} draw",
            "{org_cap} fined over crowd trouble at {thing}",
            "{person} sets course record at {thing}",
            "{org_cap} sign {person} in {amount} deal",
            "{person} retires after {num} seasons with {org}",
            "Injury blow for {org} before {thing}",
        ],
        "leads": [
            "{org_cap} [beat|edged past|overwhelmed] their rivals {num}-{num2} in {city} on "
            "{day}, [securing|booking|clinching] a place in {thing}.",
            "{person}, {role}, [scored|struck|netted] [twice|a late winner|in stoppage time] "
            "as {org} [kept their hopes alive|moved clear|bounced back] on {day}.",
        ],
        "sentences": [
            "A crowd of {big} [packed|filled|watched from] the [stadium|ground|riverbank] in "
            "{city} [despite|in] [heavy rain|the cold|the heat].",
            "{last} [has now scored|has made|has won] {num} [goals|appearances|titles] "
            "[this season|in all competitions|since {year}].",
            "[The visitors|The hosts|Their opponents] [had the better of|dominated|struggled "
            "in] the [first half|opening exchanges|closing minutes].",
            "{person2}, {role2}, said the team had [shown great character|been outplayed|"
            "learned a hard lesson] and would [regroup|move on|need to improve].",
            "The [result|defeat|victory] leaves {org} [{num} points|two places] [clear|"
            "behind|adrift] with {num2} [games|rounds|races] remaining.",
            "[Ticket prices|Travel costs|Kick-off times] for {thing} have [angered|frustrated|"
            "pleased] supporters, according to [fan groups|{org2}].",
            "[The club|The team|The federation] [confirmed|announced] that {last} would "
            "[miss|return for|be assessed before] {thing2}.",
            "[Supporters|Fans] [sang|chanted|celebrated] long after the final whistle in "
            "{city}.",
            "[Injuries|Suspensions|A crowded schedule] [have hampered|disrupted|tested] "
            "{org} since {month}.",
            "{org_cap} [last won|last reached|have not won] {thing} [in {year}|for {num} "
            "years|since {year}].",
            "The [transfer|contract|deal] is [reported to be|understood to be|thought to be] "
            "worth about {amount}.",
            "[Coaches|Pundits|Former players] [praised|questioned|criticised] the decision to "
            "[rest|start|drop] several [senior|key|young] players.",
        ],
        "quotes": [
            "The lads gave everything tonight and the supporters deserved that",
            "We know {thing} will be a completely different game",
            "I have dreamed of this moment since I was a kid in {city}",
            "There is no time to celebrate, the next match is in a few days",
        ],
    },
    "culture": {
        "roles": [
            "festival director", "novelist", "museum curator", "film director", "conductor",
            "theatre producer", "poet",
        ],
        "orgs": [
            "the {city} Film Festival", "the Royal Opera of {city}", "the Gallery of Modern Art",
            "the National Library", "the Halden Book Prize", "the Riverside Theatre",
            "the Philharmonic Orchestra",
        ],
        "things": [
            "the retrospective", "the literary prize", "the new exhibition", "the opera season",
            "the documentary", "the jazz festival", "the restoration project", "the debut novel",
        ],
        "headlines": [
            "{person} wins {org} for {thing}",
            "{org_cap} opens {thing} to record crowds",
            "{person} on art, exile and {thing}",
            "{city} prepares for {thing} after years of delays",
            "Rare manuscripts go on display at {org}",
            "{org_cap} announces {num} premieres for new season",
            "Review: {person} makes {thing} a quiet triumph",
            "{person} returns to {city} with {thing}",
            "Funding cuts threaten {thing} at {org}",
        ],
        "leads": [
            "{person}, the {role}, [won|took home|was awarded] the top prize at {org} on {day} "
            "for {thing}, [beating|edging out|seeing off] {num} other entries.",
            "{org_cap} [opened|unveiled|launched] {thing} on {day}, [drawing|attracting] "
            "[long queues|record crowds|{big} visitors] in its first [weekend|days].",
        ],
        "sentences": [
            "The [exhibition|show|programme] brings together more than {num} [works|pieces|"
            "performances], many [never seen|rarely shown|not exhibited] outside {country}.",
            "{last} [spent|took] {num2} years [writing|preparing|researching] the [book|"
            "production|collection], [much of it|partly] in {city}.",
            "[Critics|Reviewers] have [praised|hailed|been divided over] the [work|staging|"
            "film] for its [restraint|ambition|bold colours|sparse dialogue].",
            "{person2}, {role2}, said {thing} [showed|proved|reminded audiences] that "
            "[small venues|local artists|older works] [still|can] [matter|draw crowds].",
            "Tickets for the [opening night|premiere|final weekend] [sold out|went on sale] "
            "[within hours|in {month}|at {price} each].",
            "The [restoration|renovation|project] of the [building|hall|theatre] cost "
            "{amount} and took [nearly|more than] {num} years.",
            "[Arts groups|Independent galleries|Small theatres] in {city} have [warned|said] "
            "that [rising rents|funding cuts|falling audiences] [threaten|endanger] their future.",
            "{org_cap} was founded in {year} and has [since|over the years] [hosted|staged|"
            "championed] [hundreds of|thousands of] [artists|productions|writers].",
            "The [collection|archive|programme] includes [letters|sketches|recordings] "
            "[donated|lent|bequeathed] by [families|collectors] in {country}.",
            "[Admission|Entry] [is free|costs {price}] and the [show|exhibition] [runs|"
            "continues] until {month}.",
            "[Younger audiences|Schools|First-time visitors] have [flocked|responded "
            "enthusiastically|been slower to arrive], {org} said.",
            "The [jury|panel|committee] [described|called] the winning work [\"luminous\"|"
            "\"fearless\"|\"a book for our time\"].",
        ],
        "quotes": [
            "Art is how a city talks to itself about who it wants to be",
            "I wrote {thing} for my grandmother, who never had the chance to tell her story",
            "We wanted people to walk in off the street and feel at home",
            "Culture is not a luxury, it is part of what holds {city} together",
        ],
    },
}

# Used right after a lead sentence that does not name the main character.
INTRO_SENTENCES = [
    "{person}, {role}, [said|confirmed|told reporters] that [details|the figures|a timetable] "
    "would be [published|set out|announced] [shortly|within days|before {month}].",
    "[The move|The news|The announcement] was [welcomed|defended|played down] by {person}, "
    "{role}, who [called it|described it as] [overdue|a first step|the right decision].",
    "{person}, {role}, [has been|was] [closely involved|at the centre of events|among the "
    "first to react] in {city}.",
]

QUOTE_FRAMES = [
    "\"{quote},\" {last} said.",
    "\"{quote},\" {last} told [reporters|this newspaper|a local radio station].",
    "\"{quote},\" said {last}, [speaking|talking] [after the meeting|in {city}|on {day}].",
    "{last} [put it bluntly|was unequivocal|struck a cautious note]: \"{quote}.\"",
]

SECOND_QUOTE_FRAMES = [
    "\"{quote2},\" {last2} said.",
    "\"{quote2},\" {last2} [added|countered|replied] [in a statement|on social media|later].",
]

# Substitutions used by the content farm's "spinner".
SPIN_WORDS = {
    "said": "stated", "announced": "declared", "confirmed": "verified", "warned": "cautioned",
    "people": "individuals", "residents": "inhabitants", "government": "administration",
    "company": "enterprise", "plan": "scheme", "plans": "schemes", "rise": "increase",
    "rose": "increased", "fell": "decreased", "big": "large", "important": "significant",
    "help": "assist", "start": "commence", "began": "commenced", "buy": "purchase",
    "show": "demonstrate", "shows": "demonstrates", "city": "metropolis", "talks": "discussions",
    "deal": "agreement", "workers": "employees", "staff": "personnel", "cost": "expense",
    "costs": "expenses", "decision": "determination", "change": "alteration",
    "changes": "alterations", "years": "yrs", "months": "mos", "first": "initial",
    "expected": "anticipated", "support": "backing", "lawmakers": "legislators",
    "critics": "detractors", "figures": "statistics", "quickly": "rapidly",
    "difficult": "challenging", "meeting": "gathering", "report": "account",
    "study": "research", "team": "squad", "fans": "supporters", "crowd": "throng",
    "money": "funds", "jobs": "positions", "prices": "costs", "record": "unprecedented",
    "new": "novel", "region": "area", "country": "nation", "weeks": "wks",
    "officials": "authorities", "statement": "declaration", "problem": "issue",
}

NEWS_CATEGORY_LABELS = {
    "world": "World", "politics": "Politics", "business": "Business",
    "technology": "Technology", "science": "Science", "health": "Health",
    "sports": "Sports", "culture": "Culture",
}

FARM_CATEGORIES = [
    "Ranking of immigration countries", "Work visa tips", "Overseas jobs",
    "Study abroad guide", "Salary comparison", "Green card news", "Resume writing",
]

VISA_CATEGORIES = [
    "Canada express entry", "Schengen visa guide", "Nursing jobs abroad",
    "Caregiver visa sponsorship", "Scholarships for foreigners", "Gulf country vacancies",
    "Visa interview questions",
]
# fmt: on
